"""``/`` and the leader's dashboard home (``/lead``): what its reader can act on today,
refreshed live. The agent's desktop home (``/desk``) is caredesk.web.pages.desk."""

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
from caredesk.web.pages.routing import SignedLeader, page_router, see_other
from caredesk.web.sessions import Session, optional_principal

router = page_router()
_STOPPED = [status.value for status in SLA_STOPPED]


@router.get("/")
def root(signed: Session) -> Response:
    """The signed-in user's home, or sign-in."""
    principal = optional_principal(signed)
    return see_other(HOME_FOR[principal.role] if principal else "/signin")


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
