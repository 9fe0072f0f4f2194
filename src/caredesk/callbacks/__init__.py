"""Outbound callbacks: the policy gate, the lifecycle and the dispatcher."""
