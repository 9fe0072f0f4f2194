from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from caredesk.schemas import AwareDatetime, Id, Input, Output
from caredesk.tickets.models import Ticket, TicketPriority, TicketStatus, UpdateKind

QUEUE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,39}$"


class TicketCreate(Input):
    account_id: Id
    subject: str = Field(min_length=1, max_length=200)
    description: str = Field(min_length=1, max_length=20_000)
    priority: TicketPriority | None = Field(default=None, description="Staff only; normal.")
    queue: str | None = Field(
        default=None, max_length=40, pattern=QUEUE_PATTERN, description="Staff only."
    )
    assignee_id: Id | None = Field(default=None, description="Staff only.")


class TicketPatch(Input):
    """Only the fields sent are changed; ``assignee_id: null`` unassigns."""

    priority: TicketPriority | None = None
    queue: str | None = Field(default=None, max_length=40, pattern=QUEUE_PATTERN)
    assignee_id: Id | None = None


class StatusChange(Input):
    status: TicketStatus
    note: str | None = Field(default=None, max_length=5_000)


class EscalationCreate(Input):
    reason: str = Field(min_length=1, max_length=2_000)
    leader_id: Id | None = Field(default=None, description="The leader's agent id.")
    department: str | None = Field(default=None, max_length=40, pattern=QUEUE_PATTERN)


class ReopenRequest(Input):
    reason: str = Field(min_length=1, max_length=2_000)


class ResolutionCreate(Input):
    summary: str = Field(min_length=1, max_length=10_000)
    follow_up_at: AwareDatetime | None = Field(
        default=None, description="When to ask whether the fix held; default a few days on."
    )


class ResolutionCheckCreate(Input):
    held: bool | None = Field(description="true: fixed; false: not fixed; null: no answer.")
    note: str | None = Field(default=None, max_length=5_000)


class TicketUpdateCreate(Input):
    kind: UpdateKind = UpdateKind.COMMENT
    body: str = Field(min_length=1, max_length=20_000)
    internal: bool = False
    details: dict[str, Any] | None = None


class TicketUpdateRead(Output):
    id: int
    ticket_id: int
    kind: UpdateKind
    body: str
    author: str
    internal: bool
    details: dict[str, Any] | None
    at: datetime


class TicketRead(Output):
    id: int
    case_number: str
    account_id: int
    subject: str
    description: str
    status: TicketStatus
    priority: TicketPriority
    queue: str
    assignee_id: int | None
    sla_due_at: datetime
    overdue: bool
    escalated_to_agent_id: int | None
    escalated_to_queue: str | None
    escalated_at: datetime | None
    resolution_summary: str | None
    resolved_at: datetime | None
    follow_up_due_at: datetime | None
    resolution_outcome: str | None
    closed_at: datetime | None
    reopen_count: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, ticket: Ticket, now: datetime) -> TicketRead:
        return cls.model_validate(
            {
                **{name: getattr(ticket, name) for name in cls.model_fields if name != "overdue"},
                "overdue": ticket.is_overdue(now),
            }
        )
