"""Resolving a case, asking the customer whether the fix held, and reopening.

A resolved case waits for the resolution check: the customer confirms (closed), says no
(reopened), or never answers and the case closes once the follow-up date passes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from caredesk.audit.service import Actor, record
from caredesk.db.session import UnitOfWork
from caredesk.errors import InvalidTransition, ValidationFailed
from caredesk.privacy import refuse_secrets
from caredesk.tickets.models import ResolutionOutcome, Ticket, TicketStatus, UpdateKind
from caredesk.tickets.rules import (
    TicketRules,
    check_transition,
    get_ticket_rules,
    require_meaningful,
)
from caredesk.tickets.service import lock, snapshot
from caredesk.tickets.timeline import write_timeline

LAPSE_ACTOR = Actor.system("resolution-check")
NOT_HELD_REASON = "The customer reports the issue is not fixed."


def resolve_ticket(
    uow: UnitOfWork,
    *,
    actor: Actor,
    ticket: Ticket,
    summary: str,
    follow_up_at: datetime | None = None,
    rules: TicketRules | None = None,
) -> Ticket:
    """Resolves with a summary and sets the date the customer is asked whether it held."""
    with uow.atomic():
        rules = rules or get_ticket_rules()
        summary = require_meaningful(summary, field="summary", what="a resolution summary")
        refuse_secrets({"summary": summary})
        now = uow.clock.now()
        if follow_up_at is None:
            follow_up_at = now + timedelta(days=rules.resolution_check_days)
        elif follow_up_at.tzinfo is None:
            raise ValidationFailed("must include a UTC offset", field="follow_up_at")
        elif not now < follow_up_at <= now + timedelta(days=rules.max_follow_up_days):
            raise ValidationFailed(
                f"must be after now and within {rules.max_follow_up_days} days",
                field="follow_up_at",
            )
        lock(uow, ticket)
        check_transition(ticket.status, TicketStatus.RESOLVED)
        before = snapshot(ticket)
        previous = ticket.status
        ticket.status = TicketStatus.RESOLVED.value
        ticket.resolution_summary = summary
        ticket.resolved_at = now
        ticket.follow_up_due_at = follow_up_at
        ticket.resolution_outcome = None
        ticket.closed_at = None
        details = {"from": previous, "follow_up_due_at": follow_up_at.isoformat()}
        write_timeline(
            uow,
            actor=actor,
            ticket=ticket,
            kind=UpdateKind.RESOLUTION,
            body=summary,
            details=details,
        )
        record(
            uow,
            actor=actor,
            action="ticket.resolved",
            subject_type="ticket",
            subject_id=ticket.id,
            before=before,
            after=snapshot(ticket),
            details=details,
        )
        return ticket


def reopen_ticket(
    uow: UnitOfWork,
    *,
    actor: Actor,
    ticket: Ticket,
    reason: str,
    rules: TicketRules | None = None,
) -> Ticket:
    """Reopens a resolved or closed case within the reopen window, with a reason."""
    with uow.atomic():
        rules = rules or get_ticket_rules()
        reason = require_meaningful(reason, field="reason", what="a reopen reason")
        refuse_secrets({"reason": reason})
        lock(uow, ticket)
        check_transition(ticket.status, TicketStatus.REOPENED)
        now = uow.clock.now()
        resolved_at = ticket.resolved_at or ticket.updated_at
        window_ends = resolved_at + timedelta(days=rules.reopen_window_days)
        if now > window_ends:
            raise InvalidTransition(
                f"the {rules.reopen_window_days}-day reopen window ended "
                f"{window_ends.isoformat()}; open a new case and mention this one",
                field="status",
                extra={"current": ticket.status, "requested": TicketStatus.REOPENED.value},
            )
        _reopen(uow, actor=actor, ticket=ticket, reason=reason, outcome=None)
        return ticket


def _reopen(
    uow: UnitOfWork,
    *,
    actor: Actor,
    ticket: Ticket,
    reason: str,
    outcome: ResolutionOutcome | None,
) -> None:
    before = snapshot(ticket)
    previous = ticket.status
    ticket.status = TicketStatus.REOPENED.value
    ticket.reopen_count += 1
    ticket.resolution_summary = None
    ticket.resolved_at = None
    ticket.follow_up_due_at = None
    ticket.closed_at = None
    ticket.resolution_outcome = outcome.value if outcome else None
    details = {"from": previous, "to": ticket.status, "reopen_count": ticket.reopen_count}
    write_timeline(
        uow,
        actor=actor,
        ticket=ticket,
        kind=UpdateKind.STATUS_CHANGE,
        body=reason,
        details=details,
    )
    record(
        uow,
        actor=actor,
        action="ticket.reopened",
        subject_type="ticket",
        subject_id=ticket.id,
        before=before,
        after=snapshot(ticket),
        details={**details, "reason": reason},
    )


def record_resolution_check(
    uow: UnitOfWork,
    *,
    actor: Actor,
    ticket: Ticket,
    held: bool | None,
    note: str | None = None,
) -> Ticket:
    """The customer's answer to "is it fixed?": yes closes the case, no reopens it, and no
    answer (``held=None``) is noted while the case waits for the follow-up date to lapse."""
    with uow.atomic():
        note = (note or "").strip() or None
        if note:
            refuse_secrets({"note": note})
        lock(uow, ticket)
        if ticket.status != TicketStatus.RESOLVED:
            raise InvalidTransition(
                f"only a resolved case has a resolution check; this one is {ticket.status}",
                field="status",
                extra={"current": ticket.status},
            )
        now = uow.clock.now()
        before = snapshot(ticket)
        if held is None:
            body = note or "Customer not reached for the resolution check."
        elif held:
            check_transition(ticket.status, TicketStatus.CLOSED)
            ticket.status = TicketStatus.CLOSED.value
            ticket.closed_at = now
            ticket.resolution_outcome = ResolutionOutcome.HELD.value
            body = note or "Customer confirmed the issue is fixed."
        else:
            body = note or NOT_HELD_REASON
        write_timeline(
            uow,
            actor=actor,
            ticket=ticket,
            kind=UpdateKind.FOLLOW_UP,
            body=body,
            details={"resolution_check": True, "held": held},
        )
        record(
            uow,
            actor=actor,
            action="ticket.resolution_checked",
            subject_type="ticket",
            subject_id=ticket.id,
            before=before,
            after=snapshot(ticket),
            details={"held": held},
        )
        if held is False:
            check_transition(ticket.status, TicketStatus.REOPENED)
            _reopen(
                uow, actor=actor, ticket=ticket, reason=body, outcome=ResolutionOutcome.NOT_HELD
            )
        return ticket


def lapse_resolution_checks(
    uow: UnitOfWork,
    *,
    now: datetime | None = None,
    limit: int = 500,
) -> list[Ticket]:
    """Closes resolved cases whose follow-up date passed with no answer. Safe to run from
    several workers at once: the cases are taken with one leased claim (``db.leases``)."""
    # Imported here: resolving or reopening one case (`caredesk ticket resolve`) claims nothing.
    from caredesk.db.leases import claim_rows

    with uow.atomic():
        now = now or uow.clock.now()
        # The claim's guard (the case still resolved) makes a second worker's attempt a no-op.
        claims = claim_rows(
            uow,
            Ticket,
            candidates=[
                Ticket.status == TicketStatus.RESOLVED.value,
                Ticket.follow_up_due_at <= now,
            ],
            order_by=[Ticket.follow_up_due_at, Ticket.id],
            values={
                "status": TicketStatus.CLOSED.value,
                "closed_at": now,
                "resolution_outcome": ResolutionOutcome.LAPSED.value,
            },
            batch=limit,
            before=[Ticket.status],
        )
        closed: list[Ticket] = []
        for claim in claims:
            fresh = select(Ticket).where(Ticket.id == claim.id)
            ticket = uow.session.scalars(fresh.execution_options(populate_existing=True)).one()
            closed.append(ticket)
            before = {**snapshot(ticket), "status": claim.before._mapping["status"]}
            due_at = ticket.follow_up_due_at.isoformat() if ticket.follow_up_due_at else None
            write_timeline(
                uow,
                actor=LAPSE_ACTOR,
                ticket=ticket,
                kind=UpdateKind.FOLLOW_UP,
                body="No answer to the resolution check by the follow-up date; case closed.",
                details={"resolution_check": True, "held": None, "lapsed": True},
            )
            record(
                uow,
                actor=LAPSE_ACTOR,
                action="ticket.resolution_check_lapsed",
                subject_type="ticket",
                subject_id=ticket.id,
                before=before,
                after=snapshot(ticket),
                details={"follow_up_due_at": due_at},
            )
        return closed
