"""The records behind the dashboard's figures of the floor now: agents (by state, with time in
state), callbacks (due, overdue, offered, needing attention), outbox messages (pending, dead)
and cases past their SLA. Each list is paged, refreshes live, and exports to CSV whole."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request, Response
from sqlalchemy import or_, select

from caredesk.accounts.models import Account
from caredesk.agents.models import Agent
from caredesk.callbacks.models import Callback
from caredesk.channels.models import OutboxMessage
from caredesk.db.paging import fetch_page
from caredesk.db.session import UnitOfWork
from caredesk.errors import ValidationFailed
from caredesk.policy.vocabulary import AgentState
from caredesk.privacy import scrub_text
from caredesk.reports.floor import (
    STANDING_TITLES,
    OutboxView,
    Standing,
    agents_query,
    callback_figures,
    callbacks_query,
    outbox_figures,
    outbox_query,
    past_sla_query,
    state_label,
)
from caredesk.tickets.models import Ticket
from caredesk.web.deps import UoW
from caredesk.web.pages.lead_support import (
    PER_PAGE,
    Cursor,
    agent_names,
    csv_response,
    every_row,
    lead_page,
    leader_zone,
    overdue_after,
)
from caredesk.web.pages.routing import SignedLeader, page_router

router = page_router()
StateParam = Annotated[str | None, Query(max_length=30)]
ShowCallbacks = Annotated[Standing, Query(alias="show")]
ShowOutbox = Annotated[OutboxView, Query(alias="show")]
MAX_ERROR = 300


def next_url(request: Request, cursor: str | None) -> str | None:
    if cursor is None:
        return None
    query = {k: v for k, v in request.query_params.items() if k != "cursor"}
    return f"{request.url.path}?{urlencode({**query, 'cursor': cursor})}"


def _state(state: str | None) -> str | None:
    if not state:
        return None
    if state not in {s.value for s in AgentState}:
        raise ValidationFailed(f"{state!r} is not an agent state", field="state")
    return state


def _seconds(now: datetime, since: datetime | None) -> float:
    return max(0.0, (now - since).total_seconds()) if since is not None else 0.0


@router.get("/lead/agents")
def lead_agents(
    request: Request,
    principal: SignedLeader,
    uow: UoW,
    state: StateParam = None,
    cursor: Cursor = None,
) -> Response:
    chosen = _state(state)
    rows, after = fetch_page(
        uow, agents_query(state=chosen), Agent.id, limit=PER_PAGE, cursor=cursor
    )
    context = {
        "agents": rows,
        "state": chosen,
        "state_name": state_label(chosen) if chosen else None,
        "states": [(s.value, state_label(s.value)) for s in AgentState],
        "label": state_label,
        "zone": leader_zone(uow, principal),
        "next_url": next_url(request, after),
        "now": uow.clock.now(),
    }
    return lead_page(request, "lead/agents.html", "lead/_agents.html", context)


@router.get("/lead/agents.csv")
def lead_agents_csv(principal: SignedLeader, uow: UoW, state: StateParam = None) -> Response:
    now = uow.clock.now()
    header = ("agent_id", "login", "name", "line_of_business", "state", "state_label")
    rows = (
        (a.id, a.login, a.name, a.line_of_business, a.state, state_label(a.state),
         a.state_since, round(_seconds(now, a.state_since)))
        for a in every_row(uow, agents_query(state=_state(state)), Agent.id)
    )  # fmt: skip
    return csv_response("agents", (*header, "state_since", "seconds_in_state"), rows, now=now)


def _callback_rows(
    uow: UnitOfWork, callbacks: list[Callback], now: datetime
) -> list[dict[str, Any]]:
    """The page's callbacks with the names and numbers a leader reads them by."""
    names = agent_names(
        uow, [c.offered_to_agent_id for c in callbacks] + [c.owner_agent_id for c in callbacks]
    )
    account_ids = {c.account_id for c in callbacks}
    accounts = (
        dict(
            uow.session.execute(
                select(Account.id, Account.number).where(Account.id.in_(account_ids))
            ).all()
        )
        if account_ids
        else {}
    )
    messages = _failing_messages(uow, callbacks)
    return [
        {
            "callback": c,
            "account": accounts.get(c.account_id, str(c.account_id)),
            "agent": names.get(c.offered_to_agent_id or c.owner_agent_id or 0, ""),
            "late_seconds": _seconds(now, c.due_at) if c.due_at and c.due_at <= now else 0.0,
            "message": messages.get(c.id),
        }
        for c in callbacks
    ]


def _failing_messages(uow: UnitOfWork, callbacks: list[Callback]) -> dict[int, OutboxMessage]:
    """For callbacks needing attention: the dead message each waits on."""
    wanted = {
        message_id: c.id
        for c in callbacks
        if c.status == "needs_attention"
        for message_id in (c.notification_message_id, c.scheduling_email_message_id)
        if message_id is not None
    }
    if not wanted:
        return {}
    rows = uow.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(wanted), OutboxMessage.status == "dead")
    )
    return {wanted[row.id]: row for row in rows}


@router.get("/lead/callbacks")
def lead_callbacks(
    request: Request,
    principal: SignedLeader,
    uow: UoW,
    show: ShowCallbacks = Standing.DUE,
    cursor: Cursor = None,
) -> Response:
    now = uow.clock.now()
    grace = overdue_after(request)
    query = callbacks_query(show, now=now, overdue_after=grace)
    rows, after = fetch_page(uow, query, Callback.id, limit=PER_PAGE, cursor=cursor)
    context = {
        "show": show,
        "title": STANDING_TITLES[show],
        "standings": [(s, STANDING_TITLES[s]) for s in Standing],
        "figures": callback_figures(uow, now=now, overdue_after=grace),
        "grace_minutes": int(grace.total_seconds() // 60),
        "rows": _callback_rows(uow, rows, now),
        "zone": leader_zone(uow, principal),
        "next_url": next_url(request, after),
        "error_text": lambda text: scrub_text(text or "")[:MAX_ERROR],
    }
    return lead_page(request, "lead/callbacks.html", "lead/_callbacks.html", context)


@router.get("/lead/callbacks.csv")
def lead_callbacks_csv(
    request: Request, principal: SignedLeader, uow: UoW, show: ShowCallbacks = Standing.DUE
) -> Response:
    now = uow.clock.now()
    query = callbacks_query(show, now=now, overdue_after=overdue_after(request))
    header = (
        "callback_id", "account_id", "status", "line_of_business", "origin", "reason", "due_at",
        "seconds_late", "offered_to_agent_id", "owner_agent_id", "attempts_without_contact",
        "last_refused_rules", "page",
    )  # fmt: skip
    rows = (
        (c.id, c.account_id, c.status, c.line_of_business, c.origin, c.reason, c.due_at,
         round(_seconds(now, c.due_at)) if c.due_at and c.due_at <= now else 0,
         c.offered_to_agent_id, c.owner_agent_id, c.attempts_without_contact,
         " ".join(c.refused_rules or []), f"/lead/callbacks/{c.id}")
        for c in every_row(uow, query, Callback.id)
    )  # fmt: skip
    return csv_response(f"callbacks-{show.value}", header, rows, now=now)


def _message_callbacks(uow: UnitOfWork, messages: list[OutboxMessage]) -> dict[int, int]:
    """message id -> the callback it is the notice or scheduling email of."""
    ids = [m.id for m in messages]
    if not ids:
        return {}
    found: dict[int, int] = {}
    rows = uow.session.execute(
        select(
            Callback.id, Callback.notification_message_id, Callback.scheduling_email_message_id
        ).where(
            or_(
                Callback.notification_message_id.in_(ids),
                Callback.scheduling_email_message_id.in_(ids),
            )
        )
    )
    for callback_id, notice, email in rows:
        for message_id in (notice, email):
            if message_id is not None:
                found[int(message_id)] = int(callback_id)
    return found


@router.get("/lead/outbox")
def lead_outbox(
    request: Request,
    principal: SignedLeader,
    uow: UoW,
    show: ShowOutbox = OutboxView.PENDING,
    cursor: Cursor = None,
) -> Response:
    rows, after = fetch_page(
        uow, outbox_query(show), OutboxMessage.id, limit=PER_PAGE, cursor=cursor
    )
    context = {
        "show": show,
        "views": [(OutboxView.PENDING, "Waiting to be sent"), (OutboxView.DEAD, "Dead")],
        "figures": outbox_figures(uow),
        "messages": rows,
        "callbacks": _message_callbacks(uow, rows),
        "zone": leader_zone(uow, principal),
        "next_url": next_url(request, after),
        "error_text": lambda text: scrub_text(text or "")[:MAX_ERROR],
    }
    return lead_page(request, "lead/outbox.html", "lead/_outbox.html", context)


@router.get("/lead/outbox.csv")
def lead_outbox_csv(
    principal: SignedLeader, uow: UoW, show: ShowOutbox = OutboxView.PENDING
) -> Response:
    """The messages without their payloads (addresses and texts stay in the outbox)."""
    now = uow.clock.now()
    header = (
        "message_id", "kind", "channel", "status", "attempts", "created_at", "available_at",
        "sent_at", "last_error",
    )  # fmt: skip
    rows = (
        (m.id, m.kind, m.channel, m.status, m.attempts, m.created_at, m.available_at, m.sent_at,
         (m.last_error or "")[:MAX_ERROR])
        for m in every_row(uow, outbox_query(show), OutboxMessage.id)
    )  # fmt: skip
    return csv_response(f"outbox-{show.value}", header, rows, now=now)


@router.get("/lead/cases")
def lead_cases(
    request: Request, principal: SignedLeader, uow: UoW, cursor: Cursor = None
) -> Response:
    now = uow.clock.now()
    rows, after = fetch_page(uow, past_sla_query(now=now), Ticket.id, limit=PER_PAGE, cursor=cursor)
    context = {
        "cases": rows,
        "assignees": agent_names(uow, [t.assignee_id for t in rows]),
        "late": {t.id: _seconds(now, t.sla_due_at) for t in rows},
        "zone": leader_zone(uow, principal),
        "next_url": next_url(request, after),
    }
    return lead_page(request, "lead/cases.html", "lead/_cases.html", context)


@router.get("/lead/cases.csv")
def lead_cases_csv(principal: SignedLeader, uow: UoW) -> Response:
    now = uow.clock.now()
    header = (
        "case_number", "account_id", "subject", "status", "priority", "queue", "assignee_id",
        "sla_due_at", "seconds_past_sla",
    )  # fmt: skip
    rows = (
        (t.case_number, t.account_id, t.subject, t.status, t.priority, t.queue, t.assignee_id,
         t.sla_due_at, round(_seconds(now, t.sla_due_at)))
        for t in every_row(uow, past_sla_query(now=now), Ticket.id)
    )  # fmt: skip
    return csv_response("cases-past-sla", header, rows, now=now)
