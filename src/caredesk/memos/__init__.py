"""Append-only account memos."""
