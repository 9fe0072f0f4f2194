"""Finding cases: one by its number or id, and lists by status, queue, assignee, account, text
and lateness. Reads only the cases' table: the command line's `ticket list` and `ticket show`
load no audit, live-event or lifecycle code."""

from __future__ import annotations

from sqlalchemy import or_, select

from caredesk.db.paging import fetch_page
from caredesk.db.session import UnitOfWork
from caredesk.errors import NotFound
from caredesk.tickets.models import Ticket, TicketPriority, TicketStatus
from caredesk.tickets.numbers import parse_ticket_ref


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
