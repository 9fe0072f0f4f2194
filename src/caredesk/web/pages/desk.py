"""The agent desktop's home (``/desk``): the agent's state and the time in it, with the states
they may move to; the work list (callbacks offered to them with the time left to take each,
their calls in progress, callbacks due, their open cases), refreshed live as callbacks, cases and
their state change; and the customer search box. State changes go through the agents' own use
case, with the version the page showed, so a change made meanwhile (a call, a leader) is
reported instead of overwritten."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Form, Request, Response
from sqlalchemy import func, select

from caredesk.agents.models import Agent
from caredesk.agents.presence import change_state
from caredesk.agents.states import ALLOWED_TRANSITIONS
from caredesk.callbacks.worklist import MAX_ITEMS, calls_of, due_for, offered_to
from caredesk.db.session import UnitOfWork
from caredesk.errors import DomainError, ValidationFailed
from caredesk.policy.vocabulary import AGENT_STATE_LABELS, AgentState
from caredesk.schemas import MAX_ID
from caredesk.tickets.models import SLA_STOPPED, Ticket
from caredesk.web.deps import Principal, UoW
from caredesk.web.pages.desk_inbound import inbound_panel
from caredesk.web.pages.desk_support import (
    acting_agent_id,
    answer,
    callback_lists,
    desk_agent,
    reason_text,
    words,
)
from caredesk.web.pages.rendering import is_htmx, render
from caredesk.web.pages.routing import SignedStaff, page_router

router = page_router()
MY_CASES = 20
_STOPPED = [status.value for status in SLA_STOPPED]
# Set by the calls themselves (an offer, the dial, its end), never picked by hand.
CALL_STATES = frozenset({AgentState.RESERVED, AgentState.TALKING, AgentState.AFTER_CALL_WORK})
# The selector's order: Ready, the Not Ready reasons, Offline.
CHOICE_ORDER = (
    AgentState.READY,
    AgentState.NOT_READY_FOLLOW_UP,
    AgentState.NOT_READY_BREAK,
    AgentState.NOT_READY_TRAINING,
    AgentState.NOT_READY_MEETING,
    AgentState.OFFLINE,
)


def state_label(state: str) -> str:
    try:
        return AGENT_STATE_LABELS[AgentState(state)]
    except ValueError:
        return state


def state_choices(agent: Agent) -> list[tuple[str, str]]:
    """The states the agent may pick now (the state machine's moves from their state)."""
    try:
        current = AgentState(agent.state)
    except ValueError:
        return []
    allowed = ALLOWED_TRANSITIONS.get(current, frozenset()) - CALL_STATES
    return [(state.value, AGENT_STATE_LABELS[state]) for state in CHOICE_ORDER if state in allowed]


def _state(agent: Agent | None, now: datetime, error: str | None = None) -> dict[str, Any]:
    if agent is None:
        return {"agent": None}
    return {
        "agent": agent,
        "state": state_label(agent.state),
        "on_call": AgentState(agent.state) in CALL_STATES,
        "in_state_seconds": max(0, int((now - agent.state_since).total_seconds())),
        "choices": state_choices(agent),
        "state_error": error,
    }


def _worklist(uow: UnitOfWork, agent: Agent | None, now: datetime) -> dict[str, Any]:
    if agent is None:
        return {"agent": None}
    # The first open cases and how many there are in all, in one query (the count is taken
    # over every open case, before the limit).
    first_cases = uow.session.execute(
        select(Ticket, func.count().over())
        .where(Ticket.assignee_id == agent.id, Ticket.status.not_in(_STOPPED))
        .order_by(Ticket.sla_due_at, Ticket.id)
        .limit(MY_CASES)
    ).all()
    cases = [case for case, _ in first_cases]
    case_count = first_cases[0][1] if first_cases else 0
    offered, calls, due = callback_lists(
        uow,
        offered_to(uow, agent_id=agent.id),
        calls_of(uow, agent_id=agent.id),
        due_for(uow, agent=agent, now=now),
    )
    return {
        "agent": agent,
        "offered": [
            {
                "row": row,
                "seconds_left": max(0, int((row.callback.lease_expires_at - now).total_seconds()))
                if row.callback.lease_expires_at
                else 0,
            }
            for row in offered
        ],
        "calls": calls,
        "due": due,
        "cases": cases,
        "case_count": case_count or 0,
        "now": now,
        "reason_text": reason_text,
        "words": words,
        "max_items": MAX_ITEMS,
    }


def _home(uow: UnitOfWork, principal: Principal) -> dict[str, Any]:
    now = uow.clock.now()
    agent = desk_agent(uow, principal)
    return {**_state(agent, now), **_worklist(uow, agent, now)}


@router.get("/desk")
def desk_home(request: Request, principal: SignedStaff, uow: UoW) -> Response:
    # The live inbound call is rendered with the page, so it shows (and ends) without scripts.
    context = _home(uow, principal)
    context.update(inbound_panel(request, uow, context["agent"]))
    return render(request, "desk/home.html", context)


@router.get("/desk/worklist")
def desk_worklist(request: Request, principal: SignedStaff, uow: UoW) -> Response:
    """The work list (htmx refreshes it when callbacks, cases or the agent's state change)."""
    agent = desk_agent(uow, principal)
    return render(request, "desk/_worklist.html", _worklist(uow, agent, uow.clock.now()))


@router.get("/desk/state")
def desk_state(request: Request, principal: SignedStaff, uow: UoW) -> Response:
    """The state selector (htmx refreshes it when the agent's state changes)."""
    agent = desk_agent(uow, principal)
    return render(request, "desk/_state.html", _state(agent, uow.clock.now()))


@router.post("/desk/state")
def set_state(
    request: Request,
    principal: SignedStaff,
    uow: UoW,
    state: Annotated[str, Form(max_length=30)],
    version: Annotated[int | None, Form(ge=0, le=MAX_ID)] = None,
) -> Response:
    """Moves the signed-in agent to ``state``; a move the state machine refuses, or one made
    stale by another change, is said next to the selector."""
    agent_id = acting_agent_id(principal)
    error = None
    status = 200
    try:
        if state in {item.value for item in CALL_STATES}:
            raise ValidationFailed(
                f"{state_label(state)} follows your calls; it is not picked by hand", field="state"
            )
        change_state(
            uow, actor=principal.actor, agent_id=agent_id, state=state, expected_version=version
        )
    except DomainError as exc:
        uow.session.rollback()
        error = exc.detail[:1].upper() + exc.detail[1:]
        status = exc.status
    if error is None:
        return answer(request, render(request, "desk/_state.html", _home(uow, principal)), "/desk")
    # htmx swaps only a 2xx answer: the fragment says what went wrong; a plain post gets the
    # whole page with the refusal's status.
    context = _home(uow, principal)
    context["state_error"] = error
    if is_htmx(request):
        return render(request, "desk/_state.html", context)
    return render(request, "desk/home.html", context, status_code=status)
