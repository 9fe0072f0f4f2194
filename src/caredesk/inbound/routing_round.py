"""The stored path of routing: each round, the callers waiting in queues are offered to Ready
agents by the pure decision (`routing.decide`), and offers that ran out go back.

A round reads a snapshot (the queued walks with their place and priority, the Ready agents
with their skill levels and since when they are idle), asks `decide` once, then writes each
offer in its own transaction (`reservations.reserve`). Any number of rounds may run at once on
any number of processes: each offer checks that the caller is still waiting with no open offer
and that the agent is still in the Ready spell the snapshot saw (its state version), and the
database's partial unique indexes allow one open offer per caller and per agent. An offer that
lost such a race is counted and dropped; the next round decides again on what is left.

A queue callback ("call me back, keep my place") waits in its queue as a contact at the caller's
original place; its turn is carried out by `queue_callbacks.take_turn` instead of an offer of a
caller on the line (agent-first or customer-first, per queue, through the policy gate).

Which queues an agent serves comes from their skills and the routing file: a queue whose own
skill the agent has is one of their queues (primary); a queue that takes one of their other
skills as an extra is served as overflow (secondary, after the queue's secondary delay)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from sqlalchemy import ColumnElement, exists, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from caredesk.agents.models import Agent
from caredesk.audit.service import Actor, record
from caredesk.db.session import Database, UnitOfWork
from caredesk.errors import Conflict, InvalidTransition, NotFound
from caredesk.inbound.models import OPEN, InboundOffer, IvrWalk, WalkOutcome, WalkPhase
from caredesk.inbound.queue_callbacks import Turn, expire_held, held_contacts, take_turn
from caredesk.inbound.reservations import expire_offers, reserve
from caredesk.interactions.models import Interaction
from caredesk.policy import AgentState, PolicyConfig
from caredesk.routing.config import RoutingConfig
from caredesk.routing.config_queues import MAX_LEVEL, MAX_PRIORITY, OverflowActionKind, QueueConfig
from caredesk.routing.decide import decide
from caredesk.routing.model import RoutingAgent, Snapshot, WaitingContact

log = logging.getLogger("caredesk.inbound.routing")

ROUTER = Actor.system("router")
OVERFLOW = "overflow"


def serving_queues(
    skills: Mapping[str, int], queues: Mapping[str, QueueConfig]
) -> tuple[frozenset[str], frozenset[str]]:
    """(primary, secondary) queues of an agent with these skills."""
    primary = frozenset(name for name, queue in queues.items() if queue.skill in skills)
    secondary = frozenset(
        name
        for name, queue in queues.items()
        if name not in primary and not queue.skills.isdisjoint(skills)
    )
    return primary, secondary


def waiting_walks() -> list[ColumnElement[bool]]:
    """Where-clauses of a walk whose caller waits in its queue with no agent and no open offer."""
    open_offer = exists().where(InboundOffer.walk_id == IvrWalk.id, InboundOffer.status == OPEN)
    return [
        IvrWalk.phase == WalkPhase.ENDED.value,
        IvrWalk.outcome == WalkOutcome.QUEUED.value,
        IvrWalk.queued_at.is_not(None),
        IvrWalk.queue.is_not(None),
        Interaction.ended_at.is_(None),
        Interaction.agent_id.is_(None),
        ~open_offer,
    ]


@dataclass(frozen=True)
class StoredSnapshot:
    snapshot: Snapshot
    versions: Mapping[int, int]
    """Agent id -> the state version of the Ready spell seen."""
    callbacks: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    """Contact id -> the queue callback holding that place (the others are callers on hold)."""


def load_snapshot(
    uow: UnitOfWork, *, queues: Mapping[str, QueueConfig], now: datetime | None = None
) -> StoredSnapshot:
    walks = uow.session.execute(
        select(IvrWalk.id, IvrWalk.queue, IvrWalk.queued_at, IvrWalk.priority)
        .join(Interaction, Interaction.id == IvrWalk.interaction_id)
        .where(*waiting_walks())
        .order_by(IvrWalk.queued_at, IvrWalk.id)
    ).all()
    on_hold = tuple(
        WaitingContact(
            id=str(walk_id),
            queue=queue,
            arrived_at=queued_at,
            priority=min(max(priority, 0), MAX_PRIORITY),
        )
        for walk_id, queue, queued_at, priority in walks
        # A queue taken out of the routing file leaves its callers to staff.
        if queue is not None and queue in queues and queued_at is not None
    )
    held = held_contacts(uow, queues=queues, now=now)
    contacts = tuple(
        sorted(on_hold + held.contacts, key=lambda contact: (contact.arrived_at, int(contact.id)))
    )
    agents: list[RoutingAgent] = []
    versions: dict[int, int] = {}
    ready = uow.session.scalars(
        select(Agent)
        .where(
            Agent.active.is_(True),
            Agent.state == AgentState.READY.value,
            # Moved back to Ready by hand while an offer is still open: it must end first.
            ~exists().where(InboundOffer.agent_id == Agent.id, InboundOffer.status == OPEN),
        )
        .order_by(Agent.id)
    )
    for agent in ready:
        skills = {
            skill: min(max(level, 1), MAX_LEVEL) for skill, level in agent.skill_levels.items()
        }
        primary, secondary = serving_queues(skills, queues)
        if not (primary or secondary):
            continue
        agents.append(
            RoutingAgent(
                id=str(agent.id),
                state=AgentState.READY,
                skills=skills,
                primary=primary,
                secondary=secondary,
                idle_since=agent.state_since,
            )
        )
        versions[agent.id] = agent.state_version
    return StoredSnapshot(
        Snapshot(agents=tuple(agents), contacts=contacts), versions, held.callbacks
    )


@dataclass
class RoundReport:
    offered: list[int] = field(default_factory=list)
    """Ids of the offers made."""
    lost: int = 0
    """Offers another round (or a change by the caller or agent) made impossible first."""
    moved: int = 0
    """Callers moved to another queue by a waited_over overflow rule (keeping their place)."""
    callback_turns: dict[Turn, int] = field(default_factory=dict)
    """Queue callbacks whose turn came, by what followed."""
    callbacks_expired: int = 0


def _move(
    uow: UnitOfWork, *, walk_id: int, queue: str, target: str, rule: str, now: datetime
) -> bool:
    with uow.atomic():
        moved = uow.session.execute(
            update(IvrWalk)
            .where(
                IvrWalk.id == walk_id,
                IvrWalk.queue == queue,
                IvrWalk.outcome == WalkOutcome.QUEUED.value,
                ~exists().where(InboundOffer.walk_id == walk_id, InboundOffer.status == OPEN),
            )
            .values(queue=target, route_reason=OVERFLOW, overflow_rule=rule)
            .returning(IvrWalk.interaction_id)
            .execution_options(synchronize_session=False)
        ).scalar_one_or_none()
        if moved is None:
            return False
        record(
            uow,
            actor=ROUTER,
            action="ivr.overflowed",
            subject_type="interaction",
            subject_id=moved,
            before={"queue": queue},
            after={"queue": target},
            details={"rule": rule, "at": now.isoformat()},
        )
        return True


# How long an agent reserved for a queue callback has to start the call (the dispatcher's
# lease when wired by bootstrap).
CALLBACK_OFFER_SECONDS = 120.0


def route_waiting(
    db: Database,
    *,
    routing: RoutingConfig,
    now: datetime,
    policy: PolicyConfig | None = None,
    callback_offer_seconds: float = CALLBACK_OFFER_SECONDS,
) -> RoundReport:
    """One routing round at `now`: queue callbacks past their expiry closed, offers made by
    `decide`, overflow moves carried out, queue callbacks at their turn dialled or put off."""
    expired = expire_held(db, actor=ROUTER, queues=routing.queues, now=now)
    with db.uow() as uow:
        stored = load_snapshot(uow, queues=routing.queues, now=now)
    report = route_snapshot(
        db,
        stored,
        routing=routing,
        now=now,
        policy=policy,
        callback_offer_seconds=callback_offer_seconds,
    )
    report.callbacks_expired = expired
    return report


def route_snapshot(
    db: Database,
    stored: StoredSnapshot,
    *,
    routing: RoutingConfig,
    now: datetime,
    policy: PolicyConfig | None = None,
    callback_offer_seconds: float = CALLBACK_OFFER_SECONDS,
) -> RoundReport:
    """Carries out `decide` over a snapshot read earlier: whatever changed since (another
    round's offers above all) makes the offers it touches lose, never doubles them."""
    report = RoundReport()
    rules = policy if policy is not None else PolicyConfig()
    queues = routing.queues
    if not stored.snapshot.contacts:
        return report
    result = decide(stored.snapshot, queues, now)
    offered = {assignment.contact_id for assignment in result.assignments}
    for overflow in result.overflows:
        if overflow.contact_id in offered or overflow.contact_id in stored.callbacks:
            continue
        if overflow.action is not OverflowActionKind.QUEUE or overflow.target_queue is None:
            # Only a move to another queue can be carried out for a caller on hold; the other
            # actions are taken when the caller enters (see `entry`).
            continue
        with db.uow() as uow:
            if _move(
                uow,
                walk_id=int(overflow.contact_id),
                queue=overflow.queue,
                target=overflow.target_queue,
                rule=overflow.rule,
                now=now,
            ):
                report.moved += 1
    for assignment in result.assignments:
        agent_id = int(assignment.agent_id)
        callback_id = stored.callbacks.get(assignment.contact_id)
        try:
            if callback_id is not None:
                with db.uow() as uow:
                    turn = take_turn(
                        uow,
                        actor=ROUTER,
                        policy=rules,
                        queue=queues[assignment.queue],
                        callback_id=callback_id,
                        agent_id=agent_id,
                        agent_version=stored.versions[agent_id],
                        offer_seconds=callback_offer_seconds,
                        now=now,
                    )
                report.callback_turns[turn] = report.callback_turns.get(turn, 0) + 1
                continue
            with db.uow() as uow:
                offer = reserve(
                    uow,
                    actor=ROUTER,
                    queue=queues[assignment.queue],
                    assignment=assignment,
                    agent_version=stored.versions[agent_id],
                    now=now,
                )
        except (Conflict, InvalidTransition, NotFound, IntegrityError, StaleDataError) as exc:
            report.lost += 1
            log.info(
                "offer not made",
                extra={
                    "walk_id": assignment.contact_id,
                    "agent_id": agent_id,
                    "why": getattr(exc, "detail", type(exc).__name__),
                },
            )
            continue
        report.offered.append(offer.id)
    return report


@dataclass(frozen=True)
class InboundRouting:
    """The dispatcher's round step for inbound calls: offers that ran out go back first (so
    their callers and agents count in this round), then waiting callers are offered."""

    routing: RoutingConfig
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    """The outbound policy a queue callback's turn is judged by."""
    callback_offer_seconds: float = CALLBACK_OFFER_SECONDS
    name: str = "route"

    def __call__(self, db: Database, *, now: datetime, batch: int) -> dict[str, int]:
        missed = 0
        while True:
            with db.uow() as uow:
                done = expire_offers(uow, now=now, batch=batch)
            missed += done
            if done < batch:
                break
        report = route_waiting(
            db,
            routing=self.routing,
            now=now,
            policy=self.policy,
            callback_offer_seconds=self.callback_offer_seconds,
        )
        turns = report.callback_turns
        return {
            "contacts_offered": len(report.offered),
            "contact_offers_lost": report.lost,
            "contact_offers_missed": missed,
            "contacts_moved": report.moved,
            "queue_callbacks_offered": turns.get(Turn.OFFERED, 0),
            "queue_callbacks_released": turns.get(Turn.RELEASED, 0),
            "queue_callbacks_put_off": turns.get(Turn.PUT_OFF, 0),
            "queue_callbacks_refused": turns.get(Turn.REFUSED, 0),
            "queue_callbacks_expired": report.callbacks_expired,
        }
