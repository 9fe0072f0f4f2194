"""``/`` and the staff home pages: the agent's desktop home (``/desk``) and the leader's
dashboard home (``/lead``). Each shows what its reader can act on today and refreshes live."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request, Response
from sqlalchemy import func, select

from caredesk.agents.models import Agent
from caredesk.callbacks.models import OPEN_STATUSES, Callback, CallbackStatus
from caredesk.db.session import UnitOfWork
from caredesk.policy.vocabulary import AGENT_STATE_LABELS, AgentState
from caredesk.tickets.models import SLA_STOPPED, Ticket
from caredesk.web.deps import UoW
from caredesk.web.pages.rendering import HOME_FOR, render
from caredesk.web.pages.routing import SignedLeader, SignedStaff, page_router, see_other
from caredesk.web.sessions import Session, optional_principal

router = page_router()
MY_CASES = 10
_STOPPED = [status.value for status in SLA_STOPPED]


def state_label(state: str) -> str:
    try:
        return AGENT_STATE_LABELS[AgentState(state)]
    except ValueError:
        return state


@router.get("/")
def root(signed: Session) -> Response:
    """The signed-in user's home, or sign-in."""
    principal = optional_principal(signed)
    return see_other(HOME_FOR[principal.role] if principal else "/signin")


def _desk(uow: UnitOfWork, agent_id: int | None, now: datetime) -> dict[str, Any]:
    agent = uow.session.get(Agent, agent_id) if agent_id else None
    if agent is None:
        return {"agent": None}
    offered = list(
        uow.session.scalars(
            select(Callback)
            .where(
                Callback.offered_to_agent_id == agent.id,
                Callback.status == CallbackStatus.OFFERED.value,
            )
            .order_by(Callback.offered_at, Callback.id)
        )
    )
    open_cases = (
        select(Ticket)
        .where(Ticket.assignee_id == agent.id, Ticket.status.not_in(_STOPPED))
        .order_by(Ticket.sla_due_at, Ticket.id)
    )
    cases = list(uow.session.scalars(open_cases.limit(MY_CASES)))
    case_count = uow.session.scalar(select(func.count()).select_from(open_cases.subquery()))
    return {
        "agent": agent,
        "state": state_label(agent.state),
        "in_state_seconds": (now - agent.state_since).total_seconds(),
        "offered": offered,
        "cases": cases,
        "case_count": case_count or 0,
        "now": now,
    }


@router.get("/desk")
def desk_home(request: Request, principal: SignedStaff, uow: UoW) -> Response:
    context = _desk(uow, principal.agent_id, uow.clock.now())
    return render(request, "desk/home.html", context)


@router.get("/desk/summary")
def desk_summary(request: Request, principal: SignedStaff, uow: UoW) -> Response:
    """The live part of the desktop home (htmx refreshes it on agent, callback and case
    events)."""
    context = _desk(uow, principal.agent_id, uow.clock.now())
    return render(request, "desk/_summary.html", context)


def _lead(uow: UnitOfWork, now: datetime) -> dict[str, Any]:
    by_state = dict(
        uow.session.execute(
            select(Agent.state, func.count()).where(Agent.active.is_(True)).group_by(Agent.state)
        ).all()
    )
    open_values = [status.value for status in OPEN_STATUSES]
    by_status = dict(
        uow.session.execute(
            select(Callback.status, func.count())
            .where(Callback.status.in_(open_values))
            .group_by(Callback.status)
        ).all()
    )
    due_now = uow.session.scalar(
        select(func.count()).where(
            Callback.status == CallbackStatus.SCHEDULED.value, Callback.due_at <= now
        )
    )
    past_sla = uow.session.scalar(
        select(func.count()).where(Ticket.status.not_in(_STOPPED), Ticket.sla_due_at <= now)
    )
    states = [
        {"label": AGENT_STATE_LABELS[state], "count": by_state.get(state.value, 0)}
        for state in AgentState
    ]
    statuses = [
        {"label": status.value.replace("_", " "), "count": by_status.get(status.value, 0)}
        for status in CallbackStatus
        if status in OPEN_STATUSES
    ]
    return {
        "states": states,
        "statuses": statuses,
        "due_now": due_now or 0,
        "past_sla": past_sla or 0,
        "needs_attention": by_status.get(CallbackStatus.NEEDS_ATTENTION.value, 0),
    }


@router.get("/lead")
def lead_home(request: Request, principal: SignedLeader, uow: UoW) -> Response:
    return render(request, "lead/home.html", _lead(uow, uow.clock.now()))


@router.get("/lead/summary")
def lead_summary(request: Request, principal: SignedLeader, uow: UoW) -> Response:
    """The live figures of the dashboard home (htmx refreshes them on events)."""
    return render(request, "lead/_summary.html", _lead(uow, uow.clock.now()))
