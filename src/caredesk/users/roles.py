"""Who a user of the platform is: the roles, with no database code (the command line offers them
as choices without loading the ORM)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    SPECIALIST = "specialist"
    LEADER = "leader"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.AGENT, Role.SPECIALIST, Role.LEADER, Role.ADMIN})
LEADER_ROLES = frozenset({Role.LEADER, Role.ADMIN})
