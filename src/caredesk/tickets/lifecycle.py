"""Moving a case between statuses, and escalating it."""

from __future__ import annotations

from caredesk.audit.service import Actor, record
from caredesk.db.references import require_reference
from caredesk.db.session import UnitOfWork
from caredesk.errors import ValidationFailed
from caredesk.privacy import refuse_secrets
from caredesk.tickets.models import Ticket, TicketStatus, UpdateKind
from caredesk.tickets.rules import DEDICATED_ACTIONS, check_transition, require_meaningful
from caredesk.tickets.service import lock, require_queue, snapshot
from caredesk.tickets.timeline import write_timeline


def change_status(
    uow: UnitOfWork,
    *,
    actor: Actor,
    ticket: Ticket,
    status: TicketStatus,
    note: str | None = None,
) -> Ticket:
    """Moves between the working statuses (and closes a resolved case). Escalating, resolving
    and reopening need more than a status and have their own use cases."""
    with uow.atomic():
        note = (note or "").strip() or None
        if note:
            refuse_secrets({"note": note})
        lock(uow, ticket)
        check_transition(ticket.status, status)
        if status in DEDICATED_ACTIONS:
            action = DEDICATED_ACTIONS[status]
            raise ValidationFailed(
                f"moving to {status.value} needs its own action: POST /v1/tickets/"
                f"{ticket.case_number}/{action}",
                field="status",
            )
        now = uow.clock.now()
        before = snapshot(ticket)
        previous = ticket.status
        ticket.status = status.value
        if status == TicketStatus.CLOSED:
            ticket.closed_at = now
        write_timeline(
            uow,
            actor=actor,
            ticket=ticket,
            kind=UpdateKind.STATUS_CHANGE,
            body=note or f"Status {previous} -> {status.value}",
            details={"from": previous, "to": status.value},
        )
        record(
            uow,
            actor=actor,
            action="ticket.status_changed",
            subject_type="ticket",
            subject_id=ticket.id,
            before=before,
            after=snapshot(ticket),
        )
        return ticket


def escalate_ticket(
    uow: UnitOfWork,
    *,
    actor: Actor,
    ticket: Ticket,
    reason: str,
    leader_id: int | None = None,
    department: str | None = None,
) -> Ticket:
    """Escalates to a leader (their agent id), a department (the case moves to its queue and
    waits for someone there), or both."""
    with uow.atomic():
        reason = require_meaningful(reason, field="reason", what="an escalation reason")
        refuse_secrets({"reason": reason})
        if leader_id is None and department is None:
            raise ValidationFailed(
                "name a leader or a department to escalate to", field="leader_id"
            )
        if department is not None:
            require_queue(department, field="department")
        require_reference(uow, "agents", leader_id, field="leader_id")
        lock(uow, ticket)
        check_transition(ticket.status, TicketStatus.ESCALATED)
        now = uow.clock.now()
        before = snapshot(ticket)
        previous = ticket.status
        ticket.status = TicketStatus.ESCALATED.value
        ticket.escalated_at = now
        ticket.escalated_to_agent_id = leader_id
        ticket.escalated_to_queue = department
        if department is not None and department != ticket.queue:
            ticket.queue = department
            ticket.assignee_id = None
        details = {"from": previous, "leader_id": leader_id, "department": department}
        write_timeline(
            uow,
            actor=actor,
            ticket=ticket,
            kind=UpdateKind.ESCALATION,
            body=reason,
            details=details,
            internal=True,
        )
        record(
            uow,
            actor=actor,
            action="ticket.escalated",
            subject_type="ticket",
            subject_id=ticket.id,
            before=before,
            after=snapshot(ticket),
            details={**details, "reason": reason},
        )
        return ticket
