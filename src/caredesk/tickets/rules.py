"""The case lifecycle as data: the transitions table, SLA hours and the windows that bound
reopening and the resolution check. Pure; no database."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from caredesk.errors import InvalidTransition, ValidationFailed
from caredesk.tickets.models import TicketPriority, TicketStatus

S = TicketStatus
_WORKING = frozenset({S.OPEN, S.PENDING_CUSTOMER, S.PENDING_INTERNAL, S.ESCALATED, S.RESOLVED})

# Every allowed move, and nothing else. Closing happens only from resolved (the customer
# confirmed, staff closed it, or the resolution check lapsed); reopening only from resolved or
# closed. Escalated -> escalated is a re-escalation to another leader or department.
TRANSITIONS: dict[TicketStatus, frozenset[TicketStatus]] = {
    S.NEW: _WORKING,
    S.OPEN: _WORKING - {S.OPEN},
    S.PENDING_CUSTOMER: _WORKING - {S.PENDING_CUSTOMER},
    S.PENDING_INTERNAL: _WORKING - {S.PENDING_INTERNAL},
    S.ESCALATED: _WORKING,
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED}),
    S.CLOSED: frozenset({S.REOPENED}),
    S.REOPENED: _WORKING,
}

# Statuses reached through their own action because they need more than a status: an
# escalation names a target and a reason, a resolution a summary, a reopening a reason.
DEDICATED_ACTIONS: dict[TicketStatus, str] = {
    S.ESCALATED: "escalate",
    S.RESOLVED: "resolve",
    S.REOPENED: "reopen",
}


def check_transition(current: str, target: TicketStatus) -> None:
    """Raises InvalidTransition naming ``status`` unless the table allows the move."""
    allowed = TRANSITIONS[TicketStatus(current)]
    if target not in allowed:
        names = ", ".join(sorted(s.value for s in allowed)) or "nothing"
        raise InvalidTransition(
            f"a {current} case cannot move to {target.value}; from {current} it can move to: "
            f"{names}",
            field="status",
            extra={"current": current, "requested": target.value},
        )


class TicketRules(BaseSettings):
    """Numbers that bound the lifecycle; read from ``CAREDESK_TICKETS_*`` (JSON for the table),
    refused at start with the key named when out of range."""

    model_config = SettingsConfigDict(
        env_prefix="CAREDESK_TICKETS_", env_file=".env", extra="ignore"
    )

    sla_hours: dict[TicketPriority, int] = Field(
        default_factory=lambda: {
            TicketPriority.LOW: 120,
            TicketPriority.NORMAL: 48,
            TicketPriority.HIGH: 24,
            TicketPriority.URGENT: 4,
        },
        description="Hours from creation to the SLA due time, per priority.",
    )
    reopen_window_days: int = Field(default=30, ge=1, le=365)
    resolution_check_days: int = Field(
        default=3, ge=1, le=60, description="Days after resolving that the customer is asked."
    )
    max_follow_up_days: int = Field(default=60, ge=1, le=365)

    @field_validator("sla_hours")
    @classmethod
    def _every_priority(cls, value: dict[TicketPriority, int]) -> dict[TicketPriority, int]:
        missing = [p.value for p in TicketPriority if p not in value]
        if missing:
            raise ValueError(f"needs hours for every priority; missing {', '.join(missing)}")
        for priority, hours in value.items():
            if not 1 <= hours <= 24 * 90:
                raise ValueError(f"{priority.value}: hours must be between 1 and 2160")
        return value

    def sla_due(self, created_at: datetime, priority: TicketPriority) -> datetime:
        return created_at + timedelta(hours=self.sla_hours[priority])


@lru_cache(maxsize=1)
def get_ticket_rules() -> TicketRules:
    return TicketRules()


_ALNUM = re.compile(r"[A-Za-z0-9]")
MIN_REASON_LENGTH = 10


def require_meaningful(text: str | None, *, field: str, what: str = "a reason") -> str:
    """Refuses an empty, too short or filler text ('..........', 'aaaaaaaaaa')."""
    cleaned = (text or "").strip()
    if not cleaned:
        raise ValidationFailed(f"{what} is required", field=field)
    if len(cleaned) < MIN_REASON_LENGTH:
        raise ValidationFailed(
            f"{what} must say what happened in at least {MIN_REASON_LENGTH} characters",
            field=field,
        )
    if len({c.lower() for c in _ALNUM.findall(cleaned)}) < 4:
        raise ValidationFailed(f"{what} must be words a colleague can act on", field=field)
    return cleaned
