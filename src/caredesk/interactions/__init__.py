"""Interactions: every contact on every channel."""
