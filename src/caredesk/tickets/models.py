from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caredesk.db.base import Base, UTCDateTime


class TicketStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING_CUSTOMER = "pending_customer"
    PENDING_INTERNAL = "pending_internal"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


class TicketPriority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class UpdateKind(StrEnum):
    COMMENT = "comment"
    STATUS_CHANGE = "status_change"
    ASSIGNMENT = "assignment"
    ESCALATION = "escalation"
    RESOLUTION = "resolution"
    FOLLOW_UP = "follow_up"
    CALLBACK_UPDATE = "callback_update"


class ResolutionOutcome(StrEnum):
    """How the resolution check ended: the customer confirmed, said no, or never answered."""

    HELD = "held"
    NOT_HELD = "not_held"
    LAPSED = "lapsed"


# The SLA clock stops once a case is resolved; a closed case can never be overdue.
SLA_STOPPED = frozenset({TicketStatus.RESOLVED, TicketStatus.CLOSED})


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_number: Mapped[str] = mapped_column(String(20), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), index=True)
    priority: Mapped[str] = mapped_column(String(10))
    queue: Mapped[str] = mapped_column(String(40), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    sla_due_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    escalated_to_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    escalated_to_queue: Mapped[str | None] = mapped_column(String(40))
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolution_summary: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the customer is asked whether the fix held; the lapse job closes the case after it.
    follow_up_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    resolution_outcome: Mapped[str | None] = mapped_column(String(20))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    updates: Mapped[list[TicketUpdate]] = relationship(
        back_populates="ticket", order_by="TicketUpdate.id"
    )

    def is_overdue(self, now: datetime) -> bool:
        return self.status not in SLA_STOPPED and now >= self.sla_due_at


class TicketUpdate(Base):
    """One entry on a case's timeline. Entries are only ever added."""

    __tablename__ = "ticket_updates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(120))
    # Internal entries (escalation notes, staff-only comments) are hidden from customers.
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)

    ticket: Mapped[Ticket] = relationship(back_populates="updates")
