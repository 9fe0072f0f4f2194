"""The staff roles an agent record can carry, with no database code."""

from __future__ import annotations

from enum import StrEnum

from caredesk.users.roles import Role


class AgentRole(StrEnum):
    """The staff roles an agent record can carry (a customer is never an agent)."""

    AGENT = Role.AGENT.value
    SPECIALIST = Role.SPECIALIST.value
    LEADER = Role.LEADER.value
    ADMIN = Role.ADMIN.value
