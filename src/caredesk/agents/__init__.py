"""Agents, lines of business, shifts and the agent state machine."""
