"""A case on the desktop (``/desk/cases/{ref}``): its facts, its whole timeline (internal entries
marked), and the actions of the tickets use cases: add an update (a comment or a follow-up,
for the customer or internal), move between the working statuses, escalate to a leader or a
department, resolve with the date the customer is asked whether it held, reopen. Each action
is refused the way its use case refuses it, said next to the form it came from."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Form, Request, Response
from sqlalchemy import select

from caredesk.accounts.models import Account
from caredesk.agents.models import Agent
from caredesk.db.paging import fetch_page
from caredesk.db.session import UnitOfWork
from caredesk.errors import DomainError, ValidationFailed
from caredesk.privacy import find_secrets
from caredesk.schemas import MAX_ID
from caredesk.tickets.lifecycle import change_status, escalate_ticket
from caredesk.tickets.models import Ticket, TicketStatus, TicketUpdate, UpdateKind
from caredesk.tickets.resolution import reopen_ticket, resolve_ticket
from caredesk.tickets.rules import DEDICATED_ACTIONS, TRANSITIONS, get_ticket_rules
from caredesk.tickets.service import get_ticket
from caredesk.tickets.timeline import add_update
from caredesk.users.models import LEADER_ROLES
from caredesk.web.deps import Principal, UoW
from caredesk.web.pages.desk_support import CaseRef, Cursor, desk_agent, words
from caredesk.web.pages.rendering import render
from caredesk.web.pages.routing import SignedStaff, page_router, see_other

router = page_router()
ENTRIES_PER_PAGE = 50
MAX_BODY = 5000
MAX_REASON = 2000
MAX_SUMMARY = 10_000
ENTRY_TITLES = {
    UpdateKind.COMMENT.value: "Comment",
    UpdateKind.STATUS_CHANGE.value: "Status",
    UpdateKind.ASSIGNMENT.value: "Assignment",
    UpdateKind.ESCALATION.value: "Escalation",
    UpdateKind.RESOLUTION.value: "Resolution",
    UpdateKind.FOLLOW_UP.value: "Follow-up",
    UpdateKind.CALLBACK_UPDATE.value: "After a callback",
}


def _zone(uow: UnitOfWork, principal: Principal) -> str:
    agent = desk_agent(uow, principal)
    return agent.time_zone if agent else "UTC"


def _timeline(uow: UnitOfWork, ticket: Ticket, cursor: str | None) -> dict[str, Any]:
    entries, next_cursor = fetch_page(
        uow,
        select(TicketUpdate).where(TicketUpdate.ticket_id == ticket.id),
        TicketUpdate.id,
        limit=ENTRIES_PER_PAGE,
        cursor=cursor,
    )
    return {"entries": entries, "next_cursor": next_cursor, "entry_titles": ENTRY_TITLES}


def _case(
    uow: UnitOfWork,
    principal: Principal,
    ref: str,
    cursor: str | None = None,
    errors: dict[str, str] | None = None,
) -> dict[str, Any]:
    ticket = get_ticket(uow, ref=ref)
    zone = _zone(uow, principal)
    status = TicketStatus(ticket.status)
    allowed = TRANSITIONS[status]
    working = [s for s in allowed if s not in DEDICATED_ACTIONS and s is not TicketStatus.NEW]
    leaders = list(
        uow.session.scalars(
            select(Agent)
            .where(Agent.role.in_([role.value for role in LEADER_ROLES]), Agent.active.is_(True))
            .order_by(Agent.name)
        )
    )
    queues = sorted(set(uow.session.scalars(select(Ticket.queue).distinct())))
    rules = get_ticket_rules()
    local = uow.clock.now().astimezone(ZoneInfo(zone)).date()
    return {
        "case": ticket,
        "account": uow.session.get(Account, ticket.account_id),
        "assignee": uow.session.get(Agent, ticket.assignee_id) if ticket.assignee_id else None,
        "escalated_to": (
            uow.session.get(Agent, ticket.escalated_to_agent_id)
            if ticket.escalated_to_agent_id
            else None
        ),
        "zone": zone,
        "statuses": sorted(working, key=lambda s: s.value),
        "can_escalate": TicketStatus.ESCALATED in allowed,
        "can_resolve": TicketStatus.RESOLVED in allowed,
        "can_reopen": TicketStatus.REOPENED in allowed,
        "leaders": leaders,
        "queues": queues,
        "follow_up_default": (local + timedelta(days=rules.resolution_check_days)).isoformat(),
        "follow_up_min": (local + timedelta(days=1)).isoformat(),
        "follow_up_max": (local + timedelta(days=rules.max_follow_up_days)).isoformat(),
        "errors": errors or {},
        "values": {},
        "words": words,
        "max_body": MAX_BODY,
        "max_reason": MAX_REASON,
        "max_summary": MAX_SUMMARY,
        **_timeline(uow, ticket, cursor),
    }


@router.get("/desk/cases/{ref}")
def case_page(
    request: Request, ref: CaseRef, principal: SignedStaff, uow: UoW, cursor: Cursor = None
) -> Response:
    return render(request, "desk/case.html", _case(uow, principal, ref, cursor))


@router.get("/desk/cases/{ref}/timeline")
def case_timeline(
    request: Request, ref: CaseRef, principal: SignedStaff, uow: UoW, cursor: Cursor = None
) -> Response:
    """The timeline (htmx refreshes it when the case changes)."""
    ticket = get_ticket(uow, ref=ref)
    context = {"case": ticket, "zone": _zone(uow, principal), **_timeline(uow, ticket, cursor)}
    return render(request, "desk/_case_timeline.html", context)


def _refused(
    request: Request,
    uow: UnitOfWork,
    principal: Principal,
    ref: str,
    action: str,
    exc: DomainError,
    **values: str,
) -> Response:
    """The case page again, the refusal said at the form of ``action``, with what was typed
    there except any field holding a secret (never shown on a page)."""
    uow.session.rollback()
    detail = exc.detail[:1].upper() + exc.detail[1:]
    context = _case(uow, principal, ref, errors={action: detail})
    holding = {finding.field for finding in find_secrets(values)}
    context["values"] = {name: text for name, text in values.items() if name not in holding}
    return render(request, "desk/case.html", context, status_code=exc.status)


def _done(ticket: Ticket) -> Response:
    return see_other(f"/desk/cases/{ticket.case_number}#timeline")


@router.post("/desk/cases/{ref}/updates")
def case_update(
    request: Request,
    ref: CaseRef,
    principal: SignedStaff,
    uow: UoW,
    body: Annotated[str, Form(max_length=MAX_BODY)] = "",
    kind: Annotated[str, Form(max_length=20)] = UpdateKind.COMMENT.value,
    internal: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    ticket = get_ticket(uow, ref=ref)
    try:
        if kind not in (UpdateKind.COMMENT.value, UpdateKind.FOLLOW_UP.value):
            raise ValidationFailed("choose a comment or a follow-up", field="kind")
        add_update(
            uow,
            actor=principal.actor,
            ticket=ticket,
            body=body,
            kind=UpdateKind(kind),
            internal=internal in ("on", "true"),
        )
    except DomainError as exc:
        return _refused(request, uow, principal, ref, "add", exc, body=body)
    return _done(ticket)


@router.post("/desk/cases/{ref}/status")
def case_status(
    request: Request,
    ref: CaseRef,
    principal: SignedStaff,
    uow: UoW,
    status: Annotated[str, Form(max_length=20)],
    note: Annotated[str, Form(max_length=MAX_BODY)] = "",
) -> Response:
    ticket = get_ticket(uow, ref=ref)
    try:
        try:
            target = TicketStatus(status)
        except ValueError:
            raise ValidationFailed("choose a status from the list", field="status") from None
        change_status(uow, actor=principal.actor, ticket=ticket, status=target, note=note or None)
    except DomainError as exc:
        return _refused(request, uow, principal, ref, "status", exc, note=note)
    return _done(ticket)


@router.post("/desk/cases/{ref}/escalate")
def case_escalate(
    request: Request,
    ref: CaseRef,
    principal: SignedStaff,
    uow: UoW,
    reason: Annotated[str, Form(max_length=MAX_REASON)] = "",
    leader_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
    department: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    ticket = get_ticket(uow, ref=ref)
    try:
        escalate_ticket(
            uow,
            actor=principal.actor,
            ticket=ticket,
            reason=reason,
            leader_id=leader_id,
            department=department.strip() or None,
        )
    except DomainError as exc:
        return _refused(request, uow, principal, ref, "escalate", exc, reason=reason)
    return _done(ticket)


def _follow_up(value: str, zone: str) -> datetime | None:
    """The follow-up day, asked at 10:00 in the agent's zone."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed("choose a date", field="follow_up") from None
    return datetime.combine(day, time(10, 0), tzinfo=ZoneInfo(zone)).astimezone(UTC)


@router.post("/desk/cases/{ref}/resolve")
def case_resolve(
    request: Request,
    ref: CaseRef,
    principal: SignedStaff,
    uow: UoW,
    summary: Annotated[str, Form(max_length=MAX_SUMMARY)] = "",
    follow_up: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    ticket = get_ticket(uow, ref=ref)
    try:
        resolve_ticket(
            uow,
            actor=principal.actor,
            ticket=ticket,
            summary=summary,
            follow_up_at=_follow_up(follow_up, _zone(uow, principal)),
        )
    except DomainError as exc:
        return _refused(request, uow, principal, ref, "resolve", exc, summary=summary)
    return _done(ticket)


@router.post("/desk/cases/{ref}/reopen")
def case_reopen(
    request: Request,
    ref: CaseRef,
    principal: SignedStaff,
    uow: UoW,
    reason: Annotated[str, Form(max_length=MAX_REASON)] = "",
) -> Response:
    ticket = get_ticket(uow, ref=ref)
    try:
        reopen_ticket(uow, actor=principal.actor, ticket=ticket, reason=reason)
    except DomainError as exc:
        return _refused(request, uow, principal, ref, "reopen", exc, reopen_reason=reason)
    return _done(ticket)
