"""The twin's core: its state, its clock, routing decisions carried out, agents at work.

`TwinCore` holds what every part of a run shares (the routing engine, the scheduler, the
contacts and agents, the queues' logs, the recorder) and does what follows a routing decision:
an offer made to an agent becomes a call (or, for a queue callback, a dial that `CallbackFlow`
puts through the policy gate), a waited-over overflow rule is carried out, agents finish calls,
log on and off. `Twin` adds the arrivals and the run itself.

A queue in operation does not start its day from nothing: the product reads every predictor's
record, the learned model's fit and the give-up rate from its log whatever the hour. A run may
start from the `History` an earlier run of the same scenario left (`history()`), as that
scenario's next day: the chooser with every queue's record, learned model and last predictor
told, and each queue's log (handle time, give-up rate, last wait; nobody in line).
"""

from __future__ import annotations

import copy
import itertools
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from caredesk.policy.config import PolicyConfig
from caredesk.policy.engine import DEFAULT_CONFIG
from caredesk.policy.vocabulary import AgentState
from caredesk.routing.config_queues import OverflowActionKind, OverflowCondition
from caredesk.routing.model import Assignment, Overflow, WaitingContact, micros
from caredesk.routing.service_level import Outcome
from caredesk.routing.state import RoutingState
from caredesk.routing.wait_accuracy import PredictorChooser
from caredesk.sim.dial_gate import DialGate
from caredesk.sim.events import ENGINES, Scheduler
from caredesk.sim.figures import Recorder
from caredesk.sim.model import SimAgent, SimContact, level_factor
from caredesk.sim.queue_log import QueueLog
from caredesk.sim.scenario import Scenario

SECOND = 1_000_000
_TALKING = AgentState.TALKING
_READY = AgentState.READY
_OFFLINE = AgentState.OFFLINE
_ACW = AgentState.AFTER_CALL_WORK
_QUEUE = OverflowActionKind.QUEUE
_CALLBACK = OverflowActionKind.CALLBACK


def us(seconds: float) -> int:
    return round(seconds * SECOND)


@dataclass(frozen=True, slots=True)
class History:
    """What a run leaves the queues for their next day (see the module's docstring)."""

    chooser: PredictorChooser
    """Every queue's predictor record, learned model and last predictor told, as they ended."""
    logs: Mapping[str, QueueLog]
    days: int
    """The days run to build it (each started from the one before)."""


class TwinCore:
    def __init__(
        self,
        scenario: Scenario,
        *,
        seed: int | None = None,
        engine: str = "heap",
        policy: PolicyConfig = DEFAULT_CONFIG,
        journal: bool = False,
        history: History | None = None,
        day: int = 0,
    ) -> None:
        """`day`: which day of the seed this is, 0 the one measured; an earlier one (-1 the day
        before) draws from its own streams, so a day run after it draws exactly what it draws
        run alone, and only what the queues carried over differs."""
        self.scenario = scenario
        self.journal: list[tuple[int, str, str]] | None = [] if journal else None
        """With `journal`: (instant, what, contact id) for every step of every contact."""
        self.seed = scenario.seed if seed is None else seed
        self.engine = engine
        self.sched: Scheduler = ENGINES[engine]()
        self.start: datetime = scenario.start
        self._at_instant = 0
        self._at_moment = scenario.start
        self._start_us = micros(scenario.start)
        queues = scenario.routing.queues
        self.queues = queues
        self.state = RoutingState(queues)
        settings = scenario.predictors
        self.days_before = 0 if history is None else history.days
        # A copy: the same history may start several runs, and the run that left it is done.
        self.chooser = (
            PredictorChooser(
                window=settings.window,
                min_samples=settings.min_samples,
                forgetting=settings.forgetting,
                predictors=settings.use,
            )
            if history is None
            else copy.deepcopy(history.chooser)
        )
        self.gate = DialGate(policy, scenario.callbacks.line_of_business)
        self.recorder = Recorder(
            scenario.start,
            scenario.interval_minutes * 60 * SECOND,
            us(scenario.warmup_hours * 3600),
            us(scenario.hours * 3600),
        )
        streams = ("arrivals", "traffic", "patience", "handle", "offers", "callbacks")
        prefix = f"{self.seed}:" if day == 0 else f"{self.seed}:day{day}:"
        self.rng = {name: random.Random(f"{prefix}{name}") for name in streams}
        self.contacts: dict[str, SimContact] = {}
        self.agents: dict[str, SimAgent] = {}
        self.tokens: dict[str, int] = {}
        """Contacts in line now, with the token of their place in their queue's log."""
        self._token = itertools.count(1)
        self.wrap_up = {name: us(queue.wrap_up_seconds) for name, queue in queues.items()}
        """Each queue's After-Call Work after a call, in microseconds (`wrap_up_seconds`)."""
        carried = {} if history is None else history.logs
        self.logs = {
            name: carried[name].next_day()
            if name in carried
            else QueueLog(self._forecast_handle(name))
            for name in queues
        }
        self._waited_over = {
            name: tuple(
                (f"{name}.{rule.name}", us(rule.limit))
                for rule in queue.overflow
                if rule.condition is OverflowCondition.WAITED_OVER
            )
            for name, queue in queues.items()
        }
        self.ready = 0
        """Agents Ready now."""
        self._wakes: set[int] = set()
        """Instants a routing timer is due at and a wake-up is scheduled for."""
        self._changed = False
        self._number = itertools.count(1)
        self.decisions = 0
        self.after_hours = 0
        self.busy = 0
        """Agents busy now (talking, dialling, after-call work)."""
        self.owed = 0
        """Queue callbacks not closed yet."""
        self._traffic_weights = list(itertools.accumulate(item.share for item in scenario.traffic))
        self._customer_weights = list(
            itertools.accumulate(item.share for item in scenario.callbacks.customers)
        )
        self._end_arrivals = us(scenario.hours * 3600)

    def history(self) -> History:
        """What this run leaves the queues for their next day (run it to its end first)."""
        return History(self.chooser, dict(self.logs), self.days_before + 1)

    def _forecast_handle(self, queue: str) -> float:
        """The handle time the queue's estimates start from: talk and wrap-up, as the stored
        path's mean handle time (a Talking spell plus an After-Call Work spell) and Erlang's
        AHT count it."""
        scales = [item.handle_scale for item in self.scenario.traffic if item.queue == queue]
        talk = self.scenario.handle.mean_seconds * (scales[0] if scales else 1.0)
        return talk + self.queues[queue].wrap_up_seconds

    def at(self, instant: int) -> datetime:
        """The moment `instant` microseconds after the day started (the last one is kept:
        several parts of one event ask for the same)."""
        if instant != self._at_instant:
            self._at_instant = instant
            self._at_moment = self.start + timedelta(microseconds=instant)
        return self._at_moment

    def note(self, now: int, what: str, contact: SimContact) -> None:
        if self.journal is not None:
            self.journal.append((now, what, contact.id))

    def instant(self, moment: datetime) -> int:
        return micros(moment) - self._start_us

    def route(self, now: int) -> None:
        """Ask the routing engine what to do now, and do it, until nothing changes."""
        when = self.at(now)
        state = self.state
        while True:
            self._changed = False
            result = state.route(when)
            self.decisions += 1
            for assignment in result.assignments:
                self._assigned(assignment, now)
            for overflow in result.overflows:
                self._overflowed(overflow, now)
            if not self._changed:
                break
        following = state.next_change_at()
        if following is not None:
            wake = max(now + 1, self.instant(following))
            if wake not in self._wakes:
                self._wakes.add(wake)
                self.sched.at(wake, self._woken, wake)

    def _woken(self, wake: int) -> None:
        self._wakes.discard(wake)
        if self.ready:
            self.route(wake)
        # Else no decision can differ: nobody is Ready to take a contact whose skill step just
        # relaxed or whose secondary delay passed, and the engine takes those timers into
        # account at the next decision anyway (when an agent turns Ready). Waited-over
        # overflow rules, which act without an agent, have their own wake-up (`join`).

    def _overflow_due(self, _: object) -> None:
        self.route(self.sched.now)

    def make_ready(self, agent: SimAgent, idle_since: datetime) -> None:
        """The agent is Ready, idle since `idle_since` (its place among idle agents)."""
        agent.idle_since = idle_since
        self.ready += 1
        self.state.set_state(agent.id, _READY, idle_since=idle_since)

    def join(self, contact: SimContact, queue: str, skill: str | None) -> None:
        """Into line at the contact's place (its arrival), in `queue`."""
        self.state.add_contact(
            WaitingContact(
                contact.id,
                queue,
                contact.arrived_at,
                contact.priority,
                skill,
                contact.overflowed,
            )
        )
        contact.queue = queue
        for rule, limit in self._waited_over[queue]:
            if rule not in contact.overflowed:
                self.sched.at(max(self.sched.now, contact.arrival + limit), self._overflow_due)
        token = self.new_token()
        self.tokens[contact.id] = token
        if contact.callback is None:
            # The head of line HOL reads is the longest-waiting caller on the line: a callback
            # keeps its place but its "wait" since arrival is no caller's.
            self.logs[queue].joined(contact.arrival, contact.id, token)
        self._changed = True

    def new_token(self) -> int:
        return next(self._token)

    def _move(self, contact: SimContact, queue: str) -> None:
        self.note(self.sched.now, f"moved to {queue}", contact)
        self.state.remove_contact(contact.id)
        self.join(contact, queue, None)

    def _leave(self, contact: SimContact, outcome: Outcome, now: int) -> None:
        self.note(now, str(outcome), contact)
        self.state.remove_contact(contact.id)
        del self.tokens[contact.id]
        contact.closed = True
        self.recorder.outcome(
            contact.arrival, contact.queue, outcome, (now - contact.arrival) / SECOND
        )

    def _offer(self, contact: SimContact, now: int) -> bool:
        """Offer "call me back, keep my place" (once); True when the caller takes it."""
        if contact.offered or contact.callback is not None:
            return False
        contact.offered = True
        if self.rng["offers"].random() < self.scenario.callbacks.accept:
            self.to_callback(contact, now)
            return True
        return False

    def _overflowed(self, overflow: Overflow, now: int) -> None:
        contact = self.contacts[overflow.contact_id]
        contact.overflowed = contact.overflowed | {f"{overflow.queue}.{overflow.rule}"}
        self.recorder.overflows[f"{overflow.queue}.{overflow.rule}"] += 1
        if overflow.action is _QUEUE:
            assert overflow.target_queue is not None
            self._move(contact, overflow.target_queue)
        elif contact.callback is not None:
            return  # owed a call: it keeps its place whatever the rule says to callers
        elif overflow.action is _CALLBACK:
            self._offer(contact, now)
        else:
            self._leave(contact, Outcome.OVERFLOWED, now)

    def _assigned(self, assignment: Assignment, now: int) -> None:
        contact = self.contacts[assignment.contact_id]
        agent = self.agents[assignment.agent_id]
        self.ready -= 1  # reserved for this contact
        del self.tokens[contact.id]
        if contact.callback is not None:
            self.dial(contact, agent, now)
            return
        waited = (now - contact.arrival) / SECOND
        self.logs[assignment.queue].entered_service(waited)
        if contact.estimate is not None:
            self.chooser.observe(contact.estimate, waited)
            self.recorder.prediction(contact.arrival, contact.estimate, waited)
        contact.closed = True
        self.note(now, "answered", contact)
        self.recorder.outcome(contact.arrival, contact.queue, Outcome.ANSWERED, waited)
        self.engage(agent, now)
        self.talk(agent, contact, now)

    def engage(self, agent: SimAgent, now: int) -> None:
        """The agent starts work (a call, a dial): busy until `free`."""
        agent.busy = True
        self.busy += 1
        self.recorder.agents(now, busy=1)

    def talk(self, agent: SimAgent, contact: SimContact, now: int) -> None:
        """The agent (counted busy already) handles the contact."""
        seconds = contact.handle
        per_level = self.scenario.per_level
        if per_level and not contact.scripted:
            skill = contact.skill or self.queues[contact.queue].skill
            seconds *= level_factor(per_level, agent.skills.get(skill, 0))
        self.state.set_state(agent.id, _TALKING)
        agent.contact = contact
        agent.queue = contact.queue
        agent.started = now
        self.sched.at(now + max(1, us(seconds)), self._hung_up, agent)

    def _hung_up(self, agent: SimAgent) -> None:
        """The call ends; the agent stays in After-Call Work for the queue's `wrap_up_seconds`
        (busy all along: occupancy counts it, as handle time does), then is Ready again."""
        now = self.sched.now
        wrap = self.wrap_up[agent.queue]
        self.logs[agent.queue].handled((now - agent.started + wrap) / SECOND)
        agent.contact = None
        if wrap > 0:
            self.state.set_state(agent.id, _ACW)
            self.sched.at(now + wrap, self.free, agent)
        else:
            self.free(agent)

    def free(self, agent: SimAgent) -> None:
        """The agent's work is done: Ready again, or logged off at the end of the shift."""
        now = self.sched.now
        agent.contact = None
        agent.busy = False
        self.busy -= 1
        self.recorder.agents(now, busy=-1)
        if agent.leaving:
            self._offline(agent)
            return
        self.make_ready(agent, self.at(now))
        self._route_for(agent, now)

    def _route_for(self, agent: SimAgent, now: int) -> None:
        """Route now that `agent` is Ready, unless nobody waits in any queue it serves: then
        no decision can differ, and the engine counts the agent in at its next decision."""
        waiting = self.state.waiting
        if any(waiting(queue) for queue in agent.queues):
            self.route(now)

    def _log_on(self, agent: SimAgent) -> None:
        now = self.sched.now
        agent.logged_in = True
        agent.leaving = False
        self.recorder.agents(now, staffed=1)
        self.make_ready(agent, self.at(now))
        self.route(now)

    def _log_off(self, agent: SimAgent) -> None:
        if not agent.logged_in:
            return
        if agent.busy:
            agent.leaving = True  # at the end of the call in hand
            return
        self.ready -= 1
        self._offline(agent)

    def _offline(self, agent: SimAgent) -> None:
        agent.logged_in = False
        agent.leaving = False
        self.recorder.agents(self.sched.now, staffed=-1)
        self.state.set_state(agent.id, _OFFLINE)

    # What the callback flow does (see `callback_flow`).

    def to_callback(self, contact: SimContact, now: int) -> None:
        """The caller takes "call me back, keep my place"."""
        raise NotImplementedError

    def dial(self, contact: SimContact, agent: SimAgent, now: int) -> None:
        """A queue callback's turn: `agent` is reserved for it."""
        raise NotImplementedError
