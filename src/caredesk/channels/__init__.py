"""Channels: how the platform reaches customers (messages, calls) and the outbox that makes each
side effect happen once, after the state change that caused it has committed."""
