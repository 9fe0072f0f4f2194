"""Use cases for cases: open one, find them, triage them (priority, queue, assignee)."""

from __future__ import annotations

import re
import uuid
from enum import Enum
from typing import Any

from sqlalchemy import or_, select

from caredesk.audit.service import Actor, record
from caredesk.db.base import Base
from caredesk.db.paging import fetch_page
from caredesk.db.session import UnitOfWork
from caredesk.errors import Conflict, NotFound, ValidationFailed
from caredesk.privacy import refuse_secrets
from caredesk.schemas import MAX_ID
from caredesk.tickets.models import Ticket, TicketPriority, TicketStatus, UpdateKind
from caredesk.tickets.rules import (
    TicketRules,
    case_number_for,
    get_ticket_rules,
    parse_ticket_ref,
)
from caredesk.tickets.timeline import publish_ticket, write_timeline

DEFAULT_QUEUE = "care"
_QUEUE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")


class _Keep(Enum):
    KEEP = "keep"


KEEP = _Keep.KEEP


def require_reference(uow: UnitOfWork, table: str, value: int | None, *, field: str) -> None:
    """NotFound naming ``field`` unless ``table`` has a row with id ``value``."""
    if value is None:
        return
    if not 1 <= value <= MAX_ID:
        raise NotFound(f"no {table.removesuffix('s')} with id {value}", field=field)
    model_table = Base.metadata.tables[table]
    found = uow.session.execute(select(model_table.c.id).where(model_table.c.id == value)).first()
    if found is None:
        raise NotFound(f"no {table.removesuffix('s')} with id {value}", field=field)


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


def get_ticket(uow: UnitOfWork, *, ref: str | int, within_account: int | None = None) -> Ticket:
    """By case number ('CS-000123') or id; with ``within_account``, a case of another account
    is not found, exactly as a missing one."""
    kind, value = ("id", ref) if isinstance(ref, int) else parse_ticket_ref(ref)
    column = Ticket.id if kind == "id" else Ticket.case_number
    query = select(Ticket).where(column == value)
    if within_account is not None:
        query = query.where(Ticket.account_id == within_account)
    ticket = uow.session.scalar(query)
    if ticket is None:
        raise NotFound(f"no case {ref}", field="ticket")
    return ticket


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_tickets(
    uow: UnitOfWork,
    *,
    status: TicketStatus | None = None,
    priority: TicketPriority | None = None,
    queue: str | None = None,
    assignee_id: int | None = None,
    account_id: int | None = None,
    text: str | None = None,
    overdue: bool | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[Ticket], str | None]:
    query = select(Ticket)
    if status:
        query = query.where(Ticket.status == status.value)
    if priority:
        query = query.where(Ticket.priority == priority.value)
    if queue:
        query = query.where(Ticket.queue == queue)
    if assignee_id is not None:
        query = query.where(Ticket.assignee_id == assignee_id)
    if account_id is not None:
        query = query.where(Ticket.account_id == account_id)
    if text and text.strip():
        pattern = _like(text.strip())
        query = query.where(
            or_(
                Ticket.subject.ilike(pattern, escape="\\"),
                Ticket.description.ilike(pattern, escape="\\"),
            )
        )
    if overdue is not None:
        stopped = [TicketStatus.RESOLVED.value, TicketStatus.CLOSED.value]
        late = Ticket.sla_due_at <= uow.clock.now()
        if overdue:
            query = query.where(late, Ticket.status.not_in(stopped))
        else:
            query = query.where(or_(~late, Ticket.status.in_(stopped)))
    return fetch_page(uow, query, Ticket.id, limit=limit, cursor=cursor)


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
