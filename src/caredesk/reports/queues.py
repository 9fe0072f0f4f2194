"""Each queue now and today, as a leader watches it: callers waiting (and how many of them are
being offered to an agent), the longest wait, the estimate a caller joining now would hear, the
agents who serve it by state, today's answered and abandoned callers with the service level by
the queue's own written definition (`routing.service_level`), and how right today's estimates
were (`inbound.accuracy`), with every predictor's figures on the same callers beside the one the
estimate now is told by (why a queue is told by the one it is); its "call me back, keep my
place" callbacks held now and today's (`reports.queue_callbacks`).

An agent serves a queue whose own skill they hold (`inbound.routing_round.serving_queues`);
callers are counted in the queue they are in now (after any overflow move)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from caredesk.agents.models import Agent, AgentSkill
from caredesk.db.session import UnitOfWork
from caredesk.inbound.accuracy import wait_accuracy
from caredesk.inbound.models import OPEN, InboundOffer, IvrWalk, WalkOutcome
from caredesk.inbound.waits import WaitEstimate, estimate_wait, queue_views, stored_log
from caredesk.interactions.models import Disposition, Interaction
from caredesk.reports.queue_callbacks import QueueCallbacks, queue_callbacks
from caredesk.routing.config import RoutingConfig
from caredesk.routing.config_queues import QueueConfig
from caredesk.routing.service_level import (
    ContactOutcome,
    Outcome,
    ServiceLevelReport,
    measure,
)
from caredesk.routing.wait import Predictor
from caredesk.routing.wait_accuracy import AccuracyReport


@dataclass(frozen=True)
class QueueNow:
    queue: QueueConfig
    waiting: int
    offered: int
    """Of the waiting, those offered to an agent right now."""
    longest_wait_seconds: float | None
    estimate: WaitEstimate
    """What a caller joining now would be told."""
    agents: dict[str, int]
    """State -> agents serving the queue (active, logged in or not)."""
    today: ServiceLevelReport
    accuracy: AccuracyReport
    predictors: dict[Predictor, AccuracyReport]
    """Today's answered callers: each predictor's figures on those they all had an estimate
    for (the one the estimate is told by now is `estimate.predictor`)."""
    callbacks: QueueCallbacks


def _waiting(uow: UnitOfWork) -> dict[str, list[tuple[datetime, bool]]]:
    """Queue -> (queued at, offered now) of every caller waiting in it."""
    offered = select(InboundOffer.walk_id).where(InboundOffer.status == OPEN)
    rows = uow.session.execute(
        select(IvrWalk.queue, IvrWalk.queued_at, IvrWalk.id.in_(offered))
        .join(Interaction, Interaction.id == IvrWalk.interaction_id)
        .where(
            IvrWalk.outcome == WalkOutcome.QUEUED.value,
            IvrWalk.queued_at.is_not(None),
            Interaction.ended_at.is_(None),
            Interaction.agent_id.is_(None),
        )
    ).all()
    found: dict[str, list[tuple[datetime, bool]]] = defaultdict(list)
    for queue, queued_at, is_offered in rows:
        if queue is not None and queued_at is not None:
            found[queue].append((queued_at, bool(is_offered)))
    return found


def _agents(uow: UnitOfWork) -> dict[str, Counter[str]]:
    """Skill -> agents holding it by state."""
    rows = uow.session.execute(
        select(AgentSkill.skill, Agent.state)
        .join(Agent, Agent.id == AgentSkill.agent_id)
        .where(Agent.active.is_(True))
    ).all()
    found: dict[str, Counter[str]] = defaultdict(Counter)
    for skill, state in rows:
        found[skill][state] += 1
    return found


def _outcomes(
    uow: UnitOfWork, *, since: datetime, until: datetime
) -> dict[str, list[ContactOutcome]]:
    """Queue -> today's answered and abandoned callers with the time each waited, and those who
    took "call me back, keep my place" (counted as callbacks: neither answered nor abandoned)."""
    found: dict[str, list[ContactOutcome]] = defaultdict(list)
    answered = uow.session.execute(
        select(IvrWalk.queue, IvrWalk.waited_seconds).where(
            IvrWalk.answered_at >= since,
            IvrWalk.answered_at < until,
            IvrWalk.waited_seconds.is_not(None),
        )
    ).all()
    for queue, waited in answered:
        if waited is None:
            continue
        found[queue or ""].append(ContactOutcome(Outcome.ANSWERED, float(waited)))
    abandoned = uow.session.execute(
        select(IvrWalk.queue, IvrWalk.queued_at, Interaction.ended_at)
        .join(Interaction, Interaction.id == IvrWalk.interaction_id)
        .where(
            Interaction.disposition == Disposition.ABANDONED.value,
            Interaction.ended_at >= since,
            Interaction.ended_at < until,
            IvrWalk.queued_at.is_not(None),
        )
    ).all()
    for queue, queued_at, ended_at in abandoned:
        if queued_at is None or ended_at is None:
            continue
        waited = max((ended_at - queued_at).total_seconds(), 0.0)
        found[queue or ""].append(ContactOutcome(Outcome.ABANDONED, waited))
    callbacks = uow.session.execute(
        select(IvrWalk.queue, IvrWalk.queued_at, IvrWalk.ended_at).where(
            IvrWalk.outcome == WalkOutcome.CALLBACK.value,
            IvrWalk.queued_at.is_not(None),
            IvrWalk.ended_at >= since,
            IvrWalk.ended_at < until,
        )
    ).all()
    for queue, queued_at, ended_at in callbacks:
        if queued_at is None or ended_at is None:
            continue
        waited = max((ended_at - queued_at).total_seconds(), 0.0)
        found[queue or ""].append(ContactOutcome(Outcome.CALLBACK, waited))
    return found


def queues_now(
    uow: UnitOfWork, *, routing: RoutingConfig, now: datetime, since: datetime, until: datetime
) -> list[QueueNow]:
    """Every queue of the routing file, in the file's order; today is [since, until)."""
    waiting = _waiting(uow)
    by_skill = _agents(uow)
    outcomes = _outcomes(uow, since=since, until=until)
    accuracy = wait_accuracy(uow, since=since, until=until)
    callbacks = queue_callbacks(uow, now=now, since=since, until=until)
    views = queue_views(uow, queues=routing.queues, now=now)
    log = stored_log(uow)
    none = QueueCallbacks()
    empty = AccuracyReport(0, None, None, None, None, None)
    board: list[QueueNow] = []
    for name, queue in routing.queues.items():
        callers = waiting.get(name, [])
        first = min((queued_at for queued_at, _ in callers), default=None)
        board.append(
            QueueNow(
                queue=queue,
                waiting=len(callers),
                offered=sum(1 for _, is_offered in callers if is_offered),
                longest_wait_seconds=(
                    max((now - first).total_seconds(), 0.0) if first is not None else None
                ),
                estimate=estimate_wait(views[name], queue=name, log=log),
                agents=dict(by_skill.get(queue.skill, Counter())),
                today=measure(outcomes.get(name, []), queue.service_level),
                accuracy=accuracy.by_queue.get(name, empty),
                predictors=accuracy.by_predictor.get(name, {}),
                callbacks=callbacks.get(name, none),
            )
        )
    return board
