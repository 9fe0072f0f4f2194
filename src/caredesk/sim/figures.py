"""What a twin run measures, and the figures it ends with.

Contacts count in the figures by their arrival: those arriving in the warm-up are left out, and
each counted contact falls in the interval it arrived in. Service level and abandonment follow
the written definition (`routing.service_level`): callbacks and overflows are not offered, and
short abandons are left out when the definition says so. ASA is the mean wait of answered
callers. Occupancy is agents' busy time (talking, dialling, after-call work) over their logged-in
time. Every estimate a caller heard is kept with the wait that followed, for every predictor
(callers who gave up have no wait to compare, and a callback is measured as a callback).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from caredesk.routing.service_level import (
    ContactOutcome,
    Outcome,
    ServiceLevelDefinition,
    ServiceLevelReport,
    measure,
)
from caredesk.routing.wait import Predictor
from caredesk.routing.wait_accuracy import AccuracyReport, AccuracyTracker, Estimate

CHOSEN = "chosen"
"""The accuracy row of what callers were told: each caller's estimate by the chosen predictor."""
_WHOLE_RUN = 100_000_000


@dataclass(frozen=True, slots=True)
class IntervalFigures:
    start: datetime
    arrivals: int
    report: ServiceLevelReport
    asa: float | None
    p_wait: float | None
    staffed: float
    """Agents logged in, on average over the interval."""
    occupancy: float | None
    chosen_rase: float | None


@dataclass(frozen=True, slots=True)
class PredictorFigures:
    name: str
    report: AccuracyReport
    """Over every caller it had an estimate for."""
    common: AccuracyReport
    """Over the callers every predictor had an estimate for (the like-for-like comparison:
    the learned predictor has none until a queue has logged enough waits)."""
    chosen: int
    """How many callers heard this predictor's estimate."""


@dataclass(frozen=True, slots=True)
class CallbackFigures:
    requested: int
    dials: int
    connected: int
    voicemail: int
    refused: int
    pending: int
    """Still owed when the run ended (waiting for a window, or in line)."""
    waits: tuple[tuple[str, int], ...]
    """(rule IDs, times) a callback's turn came and the gate said wait."""
    notices: int
    connected_after_wait: int
    """Callbacks connected after the gate once made them wait."""
    mean_to_connect: float | None
    """Seconds from the caller's arrival to the callback connecting."""
    to_agent: int = 0
    """Customer-first: answered customers an agent then took."""
    waited_for_agent: int = 0
    """Customer-first: of those, the ones who found no agent free and waited on the line."""
    mean_wait_for_agent: float | None = None
    """Customer-first: seconds on the line from answering to an agent, over `to_agent`."""


@dataclass(frozen=True, slots=True)
class TwinFigures:
    scenario: str
    seed: int
    engine: str
    definition: ServiceLevelDefinition
    report: ServiceLevelReport
    asa: float | None
    """Mean wait of answered callers, those answered at once included."""
    p_wait: float | None
    """Share of callers (answered or gone) who could not be answered at once."""
    occupancy: float | None
    queues: tuple[tuple[str, ServiceLevelReport, float | None], ...]
    predictors: tuple[PredictorFigures, ...]
    callbacks: CallbackFigures
    intervals: tuple[IntervalFigures, ...]
    contacts: int
    unserved: int
    """Callers still in line when the run ended (not counted as offered)."""
    after_hours: int
    overflows: tuple[tuple[str, int], ...]
    events: int
    decisions: int
    policy_evaluations: int
    simulated_seconds: float
    days_before: int = 0
    """Days of the same scenario run before this one, whose history its queues started from
    (`base.History`); 0: from nothing."""

    def predictor(self, name: str) -> PredictorFigures:
        for item in self.predictors:
            if item.name == name:
                return item
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class Gathered:
    report: ServiceLevelReport
    asa: float | None
    p_wait: float | None
    occupancy: float | None
    queues: tuple[tuple[str, ServiceLevelReport, float | None], ...]
    predictors: tuple[PredictorFigures, ...]
    intervals: tuple[IntervalFigures, ...]
    mean_to_connect: float | None


class _Bin:
    __slots__ = (
        "arrivals",
        "busy",
        "outcomes",
        "predicted",
        "reached",
        "squared",
        "staffed",
        "sum_actual",
        "waited",
        "waits",
    )

    def __init__(self) -> None:
        self.arrivals = 0
        self.outcomes: list[ContactOutcome] = []
        self.waits: list[float] = []
        self.staffed = 0.0
        self.busy = 0.0
        self.predicted = 0
        self.reached = 0
        self.waited = 0
        self.squared = 0.0
        self.sum_actual = 0.0


class Recorder:
    """Collects a run's outcomes, estimates and agent time, by interval."""

    def __init__(self, start: datetime, interval_us: int, first_counted: int, end_counted: int):
        self.start = start
        self.interval_us = interval_us
        self.first_counted = first_counted
        self.end_counted = end_counted
        self._bins: list[_Bin] = []
        self._by_queue: dict[str, list[ContactOutcome]] = {}
        self._queue_waits: dict[str, list[float]] = {}
        self._trackers = {name: AccuracyTracker(_WHOLE_RUN) for name in (*Predictor, CHOSEN)}
        self._common = {name: AccuracyTracker(_WHOLE_RUN) for name in (*Predictor, CHOSEN)}
        self._chosen: Counter[str] = Counter()
        self._staffed = 0
        self._busy = 0
        self._last = 0
        self.callbacks: Counter[str] = Counter()
        self.waits: Counter[str] = Counter()
        self.overflows: Counter[str] = Counter()
        self._to_connect: list[float] = []
        self._reached = 0
        self._waited = 0

    def _bin(self, instant: int) -> _Bin:
        index = instant // self.interval_us
        bins = self._bins
        while len(bins) <= index:
            bins.append(_Bin())
        return bins[index]

    def counted(self, arrival: int) -> bool:
        return self.first_counted <= arrival < self.end_counted

    def arrival(self, arrival: int) -> None:
        self._bin(arrival).arrivals += 1

    def outcome(self, arrival: int, queue: str, outcome: Outcome, waited: float) -> None:
        item = ContactOutcome(outcome, waited)
        found = self._bin(arrival)
        found.outcomes.append(item)
        if outcome is Outcome.ANSWERED:
            found.waits.append(waited)
        if outcome is Outcome.ANSWERED or outcome is Outcome.ABANDONED:
            found.reached += 1
            found.waited += waited > 0
        if self.counted(arrival):
            self._by_queue.setdefault(queue, []).append(item)
            if outcome is Outcome.ANSWERED:
                self._queue_waits.setdefault(queue, []).append(waited)
            if outcome is Outcome.ANSWERED or outcome is Outcome.ABANDONED:
                self._reached += 1
                self._waited += waited > 0

    def prediction(self, arrival: int, estimate: Estimate, actual: float) -> None:
        if estimate.seconds is not None:
            found = self._bin(arrival)
            found.predicted += 1
            found.squared += (estimate.seconds - actual) ** 2
            found.sum_actual += actual
        if not self.counted(arrival):
            return
        trackers = self._trackers
        every = True
        for name, value in estimate.all.items():
            if value is not None:
                trackers[name].record(value, actual)
            else:
                every = False
        if estimate.chosen is not None and estimate.seconds is not None:
            trackers[CHOSEN].record(estimate.seconds, actual)
            self._chosen[estimate.chosen] += 1
            if every:
                common = self._common
                for name, value in estimate.all.items():
                    assert value is not None
                    common[name].record(value, actual)
                common[CHOSEN].record(estimate.seconds, actual)

    def connected(self, arrival: int, seconds: float) -> None:
        self.callbacks["connected"] += 1
        self._to_connect.append(seconds)

    def agents(self, now: int, staffed: int = 0, busy: int = 0) -> None:
        """Agent time up to `now`, then a change in how many are logged in and busy."""
        last = self._last
        while last < now:
            found = self._bin(last)
            edge = min(now, (last // self.interval_us + 1) * self.interval_us)
            found.staffed += self._staffed * (edge - last)
            found.busy += self._busy * (edge - last)
            last = edge
        self._last = max(self._last, now)
        self._staffed += staffed
        self._busy += busy

    def finish(self, end: int, definition: ServiceLevelDefinition) -> Gathered:
        """The figures gathered (the twin adds the counts it keeps itself)."""
        self.agents(end)
        intervals = []
        counted: list[ContactOutcome] = []
        waits: list[float] = []
        busy = staffed = 0.0
        for index, found in enumerate(self._bins):
            begin = index * self.interval_us
            if self.first_counted <= begin < self.end_counted:
                counted += found.outcomes
                waits += found.waits
                busy += found.busy
                staffed += found.staffed
            intervals.append(
                IntervalFigures(
                    start=self.start + timedelta(microseconds=begin),
                    arrivals=found.arrivals,
                    report=measure(found.outcomes, definition),
                    asa=sum(found.waits) / len(found.waits) if found.waits else None,
                    p_wait=found.waited / found.reached if found.reached else None,
                    staffed=found.staffed / self.interval_us,
                    occupancy=found.busy / found.staffed if found.staffed else None,
                    chosen_rase=found.squared * found.predicted / found.sum_actual**2
                    if found.sum_actual > 0
                    else None,
                )
            )
        queues = tuple(
            (
                queue,
                measure(items, definition),
                _mean(self._queue_waits.get(queue, [])),
            )
            for queue, items in sorted(self._by_queue.items())
        )
        predictors = tuple(
            PredictorFigures(
                str(name),
                tracker.report(),
                self._common[name].report(),
                self._chosen.get(str(name), 0),
            )
            for name, tracker in self._trackers.items()
            if tracker.count or name == CHOSEN
        )
        return Gathered(
            report=measure(counted, definition),
            asa=_mean(waits),
            p_wait=self._waited / self._reached if self._reached else None,
            occupancy=busy / staffed if staffed else None,
            queues=queues,
            predictors=predictors,
            intervals=tuple(intervals),
            mean_to_connect=_mean(self._to_connect),
        )


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None
