"""The digital twin: a day of contacts run through the real routing and callback code.

A discrete-event simulation (`events`) of a scenario's day: time-varying Poisson arrivals,
patience and handle times, multi-skill agents with levels and shifts. Every routing decision is
made by the real engine (`routing.state.RoutingState`, the incremental form of `decide`), every
estimate a caller hears comes from the real predictors through the real chooser
(`routing.wait_accuracy.PredictorChooser`), entry overflow rules and the callback offer are the
real `routing.overflow` rules, and waited-over rules fire from the engine's own timers. A caller
who takes "call me back, keep my place" stays in line at its original arrival; at its turn the
dial goes through the real outbound policy (`dial_gate`), with an agent reserved first or the
customer dialled first as the queue's `callback_mode` says (`callback_flow`), so a callback the
window refuses leaves the line and rejoins it, at the same place, when it opens. After each call
the agent is in After-Call Work for the queue's `wrap_up_seconds`, as on the stored path.

Time is whole microseconds since the day started (routing's own unit), so "has waited at least
T" is exact. A run is deterministic for its seed: one random stream per purpose.

`after_days` runs a day after earlier days of the same scenario (their own random streams), the
queues carrying over what they learned, as a queue in operation does (`base.History`).
"""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

from caredesk.policy.config import PolicyConfig
from caredesk.policy.context import Shift
from caredesk.policy.engine import DEFAULT_CONFIG
from caredesk.policy.vocabulary import AgentState
from caredesk.routing.config_queues import OverflowActionKind
from caredesk.routing.model import RoutingAgent
from caredesk.routing.overflow import EntryFacts, entry_overflow, offers_callback
from caredesk.routing.service_level import Outcome
from caredesk.sim.base import SECOND, History, us
from caredesk.sim.callback_flow import CallbackFlow
from caredesk.sim.figures import CallbackFigures, TwinFigures
from caredesk.sim.model import SimAgent, SimContact
from caredesk.sim.scenario import Scenario

_OFFLINE = AgentState.OFFLINE
_QUEUE = OverflowActionKind.QUEUE
_CALLBACK = OverflowActionKind.CALLBACK

Progress = Callable[[float, int], None]
"""Told the share of the run done and the events so far."""


class Twin(CallbackFlow):
    def _set_up(self) -> None:
        scenario = self.scenario
        for group in scenario.agents:
            shift = None
            if group.shift_to_hours is not None:
                shift = Shift(
                    self.at(us(group.shift_from_hours * 3600)),
                    self.at(us(group.shift_to_hours * 3600)),
                )
            for index in range(group.count):
                agent = SimAgent(
                    f"{group.name}-{index + 1:04d}",
                    dict(group.skills),
                    group.primary,
                    group.secondary,
                    shift,
                    tuple(sorted(group.primary | group.secondary)),
                )
                self.agents[agent.id] = agent
                self.state.add_agent(
                    RoutingAgent(
                        agent.id,
                        _OFFLINE,
                        MappingProxyType(agent.skills),
                        agent.primary,
                        agent.secondary,
                    )
                )
                self.sched.at(us(group.shift_from_hours * 3600), self._log_on, agent)
                if group.shift_to_hours is not None:
                    self.sched.at(us(group.shift_to_hours * 3600), self._log_off, agent)
        if scenario.arrivals is not None:
            self._next_arrival(0.0)
        for number, item in enumerate(scenario.script, 1):
            contact = SimContact(
                id=f"s{number}",
                queue=item.queue,
                arrival=us(item.at_seconds),
                arrived_at=self.at(us(item.at_seconds)),
                priority=item.priority,
                skill=None,
                patience=float("inf") if item.patience_seconds is None else item.patience_seconds,
                handle=item.handle_seconds,
                number=item.number,
                asks_callback=item.asks_callback,
                scripted=True,
            )
            self.sched.at(contact.arrival, self._arrive, contact)

    def run(self, progress: Progress | None = None, steps: int = 200) -> TwinFigures:
        self._set_up()
        scenario = self.scenario
        end = us((scenario.hours + scenario.drain_hours) * 3600)
        arrivals_end = max(
            self._end_arrivals, max((us(s.at_seconds) + 1 for s in scenario.script), default=0)
        )
        step = max(1, end // steps)
        until = 0
        while until < end:
            until = min(end, until + step)
            self.sched.run(until)
            if progress is not None:
                progress(until / end, self.sched.events)
            if until >= arrivals_end and self._quiet():
                break
        return self._figures(self.sched.now)

    def _quiet(self) -> bool:
        """Nothing left to do: nobody in line, busy or owed a callback."""
        return not self.tokens and not self.busy and not self.owed

    def _next_arrival(self, after: float) -> None:
        profile = self.scenario.arrivals
        assert profile is not None
        seconds = profile.next_arrival(self.rng["arrivals"], after)
        if seconds * SECOND < self._end_arrivals:
            self.sched.at(us(seconds), self._generated, seconds)

    def _generated(self, seconds: float) -> None:
        scenario = self.scenario
        rng = self.rng["traffic"]
        traffic = scenario.traffic[0]
        if len(scenario.traffic) > 1:
            traffic = rng.choices(scenario.traffic, cum_weights=self._traffic_weights)[0]
        customers = scenario.callbacks.customers
        customer = customers[0]
        if len(customers) > 1:
            customer = rng.choices(customers, cum_weights=self._customer_weights)[0]
        now = self.sched.now
        contact = SimContact(
            id=f"c{next(self._number)}",
            queue=traffic.queue,
            arrival=now,
            arrived_at=self.at(now),
            priority=traffic.priority,
            skill=traffic.skill,
            patience=scenario.patience.draw(self.rng["patience"]),
            handle=scenario.handle.draw(self.rng["handle"], traffic.handle_scale),
            number=customer.number,
        )
        self._next_arrival(seconds)
        self._arrive(contact)

    def _arrive(self, contact: SimContact) -> None:
        now = self.sched.now
        self.note(now, "arrived", contact)
        self.contacts[contact.id] = contact
        self.recorder.arrival(contact.arrival)
        if not self.queues[contact.queue].hours.is_open(contact.arrived_at):
            self.after_hours += 1
            contact.closed = True
            self.recorder.outcome(contact.arrival, contact.queue, Outcome.OVERFLOWED, 0.0)
            return
        self.join(contact, contact.queue, contact.skill)
        self.route(now)
        if contact.id not in self.tokens:
            return
        if contact.asks_callback:
            self.to_callback(contact, now)
            return
        self._changed = False
        self._entry(contact, now)
        if self._changed:  # an entry rule moved it to another queue
            self.route(now)

    def _estimate(self, contact: SimContact, now: int) -> None:
        queue = contact.queue
        state = self.state
        log = self.logs[queue]
        if contact.priority == 0 and contact.arrival == now:
            ahead = state.waiting(queue) - 1  # everyone in line came before it
        else:
            ahead = state.ahead(contact.id)
        head = log.head_arrival(self.tokens)
        head_wait = None if head is None else (now - head) / SECOND
        view = log.view(ahead, state.staffed(queue), head_wait)
        contact.estimate = self.chooser.estimate(queue, view)

    def _entry(self, contact: SimContact, now: int) -> None:
        """A caller in line: the estimate, the entry overflow rules, the callback offer."""
        self._estimate(contact, now)
        assert contact.estimate is not None
        queue = self.queues[contact.queue]
        facts = EntryFacts(
            self.state.waiting(queue.name) - 1,
            self.state.staffed(queue.name),
            contact.estimate.seconds,
        )
        rule = entry_overflow(queue, facts, contact.arrived_at)
        if rule is not None:
            self.recorder.overflows[f"{queue.name}.{rule.name}"] += 1
            if rule.action is _QUEUE:
                assert rule.queue is not None
                self._move(contact, rule.queue)
                self._estimate(contact, now)
                queue = self.queues[contact.queue]
            elif rule.action is _CALLBACK:
                if self._offer(contact, now):
                    return
            else:
                self._leave(contact, Outcome.OVERFLOWED, now)
                return
        estimate = contact.estimate
        ask = self.scenario.callbacks.ask
        seconds = estimate.seconds if estimate else None
        # The queue the caller is in now: an overflow rule may have moved them since `facts`.
        if offers_callback(queue, seconds, staffed=self.state.staffed(queue.name)):
            if self._offer(contact, now):
                return
        elif ask and self.rng["offers"].random() < ask:
            self.to_callback(contact, now)
            return
        if contact.patience != float("inf"):
            self.sched.at(max(now, contact.arrival + us(contact.patience)), self._give_up, contact)

    def _give_up(self, contact: SimContact) -> None:
        if contact.callback is not None or contact.id not in self.tokens:
            return
        now = self.sched.now
        self.logs[contact.queue].abandoned((now - contact.arrival) / SECOND)
        self._leave(contact, Outcome.ABANDONED, now)

    def _figures(self, end: int) -> TwinFigures:
        scenario = self.scenario
        recorder = self.recorder
        gathered = recorder.finish(end, scenario.service_level)
        callbacks = recorder.callbacks
        taken = callbacks["answered_for_agent"]
        return TwinFigures(
            scenario=scenario.name,
            seed=self.seed,
            engine=self.engine,
            definition=scenario.service_level,
            report=gathered.report,
            asa=gathered.asa,
            p_wait=gathered.p_wait,
            occupancy=gathered.occupancy,
            queues=gathered.queues,
            predictors=gathered.predictors,
            intervals=gathered.intervals,
            callbacks=CallbackFigures(
                requested=callbacks["requested"],
                dials=callbacks["dials"],
                connected=callbacks["connected"],
                voicemail=callbacks["voicemail"],
                refused=callbacks["refused"],
                pending=self.owed,
                waits=tuple(sorted(recorder.waits.items())),
                notices=callbacks["notices"],
                connected_after_wait=callbacks["connected_after_wait"],
                mean_to_connect=gathered.mean_to_connect,
                to_agent=taken,
                waited_for_agent=callbacks["answered_waited"],
                mean_wait_for_agent=callbacks["agent_wait_us"] / taken / SECOND if taken else None,
            ),
            contacts=len(self.contacts),
            unserved=sum(1 for cid in self.tokens if self.contacts[cid].callback is None),
            after_hours=self.after_hours,
            overflows=tuple(sorted(recorder.overflows.items())),
            events=self.sched.events,
            decisions=self.decisions,
            policy_evaluations=self.gate.evaluations,
            simulated_seconds=end / SECOND,
            days_before=self.days_before,
        )


def after_days(
    scenario: Scenario,
    days_before: int,
    *,
    seed: int | None = None,
    engine: str = "heap",
    policy: PolicyConfig = DEFAULT_CONFIG,
) -> TwinFigures:
    """The figures of the day of `seed` run after `days_before` days of the same scenario, each
    starting from the history the one before left (0: the day alone, from nothing). Only the
    last day is measured; the days before draw from their own streams."""
    if days_before < 0:
        raise ValueError("days_before must be >= 0")
    history: History | None = None
    for day in range(-days_before, 0):
        twin = Twin(scenario, seed=seed, engine=engine, policy=policy, history=history, day=day)
        twin.run()
        history = twin.history()
    return Twin(scenario, seed=seed, engine=engine, policy=policy, history=history).run()
