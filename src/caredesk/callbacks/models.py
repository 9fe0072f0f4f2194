"""Callbacks as first-class records: the callback itself, each dial attempt, and the timeline of
what happened on it (notifications, offers, leases, guided-call steps, refusals)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from caredesk.db.base import Base, UTCDateTime


class CallbackStatus(StrEnum):
    REQUESTED = "requested"
    AWAITING_NOTIFICATION = "awaiting_notification"
    """The "Customer Callback" / "Dropped Call" message is queued but not yet sent (OB-NOTIFY)."""
    AWAITING_SCHEDULE = "awaiting_schedule"
    """The SA scheduling email is out; waiting for the customer to pick a slot."""
    SCHEDULED = "scheduled"
    NEEDS_ATTENTION = "needs_attention"
    """The outbox gave up on its notice or scheduling email: a leader requeues it or cancels."""
    OFFERED = "offered"
    """Claimed by a dispatcher under a lease and offered to an agent in Not Ready - Follow-Up."""
    DIALING = "dialing"
    IN_CALL = "in_call"
    WRAP_UP = "wrap_up"
    COMPLETED = "completed"
    CLOSED_UNREACHABLE = "closed_unreachable"
    """The last allowed attempt went unanswered: voicemail left and the account noted."""
    CANCELLED = "cancelled"
    REFUSED = "refused"
    """The policy refused the callback for good; the rule IDs are on the record."""


OPEN_STATUSES = frozenset(
    {
        CallbackStatus.REQUESTED,
        CallbackStatus.AWAITING_NOTIFICATION,
        CallbackStatus.AWAITING_SCHEDULE,
        CallbackStatus.SCHEDULED,
        CallbackStatus.NEEDS_ATTENTION,
        CallbackStatus.OFFERED,
        CallbackStatus.DIALING,
        CallbackStatus.IN_CALL,
        CallbackStatus.WRAP_UP,
    }
)
CLOSED_STATUSES = frozenset(CallbackStatus) - OPEN_STATUSES

S = CallbackStatus
TRANSITIONS: dict[CallbackStatus, frozenset[CallbackStatus]] = {
    S.REQUESTED: frozenset(
        {S.AWAITING_NOTIFICATION, S.AWAITING_SCHEDULE, S.SCHEDULED, S.REFUSED, S.CANCELLED}
    ),
    S.AWAITING_NOTIFICATION: frozenset({S.SCHEDULED, S.REFUSED, S.CANCELLED, S.NEEDS_ATTENTION}),
    S.AWAITING_SCHEDULE: frozenset({S.SCHEDULED, S.REFUSED, S.CANCELLED, S.NEEDS_ATTENTION}),
    # A dead message: requeued (back to waiting for it) or cancelled.
    S.NEEDS_ATTENTION: frozenset(
        {S.AWAITING_NOTIFICATION, S.AWAITING_SCHEDULE, S.SCHEDULED, S.CANCELLED}
    ),
    # An agent may also pick a scheduled callback directly (owned or manual dial).
    S.SCHEDULED: frozenset(
        {S.OFFERED, S.DIALING, S.REFUSED, S.CANCELLED, S.SCHEDULED, S.NEEDS_ATTENTION}
    ),
    # A lease that expires, or an agent who declines, puts the callback back in the schedule.
    S.OFFERED: frozenset({S.DIALING, S.SCHEDULED, S.CANCELLED, S.REFUSED}),
    S.DIALING: frozenset({S.IN_CALL, S.SCHEDULED, S.WRAP_UP, S.CLOSED_UNREACHABLE}),
    S.IN_CALL: frozenset({S.WRAP_UP}),
    S.WRAP_UP: frozenset({S.COMPLETED, S.CLOSED_UNREACHABLE, S.SCHEDULED}),
    S.COMPLETED: frozenset(),
    S.CLOSED_UNREACHABLE: frozenset(),
    S.CANCELLED: frozenset(),
    S.REFUSED: frozenset(),
}


class Callback(Base):
    __tablename__ = "callbacks"
    __table_args__ = (
        # The dispatcher's claim query: due, scheduled, not leased.
        Index("ix_callbacks_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    origin_interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id"))

    line_of_business: Mapped[str] = mapped_column(String(30), index=True)
    origin: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(String(30))
    policy_reference: Mapped[str | None] = mapped_column(String(200))
    requested_by: Mapped[str] = mapped_column(String(120))
    requested_by_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    caller_role: Mapped[str] = mapped_column(String(20))

    # Who to call: an E.164 number that must be one of the account's contact points.
    number: Mapped[str] = mapped_column(String(20))
    alternate_number: Mapped[str | None] = mapped_column(String(20))

    # What happened before: OB-SPOKE-FIRST, OB-LEADER-TICKET, OB-NO-CALL-*.
    customer_spoken_to: Mapped[bool] = mapped_column(Boolean, default=True)
    agent_spoke_to_customer: Mapped[bool] = mapped_column(Boolean, default=True)
    last_call_end: Mapped[str | None] = mapped_column(String(30))

    status: Mapped[str] = mapped_column(String(30), index=True)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Rule IDs and the sentence of the last refusal, for "why not now?" at a glance.
    refused_rules: Mapped[list[str] | None] = mapped_column(JSON)
    refusal_detail: Mapped[str | None] = mapped_column(Text)

    # OB-SA-OWNERSHIP: an owner inside their shift, or the line of business's assignment pool.
    owner_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    in_assignment_pool: Mapped[bool] = mapped_column(Boolean, default=False)
    pooled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # The dispatcher's lease: whoever holds an unexpired lease owns the next step.
    offered_to_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    lease_owner: Mapped[str | None] = mapped_column(String(80))
    lease_token: Mapped[str | None] = mapped_column(String(40))
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    # "Call me back, keep my place": a queue callback holds the caller's place in line, and the
    # dispatcher leaves it alone until inbound routing releases it at its turn. A turn the
    # policy put off (the calling window, the notice's lead time) waits until `held_until`.
    held_in_queue: Mapped[bool] = mapped_column(Boolean, default=False)
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    attempts_without_contact: Mapped[int] = mapped_column(Integer, default=0)
    contact_made: Mapped[bool] = mapped_column(Boolean, default=False)

    # OB-NOTIFY and OB-SA-EMAIL-FIRST: the outbox messages and when they were sent.
    notification_template: Mapped[str | None] = mapped_column(String(40))
    notification_message_id: Mapped[int | None] = mapped_column(Integer)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    scheduling_email_message_id: Mapped[int | None] = mapped_column(Integer)
    scheduling_email_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    offered_slots: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)

    outcome: Mapped[str | None] = mapped_column(String(30))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Optimistic concurrency: every change bumps it, and an UPDATE names the version it read.
    version: Mapped[int] = mapped_column(Integer, default=0)


class CallbackAttempt(Base):
    """One dial of one number (OB-ATTEMPTS counts these across all numbers)."""

    __tablename__ = "callback_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    callback_id: Mapped[int] = mapped_column(ForeignKey("callbacks.id"), index=True)
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    number: Mapped[str] = mapped_column(String(20))
    dial_string: Mapped[str] = mapped_column(String(32))
    # OB-DEVICE: the platform line the call was placed from.
    from_line: Mapped[str] = mapped_column(String(20))
    call_id: Mapped[str | None] = mapped_column(String(80))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    result: Mapped[str | None] = mapped_column(String(20))


class CallbackEvent(Base):
    """The callback's timeline: every transition, refusal and guided-call step, with the rule
    IDs that allowed or refused it. Append-only."""

    __tablename__ = "callback_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    callback_id: Mapped[int] = mapped_column(ForeignKey("callbacks.id"), index=True)
    # Indexed for the refusals-by-rule figures read at every metrics scrape.
    kind: Mapped[str] = mapped_column(String(40), index=True)
    from_status: Mapped[str | None] = mapped_column(String(30))
    to_status: Mapped[str | None] = mapped_column(String(30))
    rule_ids: Mapped[list[str] | None] = mapped_column(JSON)
    detail: Mapped[str | None] = mapped_column(Text)
    facts: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    actor: Mapped[str] = mapped_column(String(120))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
