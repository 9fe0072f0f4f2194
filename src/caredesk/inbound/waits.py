"""The estimated wait of a caller who has just joined a queue, from what the database holds.

What is known (and so what `routing.wait.QueueView` gets):
- callers ahead: walks queued in this queue whose call is still open with no agent on it, and
  queue callbacks holding their callers' places;
- agents serving it: active agents with the queue's skill who are Ready, Reserved, Talking or
  in After-Call Work (Ready ones are idle);
- mean handle time: the mean Talking spell plus the mean After-Call Work spell of those
  agents' most recent finished spells, from the state history;
- head of line: how long the first caller ahead has waited;
- the callers' give-up rate and the wait of the last caller served, from the queue's recent
  callers (`patience`): QL_m and LES.
Which one a queue's
callers are told by is measured (`routing.wait_choice`): every caller's estimates are logged
on the walk, and the last `HISTORY` callers answered, every queue's, are replayed into the
twin's chooser in one statement (`stored_log`), which also fits each queue's learned predictor
on its own callers' logged inputs. With no history it is QL, head of line when
QL has nothing to go on, and with neither the caller hears the fallback sentence. The figure
is never below what the queue's state makes all but certain (`announce.state_floor`).
`queue_views` reads the same for every queue at once (the leader's Queues page)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from statistics import fmean

from sqlalchemy import ColumnElement, and_, func, or_, select

from caredesk.agents.models import Agent, AgentSkill, AgentStateChange
from caredesk.db.session import UnitOfWork
from caredesk.inbound.models import IvrWalk, WalkOutcome
from caredesk.inbound.patience import LineHistory, line_history
from caredesk.inbound.queue_callbacks import held_place
from caredesk.interactions.models import Interaction
from caredesk.policy import AgentState
from caredesk.routing.announce import Announcement, announce, announce_unknown, state_floor
from caredesk.routing.config_queues import QueueConfig
from caredesk.routing.wait import LearnedPredictor, Predictor, QueueView, estimates_from, features
from caredesk.routing.wait_accuracy import PredictorChooser
from caredesk.routing.wait_choice import (
    Answered,
    chooser_from_log,
    learned_from_log,
    parse_estimates,
    parse_inputs,
)

SERVING = (AgentState.READY, AgentState.RESERVED, AgentState.TALKING, AgentState.AFTER_CALL_WORK)
# Recent finished spells per state the mean handle time is taken over.
HANDLE_SAMPLE = 200
# Answered callers, the most recent across every queue, the predictor is chosen on (the
# chooser's window: a queue's own record and the centre's are both within it).
HISTORY = 1000


@dataclass(frozen=True)
class WaitEstimate:
    view: QueueView
    seconds: float | None
    predictor: Predictor | None
    announcement: Announcement
    every: Mapping[Predictor, float | None]
    """Every predictor's estimate, the chosen one's among them (logged on the walk)."""
    inputs: tuple[float, ...]
    """The learned predictor's inputs (logged on the walk, to fit it on later)."""

    def told(self, language: str) -> dict[str, object]:
        """The announcement as stored on the walk and answered (see `schemas.WaitRead`)."""
        return {
            "predictor": self.predictor.value if self.predictor is not None else None,
            "kind": self.announcement.kind.value,
            "minutes": self.announcement.minutes,
            "high_minutes": self.announcement.high_minutes,
            "words": self.announcement.words(language),
        }


def _mean_spell(uow: UnitOfWork, agent_ids: list[int], state: AgentState) -> float | None:
    rows = uow.session.execute(
        select(AgentStateChange.from_since, AgentStateChange.at)
        .where(
            AgentStateChange.agent_id.in_(agent_ids),
            AgentStateChange.from_state == state.value,
            AgentStateChange.from_since.is_not(None),
        )
        .order_by(AgentStateChange.at.desc())
        .limit(HANDLE_SAMPLE)
    ).all()
    spells = [(at - since).total_seconds() for since, at in rows if since is not None]
    return fmean(spells) if spells else None


def _in_line(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """Where-clauses of a walk waiting in its queue at `now` (joined to its interaction)."""
    return (
        IvrWalk.queued_at.is_not(None),
        IvrWalk.queued_at <= now,
        or_(
            and_(
                # On the line: never took a callback, or held on after one was refused.
                or_(IvrWalk.callback_id.is_(None), IvrWalk.outcome == WalkOutcome.QUEUED.value),
                Interaction.ended_at.is_(None),
                Interaction.agent_id.is_(None),
            ),
            # A queue callback keeps the caller's place.
            held_place(),
        ),
    )


def queue_view(
    uow: UnitOfWork,
    *,
    queue: QueueConfig,
    now: datetime,
    excluding_walk: int | None = None,
    behind: IvrWalk | None = None,
) -> QueueView:
    """The queue at `now` as a caller sees it: everyone waiting but `excluding_walk` (a caller
    joining), or only those who arrived before `behind` (a caller already waiting: the ones who
    came later are behind them)."""
    waiting = (
        select(func.count(), func.min(IvrWalk.queued_at))
        .join(Interaction, Interaction.id == IvrWalk.interaction_id)
        .where(IvrWalk.queue == queue.name, *_in_line(now))
    )
    if excluding_walk is not None:
        waiting = waiting.where(IvrWalk.id != excluding_walk)
    if behind is not None and behind.queued_at is not None:
        waiting = waiting.where(
            or_(
                IvrWalk.queued_at < behind.queued_at,
                and_(IvrWalk.queued_at == behind.queued_at, IvrWalk.id < behind.id),
            )
        )
    ahead, first_queued = uow.session.execute(waiting).one()
    serving = uow.session.execute(
        select(Agent.id, Agent.state)
        .join(AgentSkill, AgentSkill.agent_id == Agent.id)
        .where(
            Agent.active.is_(True),
            AgentSkill.skill == queue.skill,
            Agent.state.in_([state.value for state in SERVING]),
        )
    ).all()
    agent_ids = [agent_id for agent_id, _ in serving]
    talk = wrap = None
    if agent_ids:
        talk = _mean_spell(uow, agent_ids, AgentState.TALKING)
        wrap = _mean_spell(uow, agent_ids, AgentState.AFTER_CALL_WORK)
    history = line_history(uow, queues=[queue.name], now=now)[queue.name]
    return _view(now, ahead, first_queued, [state for _, state in serving], talk, wrap, history)


def _view(
    now: datetime,
    ahead: int | None,
    first_queued: datetime | None,
    states: list[str],
    talk: float | None,
    wrap: float | None,
    history: LineHistory,
) -> QueueView:
    """The queue as a caller joining at `now` sees it: the callers ahead and since when the
    first has waited, the serving agents' states, their mean Talking and After-Call Work
    spells (handle time is both), and the line's recent history."""
    return QueueView(
        ahead=int(ahead or 0),
        agents=len(states),
        mean_handle_seconds=talk + (wrap or 0.0) if states and talk is not None else None,
        abandon_rate=history.abandon_rate,
        last_entered_wait=history.last_entered_wait,
        head_wait=(now - first_queued).total_seconds() if ahead and first_queued else None,
        idle_agents=sum(1 for state in states if state == AgentState.READY.value),
    )


@dataclass(frozen=True)
class WaitLog:
    """What the log of answered callers says: the chooser that has seen them, and each queue's
    learned predictor fitted on them."""

    chooser: PredictorChooser
    learned: Mapping[str, LearnedPredictor]


def estimate_wait(view: QueueView, *, queue: str = "", log: WaitLog | None = None) -> WaitEstimate:
    """The wait told to a caller of `queue`, by the predictor the `log` picks for it (without
    one, or with no history, the default order: QL, then head of line)."""
    inputs = features(view)
    found = estimates_from(inputs, log.learned.get(queue) if log is not None else None)
    chosen = (log.chooser if log is not None else chooser_from_log(())).choose(queue, found)
    seconds = found.get(chosen) if chosen is not None else None
    if chosen is None or seconds is None:
        return WaitEstimate(view, None, None, announce_unknown(view), found, inputs)
    told = announce(seconds, floor_seconds=state_floor(view))
    return WaitEstimate(view, seconds, chosen, told, found, inputs)


def wait_in_line(
    uow: UnitOfWork,
    *,
    queue: QueueConfig,
    now: datetime,
    excluding_walk: int | None = None,
    behind: IvrWalk | None = None,
) -> WaitEstimate:
    """`estimate_wait` for a caller of `queue` at `now` (`queue_view`'s `excluding_walk` for one
    joining, `behind` for one already waiting), by the predictor the stored log picks."""
    view = queue_view(uow, queue=queue, now=now, excluding_walk=excluding_walk, behind=behind)
    return estimate_wait(view, queue=queue.name, log=stored_log(uow))


def stored_log(uow: UnitOfWork) -> WaitLog:
    """The last `HISTORY` answered callers' logged estimates and inputs, in one statement."""
    rows = uow.session.execute(
        select(
            IvrWalk.queue,
            IvrWalk.estimates,
            IvrWalk.waited_seconds,
            IvrWalk.predictor,
            IvrWalk.wait_inputs,
        )
        .where(
            IvrWalk.answered_at.is_not(None),
            IvrWalk.waited_seconds.is_not(None),
            IvrWalk.estimates.is_not(None),
        )
        .order_by(IvrWalk.answered_at.desc(), IvrWalk.id.desc())
        .limit(HISTORY)
    ).all()
    answered = [
        Answered(
            queue=name or "",
            estimates=parse_estimates(logged),
            waited_seconds=float(waited),
            chosen=Predictor(chosen) if chosen in set(Predictor) else None,
            inputs=parse_inputs(inputs),
        )
        for name, logged, waited, chosen, inputs in reversed(rows)
        if waited is not None and waited >= 0
    ]
    return WaitLog(chooser_from_log(answered, window=HISTORY), learned_from_log(answered))


def queue_views(
    uow: UnitOfWork, *, queues: Mapping[str, QueueConfig], now: datetime
) -> dict[str, QueueView]:
    """`queue_view` of a caller joining each of `queues` now, in four statements for them all
    (the leader's Queues page): the callers in line by queue, the agents serving by skill, the
    last `HANDLE_SAMPLE` Talking and After-Call Work spells of each skill's serving agents, and
    each queue's recent callers who left its line (`patience.line_history`)."""
    in_line = {
        queue: (count, first)
        for queue, count, first in uow.session.execute(
            select(IvrWalk.queue, func.count(), func.min(IvrWalk.queued_at))
            .join(Interaction, Interaction.id == IvrWalk.interaction_id)
            .where(IvrWalk.queue.in_(list(queues)), *_in_line(now))
            .group_by(IvrWalk.queue)
        ).all()
    }
    skills = sorted({queue.skill for queue in queues.values()})
    serving_now = (
        Agent.active.is_(True),
        Agent.state.in_([state.value for state in SERVING]),
        AgentSkill.skill.in_(skills),
    )
    serving: dict[str, list[str]] = {skill: [] for skill in skills}
    for skill, state in uow.session.execute(
        select(AgentSkill.skill, Agent.state)
        .join(AgentSkill, AgentSkill.agent_id == Agent.id)
        .where(*serving_now)
    ).all():
        serving[skill].append(state)
    spells = _recent_spells(uow, serving_now) if any(serving.values()) else {}
    histories = line_history(uow, queues=queues, now=now)
    views: dict[str, QueueView] = {}
    for name, queue in queues.items():
        ahead, first_queued = in_line.get(name, (0, None))
        states = serving[queue.skill]
        views[name] = _view(
            now,
            ahead,
            first_queued,
            states,
            spells.get((queue.skill, AgentState.TALKING.value)),
            spells.get((queue.skill, AgentState.AFTER_CALL_WORK.value)),
            histories.get(name, LineHistory()),
        )
    return views


def _recent_spells(
    uow: UnitOfWork, serving_now: tuple[ColumnElement[bool], ...]
) -> dict[tuple[str, str], float]:
    """(skill, state) -> the mean of the last `HANDLE_SAMPLE` finished spells in that state
    (Talking, After-Call Work) of the agents serving with that skill now, as `_mean_spell`
    reads them for one queue."""
    kept = (AgentState.TALKING.value, AgentState.AFTER_CALL_WORK.value)
    rank = func.row_number().over(
        partition_by=(AgentSkill.skill, AgentStateChange.from_state),
        order_by=AgentStateChange.at.desc(),
    )
    recent = (
        select(
            AgentSkill.skill,
            AgentStateChange.from_state,
            AgentStateChange.from_since,
            AgentStateChange.at,
            rank.label("rank"),
        )
        .join(AgentSkill, AgentSkill.agent_id == AgentStateChange.agent_id)
        .join(Agent, Agent.id == AgentStateChange.agent_id)
        .where(
            *serving_now,
            AgentStateChange.from_state.in_(kept),
            AgentStateChange.from_since.is_not(None),
        )
        .subquery()
    )
    lengths: dict[tuple[str, str], list[float]] = {}
    for skill, state, since, at in uow.session.execute(
        select(recent.c.skill, recent.c.from_state, recent.c.from_since, recent.c.at).where(
            recent.c.rank <= HANDLE_SAMPLE
        )
    ).all():
        lengths.setdefault((skill, state), []).append((at - since).total_seconds())
    return {key: fmean(values) for key, values in lengths.items()}
