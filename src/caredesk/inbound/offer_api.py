"""An agent's offered call: see it (with the caller's way through the menus and the time
waited), accept it or decline it; and the estimated wait's measured accuracy for leaders."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query

from caredesk.agents.service import get_agent
from caredesk.errors import PermissionDenied
from caredesk.inbound import reservations
from caredesk.inbound.accuracy import wait_accuracy
from caredesk.inbound.api import Routing
from caredesk.inbound.schemas import (
    AccuracyRead,
    AgentOfferRead,
    OfferAnswer,
    OfferRead,
    OfferStepRead,
    WaitAccuracyRead,
)
from caredesk.routing.config import RoutingConfig
from caredesk.routing.wait_accuracy import AccuracyReport
from caredesk.schemas import MAX_ID, AwareDatetime
from caredesk.web.deps import Leader, Principal, Staff, UoW

router = APIRouter(tags=["inbound offers"])
AgentId = Annotated[int, Path(ge=1, le=MAX_ID, description="The agent's id.")]
# What the caller pressed or said, and where an agent escalated the call and why.
KEYED = frozenset({"digit", "keyword", "escalate"})


def _read(routing: RoutingConfig, view: reservations.OfferView) -> OfferRead:
    offer, walk, interaction = view.offer, view.walk, view.interaction
    queue = routing.queues.get(offer.queue)
    assert walk.queued_at is not None
    return OfferRead(
        offer_id=offer.id,
        call_id=offer.call_id,
        agent_id=offer.agent_id,
        status=offer.status,
        queue=offer.queue,
        queue_title=queue.title if queue is not None else offer.queue,
        priority=walk.priority,
        caller=interaction.from_address,
        account_id=interaction.account_id,
        language=walk.language,
        offered_at=offer.offered_at,
        expires_at=offer.expires_at,
        ended_at=offer.ended_at,
        queued_at=walk.queued_at,
        waited_seconds=view.waited_seconds,
        estimate_seconds=walk.estimate_seconds,
        path=[
            OfferStepRead(
                at=step.at,
                menu=step.menu,
                kind=step.kind,
                value=step.value if step.kind in KEYED else "",
                accepted=step.accepted,
            )
            for step in view.steps
        ],
    )


def _own(principal: Principal, agent_id: int, *, leaders: bool) -> None:
    if principal.agent_id == agent_id or (leaders and principal.is_leader):
        return
    who = "the agent themself or a leader" if leaders else "the agent themself"
    raise PermissionDenied(f"only {who} may do this with the agent's offer", field="agent_id")


@router.get("/v1/agents/{agent_id}/offer", response_model=AgentOfferRead)
def get_offer(agent_id: AgentId, principal: Staff, uow: UoW, routing: Routing) -> AgentOfferRead:
    """The call offered to the agent now, with the caller's way through the menus and how long
    they have waited; `offer` is null when nothing is offered."""
    _own(principal, agent_id, leaders=True)
    get_agent(uow, agent_id=agent_id)
    view = reservations.current_offer(uow, agent_id=agent_id)
    return AgentOfferRead(agent_id=agent_id, offer=None if view is None else _read(routing, view))


@router.post("/v1/agents/{agent_id}/offer/accept", response_model=OfferRead)
def accept_offer(
    agent_id: AgentId, body: OfferAnswer, principal: Staff, uow: UoW, routing: Routing
) -> OfferRead:
    """The agent takes the offered call: it is theirs and they go Talking. 409 when the offer
    ran out, was declined, or the caller hung up."""
    _own(principal, agent_id, leaders=False)
    offer = reservations.accept_offer(
        uow, actor=principal.actor, agent_id=agent_id, offer_id=body.offer_id
    )
    return _read(routing, reservations.view_of(uow, offer))


@router.post("/v1/agents/{agent_id}/offer/decline", response_model=OfferRead)
def decline_offer(
    agent_id: AgentId, body: OfferAnswer, principal: Staff, uow: UoW, routing: Routing
) -> OfferRead:
    """The agent (or a leader for them) turns the offer down: the agent is Ready again and the
    caller keeps their place in the queue."""
    _own(principal, agent_id, leaders=True)
    offer = reservations.decline_offer(
        uow, actor=principal.actor, agent_id=agent_id, offer_id=body.offer_id
    )
    return _read(routing, reservations.view_of(uow, offer))


def _accuracy(report: AccuracyReport) -> AccuracyRead:
    def rounded(value: float | None, places: int) -> float | None:
        return None if value is None else round(value, places)

    return AccuracyRead(
        count=report.count,
        mean_actual_seconds=rounded(report.mean_actual, 1),
        rase=rounded(report.rase, 4),
        bias_seconds=rounded(report.bias_seconds, 1),
        relative_bias=rounded(report.relative_bias, 4),
        within_20=rounded(report.within_20, 4),
    )


@router.get("/v1/queues/wait-accuracy", response_model=WaitAccuracyRead)
def get_wait_accuracy(
    principal: Leader,
    uow: UoW,
    since: Annotated[
        AwareDatetime | None, Query(description="Default: 24 hours before until.")
    ] = None,
    until: Annotated[AwareDatetime | None, Query(description="Default: now.")] = None,
    queue: Annotated[str | None, Query(max_length=64)] = None,
) -> WaitAccuracyRead:
    """How right the estimated wait told at entry was, for callers answered after `since` and
    up to `until`: RASE, bias and the share within ±20% of the wait that followed, overall and
    per queue; and per queue, every predictor's on the same callers."""
    end = until or uow.clock.now()
    start = since or end - timedelta(hours=24)
    found = wait_accuracy(uow, since=start, until=end, queue=queue)
    return WaitAccuracyRead(
        since=found.since,
        until=found.until,
        overall=_accuracy(found.overall),
        queues={name: _accuracy(report) for name, report in found.by_queue.items()},
        predictors={
            name: {predictor.value: _accuracy(report) for predictor, report in reports.items()}
            for name, reports in found.by_predictor.items()
        },
    )
