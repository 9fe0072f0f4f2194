"""The call offered to the signed-in agent on the desktop (``/desk/offer``): the queue, the
caller, how long they have waited and what they were told, their way through the menus, the
time left to answer; and Accept and Decline, through the same use cases as the API. The home
page loads it once it is shown and it refreshes itself on the agent's events, so the home's own
reads stay what they are."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request, Response

from caredesk.db.session import UnitOfWork
from caredesk.errors import DomainError
from caredesk.inbound import reservations
from caredesk.routing.config import RoutingConfig
from caredesk.schemas import MAX_ID
from caredesk.web.deps import Principal, UoW
from caredesk.web.pages.desk_support import acting_agent_id, answer, phone
from caredesk.web.pages.rendering import is_htmx, render
from caredesk.web.pages.routing import SignedStaff, page_router

router = page_router()
# The menu inputs worth showing an agent: what the caller pressed or said.
SPOKEN = frozenset({"digit", "keyword"})


def _context(
    uow: UnitOfWork, routing: RoutingConfig, principal: Principal, **extra: Any
) -> dict[str, Any]:
    now = uow.clock.now()
    context: dict[str, Any] = {"offer": None, "has_agent": principal.agent_id is not None}
    if principal.agent_id is not None:
        view = reservations.current_offer(uow, agent_id=principal.agent_id)
        if view is not None:
            queue = routing.queues.get(view.offer.queue)
            context["offer"] = {
                "id": view.offer.id,
                "call_id": view.offer.call_id,
                "queue": queue.title if queue is not None else view.offer.queue,
                "caller": phone(view.interaction.from_address) or "an unknown number",
                "account_id": view.interaction.account_id,
                "waited_seconds": view.waited_seconds,
                "estimate_seconds": view.walk.estimate_seconds,
                "left_seconds": max((view.offer.expires_at - now).total_seconds(), 0.0),
                "path": [
                    {"menu": step.menu, "value": step.value}
                    for step in view.steps
                    if step.kind in SPOKEN and step.accepted
                ],
            }
    return {**context, **extra}


def _routing(request: Request) -> RoutingConfig:
    routing: RoutingConfig = request.app.state.routing
    return routing


@router.get("/desk/offer")
def desk_offer(request: Request, principal: SignedStaff, uow: UoW) -> Response:
    """The offered call (htmx refreshes it when the agent's state or offers change)."""
    return render(request, "desk/_offer.html", _context(uow, _routing(request), principal))


def _answer(
    request: Request, principal: Principal, uow: UnitOfWork, offer_id: int, accept: bool
) -> Response:
    routing = _routing(request)
    try:
        agent_id = acting_agent_id(principal)
        use_case = reservations.accept_offer if accept else reservations.decline_offer
        offer = use_case(uow, actor=principal.actor, agent_id=agent_id, offer_id=offer_id)
    except DomainError as exc:
        uow.session.rollback()
        error = exc.detail[:1].upper() + exc.detail[1:]
        context = _context(uow, routing, principal, offer_error=error)
        return render(
            request,
            "desk/_offer.html",
            context,
            status_code=200 if is_htmx(request) else exc.status,
        )
    view = reservations.view_of(uow, offer)
    done = {
        "call_id": offer.call_id,
        "accepted": accept,
        "caller": phone(view.interaction.from_address) or "the caller",
        "account_id": view.interaction.account_id,
    }
    fragment = render(request, "desk/_offer.html", _context(uow, routing, principal, done=done))
    return answer(request, fragment, "/desk")


@router.post("/desk/offer/accept")
def accept(
    request: Request,
    principal: SignedStaff,
    uow: UoW,
    offer_id: Annotated[int, Form(ge=1, le=MAX_ID)],
) -> Response:
    return _answer(request, principal, uow, offer_id, accept=True)


@router.post("/desk/offer/decline")
def decline(
    request: Request,
    principal: SignedStaff,
    uow: UoW,
    offer_id: Annotated[int, Form(ge=1, le=MAX_ID)],
) -> Response:
    return _answer(request, principal, uow, offer_id, accept=False)
