"""The signed-in agent's connected inbound call on the desktop (``/desk/inbound``): the caller,
the queue, the time talking and the caller's way through the menus, with Escalate and End call;
and after it, the After-Call Work with the time left before the dispatcher puts the agent back
to Ready, and a Ready button to end it sooner. Every action goes through the same use cases as
the API. The home page renders the panel with itself (so it shows without scripts); it
refreshes itself on the agent's events, and every few seconds while a call or a wrap-up is on."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request, Response
from sqlalchemy import select

from caredesk.agents.models import Agent
from caredesk.agents.presence import change_state
from caredesk.db.session import UnitOfWork
from caredesk.errors import DomainError
from caredesk.inbound.escalation import MAX_REASON, escalate_call
from caredesk.inbound.models import InboundOffer, IvrStep, IvrWalk, OfferStatus
from caredesk.inbound.wrapup import AGENT_DISPOSITIONS, end_call, open_wrap_up
from caredesk.interactions.models import Interaction
from caredesk.policy import AgentState
from caredesk.routing.config import RoutingConfig
from caredesk.schemas import MAX_ID
from caredesk.web.deps import Principal, UoW
from caredesk.web.pages.desk_support import acting_agent_id, answer, desk_agent, phone
from caredesk.web.pages.rendering import is_htmx, render
from caredesk.web.pages.routing import SignedStaff, page_router

router = page_router()
TEMPLATE = "desk/_inbound.html"
# What the caller pressed or said, and where an agent escalated the call and why.
SHOWN_STEPS = frozenset({"digit", "keyword", "escalate"})
DISPOSITION_LABELS = {
    "resolved": "Resolved",
    "transferred": "Transferred",
    "customer_disconnected": "Customer disconnected",
    "dropped": "Dropped (the line failed)",
}


def routing_of(request: Request) -> RoutingConfig:
    routing: RoutingConfig = request.app.state.routing
    return routing


def _title(routing: RoutingConfig, queue: str | None) -> str:
    config = routing.queues.get(queue) if queue is not None else None
    return config.title if config is not None else (queue or "no queue")


def _connected(uow: UnitOfWork, routing: RoutingConfig, agent: Agent) -> dict[str, Any] | None:
    found = uow.session.execute(
        select(IvrWalk, Interaction)
        .join(Interaction, Interaction.id == IvrWalk.interaction_id)
        .where(Interaction.agent_id == agent.id, Interaction.ended_at.is_(None))
        .order_by(Interaction.id.desc())
        .limit(1)
    ).first()
    if found is None:
        return None
    walk, interaction = found
    # Answered by this agent when they accepted its offer (an escalated call is answered again).
    answered = uow.session.scalar(
        select(InboundOffer.ended_at)
        .where(
            InboundOffer.call_id == interaction.id,
            InboundOffer.agent_id == agent.id,
            InboundOffer.status == OfferStatus.ACCEPTED.value,
        )
        .order_by(InboundOffer.id.desc())
        .limit(1)
    )
    since = answered or walk.answered_at or agent.state_since
    steps = uow.session.scalars(
        select(IvrStep)
        .where(IvrStep.walk_id == walk.id, IvrStep.kind.in_(SHOWN_STEPS), IvrStep.accepted)
        .order_by(IvrStep.seq)
    )
    return {
        "id": interaction.id,
        "caller": phone(interaction.from_address) or "an unknown number",
        "account_id": interaction.account_id,
        "queue": walk.queue,
        "queue_title": _title(routing, walk.queue),
        "talking_seconds": max(0, int((uow.clock.now() - since).total_seconds())),
        "path": [{"menu": step.menu, "value": step.value} for step in steps],
        "queues": [
            (name, queue.title) for name, queue in routing.queues.items() if name != walk.queue
        ],
    }


# An agent is connected to a caller only from Talking on, and until their wrap-up ends: in any
# other state the panel has nothing to read.
ON_A_CALL = frozenset({AgentState.TALKING.value, AgentState.AFTER_CALL_WORK.value})


def _context(
    uow: UnitOfWork, routing: RoutingConfig, agent: Agent | None, **extra: Any
) -> dict[str, Any]:
    context: dict[str, Any] = {
        "inbound": None,
        "wrap_up": None,
        "dispositions": [
            (item.value, DISPOSITION_LABELS[item.value]) for item in AGENT_DISPOSITIONS
        ],
        "max_reason": MAX_REASON,
    }
    if agent is not None and agent.state in ON_A_CALL:
        context["inbound"] = _connected(uow, routing, agent)
        wrap = open_wrap_up(uow, agent=agent) if context["inbound"] is None else None
        if wrap is not None:
            left = (wrap.due_at - uow.clock.now()).total_seconds()
            context["wrap_up"] = {
                "call_id": wrap.call_id,
                "queue_title": _title(routing, wrap.queue),
                "left_seconds": max(0, int(left)),
                "version": agent.state_version,
            }
    return {**context, **extra}


def inbound_panel(request: Request, uow: UnitOfWork, agent: Agent | None) -> dict[str, Any]:
    """The panel's context for `agent` as already read, for the home page that renders the
    panel with itself."""
    return _context(uow, routing_of(request), agent)


@router.get("/desk/inbound")
def desk_inbound(request: Request, principal: SignedStaff, uow: UoW) -> Response:
    """The connected call or the wrap-up after it (htmx refreshes it on the agent's events)."""
    agent = desk_agent(uow, principal)
    return render(request, TEMPLATE, _context(uow, routing_of(request), agent))


def _done(
    request: Request, principal: Principal, uow: UnitOfWork, action: Any, said: str
) -> Response:
    routing = routing_of(request)
    try:
        action()
    except DomainError as exc:
        uow.session.rollback()
        error = exc.detail[:1].upper() + exc.detail[1:]
        agent = desk_agent(uow, principal)
        context = _context(uow, routing, agent, inbound_error=error, error_field=exc.field)
        status = 200 if is_htmx(request) else exc.status
        return render(request, TEMPLATE, context, status_code=status)
    agent = desk_agent(uow, principal)
    fragment = render(request, TEMPLATE, _context(uow, routing, agent, done=said))
    return answer(request, fragment, "/desk")


@router.post("/desk/inbound/end")
def end(
    request: Request,
    principal: SignedStaff,
    uow: UoW,
    call_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    disposition: Annotated[str, Form(max_length=30)],
) -> Response:
    def act() -> None:
        end_call(
            uow,
            actor=principal.actor,
            routing=routing_of(request),
            call_id=call_id,
            disposition=disposition,
            by_agent=acting_agent_id(principal),
        )

    label = DISPOSITION_LABELS.get(disposition, disposition).lower()
    return _done(request, principal, uow, act, f"Call ended ({label}). Write it up now.")


@router.post("/desk/inbound/escalate")
def escalate(
    request: Request,
    principal: SignedStaff,
    uow: UoW,
    call_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    queue: Annotated[str, Form(max_length=64)],
    reason: Annotated[str, Form(max_length=MAX_REASON + 200)],
) -> Response:
    routing = routing_of(request)

    def act() -> None:
        escalate_call(
            uow,
            actor=principal.actor,
            routing=routing,
            call_id=call_id,
            to_queue=queue,
            reason=reason,
            by_agent=acting_agent_id(principal),
        )

    said = f"The caller went to {_title(routing, queue)} with your reason. Write the call up now."
    return _done(request, principal, uow, act, said)


@router.post("/desk/inbound/ready")
def ready(
    request: Request,
    principal: SignedStaff,
    uow: UoW,
    version: Annotated[int, Form(ge=0, le=MAX_ID)],
) -> Response:
    """Ends the wrap-up sooner: Ready now, if the agent is still in the spell the page showed."""

    def act() -> None:
        change_state(
            uow,
            actor=principal.actor,
            agent_id=acting_agent_id(principal),
            state=AgentState.READY,
            reason="wrap-up done",
            expected_version=version,
        )

    return _done(request, principal, uow, act, "You are Ready: the next caller comes to you.")
