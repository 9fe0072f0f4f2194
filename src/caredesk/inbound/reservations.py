"""Offers of a waiting caller to an agent, and how each ends.

- `reserve`: routing offers the caller to a Ready agent, who is Reserved until the offer
  expires (the queue's `reservation_seconds`).
- `accept_offer`: the agent takes the call: the call is theirs, they go Talking, and the wait
  that followed the estimate told at entry is kept on the walk (`waited_seconds`).
- `decline_offer`: the agent turns it down and is Ready again; the caller keeps their place.
- `expire_offers`: an offer nobody answered in time: the caller keeps their place and the agent
  goes Not Ready - Missed Offer (likely away from the desk; the next caller would miss too).
- `withdraw_offer`: the caller hung up while offered: the agent is Ready again.

The caller never leaves the queue while offered: their place is the walk's `queued_at`, which
nothing here changes, so a caller whose offer ends unanswered is first again in the same order.
Each change of an offer is a conditional UPDATE on its status, so of an accept and an expiry
racing, exactly one happens; the walk's row is locked first on PostgreSQL, which orders an
accept against the caller's hang-up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from caredesk.agents import presence
from caredesk.audit.service import Actor, record
from caredesk.db.leases import claim_rows
from caredesk.db.session import UnitOfWork
from caredesk.errors import Conflict, InvalidTransition, NotFound
from caredesk.inbound.models import (
    OPEN,
    InboundOffer,
    IvrStep,
    IvrWalk,
    OfferStatus,
    WalkOutcome,
)
from caredesk.interactions.models import Interaction
from caredesk.live import Audience, publish
from caredesk.policy import AgentState
from caredesk.routing.config_queues import QueueConfig
from caredesk.routing.model import Assignment

MISSED_REASON = "missed offer"


def _lock_walk(uow: UnitOfWork, walk_id: int) -> IvrWalk:
    walk = uow.session.scalar(select(IvrWalk).where(IvrWalk.id == walk_id).with_for_update())
    if walk is None:
        raise NotFound(f"no IVR call for walk {walk_id}", field="call_id")
    uow.session.refresh(walk)
    return walk


def _event(uow: UnitOfWork, kind: str, offer: InboundOffer, **extra: Any) -> None:
    publish(
        uow,
        kind,
        audience=Audience(agent_id=offer.agent_id, leaders=True),
        payload={
            "offer_id": offer.id,
            "agent_id": offer.agent_id,
            "call_id": offer.call_id,
            "queue": offer.queue,
            **extra,
        },
    )


def _audit(uow: UnitOfWork, actor: Actor, action: str, offer: InboundOffer, **facts: Any) -> None:
    record(
        uow,
        actor=actor,
        action=action,
        subject_type="interaction",
        subject_id=offer.call_id,
        after={"offer_id": offer.id, "agent_id": offer.agent_id, "status": offer.status},
        details={"queue": offer.queue, **facts},
    )


def reserve(
    uow: UnitOfWork,
    *,
    actor: Actor,
    queue: QueueConfig,
    assignment: Assignment,
    agent_version: int,
    now: datetime,
) -> InboundOffer:
    """Offers the waiting caller of `assignment` to its agent, who must still be in the Ready
    spell of state version `agent_version`. Conflict when the caller is no longer waiting in
    that queue or the agent moved on (nothing written)."""
    with uow.atomic():
        walk = _lock_walk(uow, int(assignment.contact_id))
        interaction = uow.session.get(Interaction, walk.interaction_id)
        assert interaction is not None
        uow.session.refresh(interaction)
        waiting = (
            walk.outcome == WalkOutcome.QUEUED.value
            and walk.queue == assignment.queue
            and interaction.ended_at is None
            and interaction.agent_id is None
        )
        taken = uow.session.scalar(
            select(InboundOffer.id).where(
                InboundOffer.walk_id == walk.id, InboundOffer.status == OPEN
            )
        )
        if not waiting or taken is not None:
            raise Conflict("the caller is no longer waiting in this queue", field="call_id")
        agent_id = int(assignment.agent_id)
        offer = InboundOffer(
            walk_id=walk.id,
            call_id=walk.interaction_id,
            agent_id=agent_id,
            queue=assignment.queue,
            status=OPEN,
            waited_seconds=round(assignment.waited_seconds, 3),
            min_level=assignment.min_level,
            as_secondary=assignment.as_secondary,
            offered_at=now,
            expires_at=now + timedelta(seconds=queue.reservation_seconds),
        )
        uow.session.add(offer)
        # The open-offer indexes refuse a second open offer for this caller or this agent.
        uow.flush()
        presence.change_state(
            uow,
            actor=actor,
            agent_id=agent_id,
            state=AgentState.RESERVED,
            reason=f"offered call {walk.interaction_id}",
            expected_version=agent_version,
        )
        _audit(
            uow,
            actor,
            "inbound.offered",
            offer,
            waited_seconds=offer.waited_seconds,
            min_level=offer.min_level,
            as_secondary=offer.as_secondary,
            expires_at=offer.expires_at.isoformat(),
        )
        _event(uow, "agent.contact_offered", offer, expires_at=offer.expires_at)
        return offer


def _close(uow: UnitOfWork, offer: InboundOffer, status: OfferStatus, now: datetime) -> None:
    """Ends the open offer as `status`; Conflict when it was no longer open."""
    closed = uow.session.execute(
        update(InboundOffer)
        .where(InboundOffer.id == offer.id, InboundOffer.status == OPEN)
        .values(status=status.value, ended_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(closed, "rowcount", 0) != 1:
        uow.session.refresh(offer)
        raise Conflict(f"the offer is no longer open (it was {offer.status})", field="offer_id")
    uow.session.refresh(offer)


def _agents_offer(uow: UnitOfWork, *, agent_id: int, offer_id: int) -> InboundOffer:
    offer = uow.session.get(InboundOffer, offer_id)
    if offer is None or offer.agent_id != agent_id:
        raise NotFound(f"no offer {offer_id} to agent {agent_id}", field="offer_id")
    return offer


def _move_agent(
    uow: UnitOfWork, *, actor: Actor, agent_id: int, state: AgentState, reason: str
) -> bool:
    """Moves a Reserved agent on; False when they are no longer Reserved (a leader moved them),
    which leaves the agent as they are."""
    try:
        presence.change_state(uow, actor=actor, agent_id=agent_id, state=state, reason=reason)
    except (Conflict, InvalidTransition):
        return False
    return True


def accept_offer(uow: UnitOfWork, *, actor: Actor, agent_id: int, offer_id: int) -> InboundOffer:
    """The agent takes the offered call: it becomes theirs and they go Talking."""
    with uow.atomic():
        offer = _agents_offer(uow, agent_id=agent_id, offer_id=offer_id)
        walk = _lock_walk(uow, offer.walk_id)
        now = uow.clock.now()
        if offer.status == OPEN and now > offer.expires_at:
            raise Conflict(f"the offer ran out at {offer.expires_at.isoformat()}", field="offer_id")
        _close(uow, offer, OfferStatus.ACCEPTED, now)
        interaction = uow.session.get(Interaction, offer.call_id)
        assert interaction is not None
        uow.session.refresh(interaction, with_for_update=True)
        if interaction.ended_at is not None or interaction.agent_id is not None:
            raise Conflict("the caller is no longer waiting", field="offer_id")
        interaction.agent_id = agent_id
        assert walk.queued_at is not None
        waited = round((now - walk.queued_at).total_seconds(), 3)
        if walk.answered_at is None:
            # The first answer's wait is the one the estimate told at entry is measured
            # against; a call escalated and answered again keeps it.
            uow.session.execute(
                update(IvrWalk)
                .where(IvrWalk.id == walk.id)
                .values(answered_at=now, waited_seconds=waited)
                .execution_options(synchronize_session=False)
            )
        presence.change_state(
            uow,
            actor=actor,
            agent_id=agent_id,
            state=AgentState.TALKING,
            reason=f"answered call {offer.call_id}",
        )
        _audit(
            uow,
            actor,
            "inbound.accepted",
            offer,
            waited_seconds=waited,
            estimate_seconds=walk.estimate_seconds,
        )
        _event(uow, "agent.contact_accepted", offer, waited_seconds=waited)
        uow.flush()
        uow.session.refresh(walk)
        return offer


def decline_offer(uow: UnitOfWork, *, actor: Actor, agent_id: int, offer_id: int) -> InboundOffer:
    """The agent turns the offer down and is Ready again; the caller keeps their place (a
    declining agent is now the one idle the shortest, so the next longest idle goes first)."""
    with uow.atomic():
        offer = _agents_offer(uow, agent_id=agent_id, offer_id=offer_id)
        _lock_walk(uow, offer.walk_id)
        now = uow.clock.now()
        _close(uow, offer, OfferStatus.DECLINED, now)
        _move_agent(
            uow, actor=actor, agent_id=agent_id, state=AgentState.READY, reason="declined offer"
        )
        _audit(uow, actor, "inbound.declined", offer)
        _event(uow, "agent.offer_ended", offer, status=offer.status)
        return offer


def expire_offers(uow: UnitOfWork, *, now: datetime, batch: int) -> int:
    """Ends up to `batch` open offers that ran out before `now` (one transaction): each caller
    keeps their place, each agent goes Not Ready - Missed Offer. Returns how many."""
    actor = Actor.system("router")
    with uow.atomic():
        claimed = claim_rows(
            uow,
            InboundOffer,
            candidates=(InboundOffer.status == OPEN, InboundOffer.expires_at < now),
            order_by=(InboundOffer.expires_at, InboundOffer.id),
            values={"status": OfferStatus.MISSED.value, "ended_at": now},
            batch=batch,
        )
        for row in claimed:
            offer = uow.session.get(InboundOffer, row.id)
            assert offer is not None
            uow.session.refresh(offer)
            moved = _move_agent(
                uow,
                actor=actor,
                agent_id=offer.agent_id,
                state=AgentState.NOT_READY_MISSED_OFFER,
                reason=MISSED_REASON,
            )
            _audit(
                uow,
                actor,
                "inbound.offer_missed",
                offer,
                expired_at=offer.expires_at.isoformat(),
                agent_not_ready=moved,
            )
            _event(uow, "agent.offer_ended", offer, status=offer.status)
        return len(claimed)


def withdraw_offer(uow: UnitOfWork, *, actor: Actor, walk: IvrWalk) -> InboundOffer | None:
    """The caller of `walk` hung up: their open offer, if any, ends and the agent is Ready."""
    with uow.atomic():
        offer = uow.session.scalar(
            select(InboundOffer).where(InboundOffer.walk_id == walk.id, InboundOffer.status == OPEN)
        )
        if offer is None:
            return None
        _close(uow, offer, OfferStatus.WITHDRAWN, uow.clock.now())
        _move_agent(
            uow,
            actor=actor,
            agent_id=offer.agent_id,
            state=AgentState.READY,
            reason="caller hung up",
        )
        _audit(uow, actor, "inbound.offer_withdrawn", offer)
        _event(uow, "agent.offer_ended", offer, status=offer.status)
        return offer


@dataclass(frozen=True)
class OfferView:
    offer: InboundOffer
    walk: IvrWalk
    interaction: Interaction
    steps: list[IvrStep]
    waited_seconds: float


def view_of(uow: UnitOfWork, offer: InboundOffer) -> OfferView:
    walk = uow.session.get(IvrWalk, offer.walk_id)
    interaction = uow.session.get(Interaction, offer.call_id)
    assert walk is not None and interaction is not None and walk.queued_at is not None
    steps = list(
        uow.session.scalars(select(IvrStep).where(IvrStep.walk_id == walk.id).order_by(IvrStep.seq))
    )
    # This offer's own wait: for a call escalated after a first answer, from the caller's
    # first arrival until this offer, not the first answer's wait.
    until = offer.ended_at or uow.clock.now()
    waited = max((until - walk.queued_at).total_seconds(), 0.0)
    return OfferView(offer, walk, interaction, steps, round(waited, 3))


def current_offer(uow: UnitOfWork, *, agent_id: int) -> OfferView | None:
    """The agent's open offer with the caller's walk through the menus, or None."""
    offer = uow.session.scalar(
        select(InboundOffer)
        .where(InboundOffer.agent_id == agent_id, InboundOffer.status == OPEN)
        .order_by(InboundOffer.id.desc())
        .limit(1)
    )
    return None if offer is None else view_of(uow, offer)
