"""Use cases for cases: open one, triage it (priority, queue, assignee). Finding cases is
``tickets.queries``, whose functions are named here too."""

from __future__ import annotations

import re
import uuid
from enum import Enum
from typing import Any

from caredesk.audit.service import Actor, record
from caredesk.db.references import require_reference
from caredesk.db.session import UnitOfWork
from caredesk.errors import Conflict, ValidationFailed
from caredesk.privacy import refuse_secrets
from caredesk.tickets.models import Ticket, TicketPriority, TicketStatus, UpdateKind
from caredesk.tickets.numbers import case_number_for
from caredesk.tickets.queries import get_ticket as get_ticket
from caredesk.tickets.queries import list_tickets as list_tickets
from caredesk.tickets.rules import TicketRules, get_ticket_rules
from caredesk.tickets.timeline import publish_ticket, write_timeline

DEFAULT_QUEUE = "care"
_QUEUE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class _Keep(Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP


def require_queue(value: str, *, field: str = "queue") -> str:
    if not _QUEUE.match(value):
        raise ValidationFailed(
            "must be a queue code: lower-case letters, digits, - or _, at most 40", field=field
        )
    return value


def snapshot(ticket: Ticket) -> dict[str, Any]:
    return {
        "case_number": ticket.case_number,
        "status": ticket.status,
        "priority": ticket.priority,
        "queue": ticket.queue,
        "assignee_id": ticket.assignee_id,
        "account_id": ticket.account_id,
    }


def lock(uow: UnitOfWork, ticket: Ticket) -> None:
    """Re-reads the case under a row lock (PostgreSQL) so that two people changing it at once
    act one after the other, each on the other's result."""
    uow.session.refresh(ticket, with_for_update=True)


def create_ticket(
    uow: UnitOfWork,
    *,
    actor: Actor,
    account_id: int,
    subject: str,
    description: str,
    priority: TicketPriority = TicketPriority.NORMAL,
    queue: str = DEFAULT_QUEUE,
    assignee_id: int | None = None,
    rules: TicketRules | None = None,
) -> Ticket:
    with uow.atomic():
        rules = rules or get_ticket_rules()
        subject, description = subject.strip(), description.strip()
        if not subject or len(subject) > 200:
            raise ValidationFailed("a subject of 1 to 200 characters is required", field="subject")
        if not description:
            raise ValidationFailed("a description is required", field="description")
        require_queue(queue)
        refuse_secrets({"subject": subject, "description": description})
        require_reference(uow, "accounts", account_id, field="account_id")
        require_reference(uow, "agents", assignee_id, field="assignee_id")
        now = uow.clock.now()
        ticket = Ticket(
            # The case number comes from the id, known only after the insert; a unique
            # placeholder keeps the column NOT NULL and unique in between.
            case_number=f"new-{uuid.uuid4().hex[:16]}",
            account_id=account_id,
            subject=subject,
            description=description,
            status=TicketStatus.NEW.value,
            priority=priority.value,
            queue=queue,
            assignee_id=assignee_id,
            sla_due_at=rules.sla_due(now, priority),
            reopen_count=0,
            created_by=str(actor),
            created_at=now,
            updated_at=now,
        )
        uow.session.add(ticket)
        uow.flush()
        ticket.case_number = case_number_for(ticket.id)
        uow.flush()
        record(
            uow,
            actor=actor,
            action="ticket.created",
            subject_type="ticket",
            subject_id=ticket.id,
            after={**snapshot(ticket), "sla_due_at": ticket.sla_due_at.isoformat()},
        )
        publish_ticket(uow, ticket, "ticket.created")
        return ticket


def update_ticket(
    uow: UnitOfWork,
    *,
    actor: Actor,
    ticket: Ticket,
    priority: TicketPriority | None = None,
    queue: str | None = None,
    assignee_id: int | _Keep | None = KEEP,
    rules: TicketRules | None = None,
) -> Ticket:
    """Changes priority (the SLA due time follows, from creation), queue or assignee."""
    with uow.atomic():
        rules = rules or get_ticket_rules()
        if queue is not None:
            require_queue(queue)
        if not isinstance(assignee_id, _Keep):
            require_reference(uow, "agents", assignee_id, field="assignee_id")
        lock(uow, ticket)
        if ticket.status == TicketStatus.CLOSED:
            raise Conflict("a closed case cannot be changed; reopen it first", field="status")
        before = snapshot(ticket)
        if priority is not None and priority != ticket.priority:
            ticket.priority = priority.value
            ticket.sla_due_at = rules.sla_due(ticket.created_at, priority)
        moved: dict[str, Any] = {}
        if queue is not None and queue != ticket.queue:
            moved["queue"] = {"from": ticket.queue, "to": queue}
            ticket.queue = queue
        if not isinstance(assignee_id, _Keep) and assignee_id != ticket.assignee_id:
            moved["assignee_id"] = {"from": ticket.assignee_id, "to": assignee_id}
            ticket.assignee_id = assignee_id
        after = snapshot(ticket)
        if after == before:
            return ticket
        if moved:
            write_timeline(
                uow,
                actor=actor,
                ticket=ticket,
                kind=UpdateKind.ASSIGNMENT,
                body=_describe_assignment(moved),
                details=moved,
            )
        ticket.updated_at = uow.clock.now()
        record(
            uow,
            actor=actor,
            action="ticket.changed",
            subject_type="ticket",
            subject_id=ticket.id,
            before=before,
            after={**after, "sla_due_at": ticket.sla_due_at.isoformat()},
        )
        if not moved:
            # Moves are published with their timeline entry; a priority change has none.
            publish_ticket(uow, ticket, "ticket.updated", internal=True, change="priority")
        return ticket


def _describe_assignment(moved: dict[str, Any]) -> str:
    parts = []
    if "queue" in moved:
        parts.append(f"moved to queue {moved['queue']['to']}")
    if "assignee_id" in moved:
        to = moved["assignee_id"]["to"]
        parts.append(f"assigned to agent {to}" if to is not None else "unassigned")
    return "; ".join(parts).capitalize()
