"""A day's staffing plan: for each interval of a forecast, the fewest agents meeting the service
level (and any occupancy cap, abandonment or ASA ceiling), the figures they give, the staff to
schedule once shrinkage is counted, and the day's totals.

Every input is checked here, once, for the command line and the API alike: a `PlanError` names
the field (and, for a forecast interval, its index and column) and says what would be accepted.
The limits keep one plan to a second or so of arithmetic: Erlang A's cost grows with the load
times the callers' patience over the handle time, so that product is budgeted for the day.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import NoReturn

from caredesk.errors import ValidationFailed
from caredesk.routing.service_level import ServiceLevelDefinition
from caredesk.routing.staffing import ServiceTarget, Workload, staffing_plan

MIN_INTERVAL_SECONDS = 5 * 60
MAX_INTERVAL_SECONDS = 24 * 3600
DAY_SECONDS = 24 * 3600
MAX_INTERVALS = DAY_SECONDS // MIN_INTERVAL_SECONDS
MAX_CALLS = 100_000
MAX_HANDLE_SECONDS = 4 * 3600
MAX_LOAD = 10_000
"""Erlangs in one interval: a very large contact centre's busiest half hour, and then some."""
MAX_PATIENCE_SECONDS = 3600
MAX_ANSWER_SECONDS = 3600
MIN_MAX_ASA_SECONDS = 1
MIN_MAX_ABANDON = 0.001
MAX_SHRINKAGE = 0.9
MAX_DAY_LOAD = 500_000
"""The intervals' loads added up, in Erlangs: a plan's arithmetic grows with it."""
MAX_ERLANG_A_WORK = 50_000
"""The day's sum of load x patience / handle time (at least the load) Erlang A may take."""


class Model(StrEnum):
    ERLANG_C = "erlang-c"
    """M/M/n: every caller waits as long as it takes."""
    ERLANG_A = "erlang-a"
    """M/M/n+M: callers give up after an exponential patience with the given mean."""


class PlanError(ValidationFailed):
    """An input the plan cannot take. `index` and `column` locate a forecast interval's value."""

    def __init__(
        self, detail: str, *, field: str, index: int | None = None, column: str | None = None
    ) -> None:
        super().__init__(detail, field=field)
        self.index = index
        self.column = column


@dataclass(frozen=True, slots=True)
class ForecastInterval:
    start: str
    """As the forecast writes it: a time of day (08:00) or an instant with its UTC offset."""
    calls: float
    handle_seconds: float


@dataclass(frozen=True, slots=True)
class PlanRequest:
    intervals: tuple[ForecastInterval, ...]
    interval_seconds: float
    definition: ServiceLevelDefinition
    model: Model = Model.ERLANG_C
    patience_seconds: float | None = None
    max_occupancy: float | None = None
    max_abandon: float | None = None
    max_asa_seconds: float | None = None
    shrinkage: float = 0.0


@dataclass(frozen=True, slots=True)
class IntervalPlan:
    """One interval's answer; the figures are None for an interval with no calls."""

    start: str
    calls: float
    handle_seconds: float
    load: float
    agents: int
    agents_for_service_level: int
    staff: int
    limited_by: str | None
    p_wait: float | None
    service_level: float | None
    asa_seconds: float | None
    abandonment: float | None
    """None with Erlang C, which assumes nobody gives up."""
    occupancy: float | None


@dataclass(frozen=True, slots=True)
class DayTotals:
    calls: float
    agent_hours: float
    staff_hours: float
    peak_agents: int
    peak_staff: int
    peak_start: str | None
    service_level: float | None
    """The intervals' service levels weighted by their calls."""
    asa_seconds: float | None
    """Weighted by calls answered."""
    abandonment: float | None
    occupancy: float | None
    """Work answered over agent time, across the day."""


@dataclass(frozen=True, slots=True)
class DayPlan:
    request: PlanRequest
    intervals: tuple[IntervalPlan, ...]
    day: DayTotals


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None


def bounded(value: float, field: str, low: float, high: float, *, low_open: bool = False) -> None:
    below = value <= low if low_open else value < low
    if not math.isfinite(value) or below or value > high:
        lower = f"more than {low:g}" if low_open else f"from {low:g}"
        raise PlanError(f"must be a number {lower} up to {high:g}", field=field)


def _check_options(request: PlanRequest) -> None:
    length = request.interval_seconds
    if not (math.isfinite(length) and MIN_INTERVAL_SECONDS <= length <= MAX_INTERVAL_SECONDS):
        raise PlanError(
            f"must be from {MIN_INTERVAL_SECONDS // 60} minutes up to 24 hours",
            field="interval_minutes",
        )
    if length % 60:
        raise PlanError("must be a whole number of minutes", field="interval_minutes")
    if request.model is Model.ERLANG_A:
        if request.patience_seconds is None:
            raise PlanError(
                "needed with the erlang-a model: the callers' mean patience in seconds",
                field="patience_seconds",
            )
        bounded(request.patience_seconds, "patience_seconds", 1, MAX_PATIENCE_SECONDS)
    else:
        if request.patience_seconds is not None:
            raise PlanError(
                "applies only to the erlang-a model (erlang-c assumes nobody gives up)",
                field="patience_seconds",
            )
        if request.max_abandon is not None:
            raise PlanError(
                "needs the erlang-a model (erlang-c assumes nobody gives up)",
                field="max_abandon",
            )
    if request.max_occupancy is not None:
        bounded(request.max_occupancy, "max_occupancy", 0, 1, low_open=True)
    if request.max_abandon is not None:
        bounded(request.max_abandon, "max_abandon", MIN_MAX_ABANDON, 0.999)
    if request.max_asa_seconds is not None:
        bounded(request.max_asa_seconds, "max_asa_seconds", MIN_MAX_ASA_SECONDS, 3600)
    bounded(request.shrinkage, "shrinkage", 0, MAX_SHRINKAGE)


_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", re.ASCII)


def start_offset(text: str) -> tuple[str, float]:
    """("time", seconds after midnight) for 08:00 or 08:00:00; ("instant", POSIX seconds) for
    an ISO instant with its UTC offset. ValueError says what is accepted."""
    clock = _CLOCK.fullmatch(text)
    if clock:
        hours, minutes, seconds = (int(part or 0) for part in clock.groups())
        if hours > 23 or minutes > 59 or seconds > 59:
            raise ValueError(f"{text!r} is not a time of day (00:00 to 23:59)")
        return "time", hours * 3600 + minutes * 60 + seconds
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"{text!r} is not a start: write a time of day (08:00) "
            "or an instant with its offset (2026-03-10T08:00-05:00)"
        ) from None
    if instant.tzinfo is None:
        raise ValueError(f"{text!r} needs its UTC offset, e.g. 2026-03-10T08:00-05:00")
    return "instant", instant.timestamp()


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:g} min"


def _check_intervals(request: PlanRequest) -> None:
    intervals = request.intervals
    if not intervals:
        raise PlanError("the forecast has no intervals", field="intervals")
    if len(intervals) > MAX_INTERVALS:
        raise PlanError(
            f"{len(intervals)} intervals; one day has at most {MAX_INTERVALS}", field="intervals"
        )
    length = request.interval_seconds
    first: tuple[str, float] | None = None
    previous: float = 0.0
    work = day_load = 0.0
    for index, interval in enumerate(intervals):
        where = f"intervals[{index}]"

        def refuse(column: str, detail: str, *, index: int = index, where: str = where) -> NoReturn:
            raise PlanError(detail, field=f"{where}.{column}", index=index, column=column)

        try:
            kind, offset = start_offset(interval.start)
        except ValueError as error:
            refuse("start", str(error))
        if first is None:
            first = (kind, offset)
        elif kind != first[0]:
            refuse("start", "write every start the same way: all times of day, or all instants")
        elif offset <= previous:
            refuse("start", "comes at or before the previous interval's start; keep them in order")
        else:
            step = offset - previous
            if step % length:
                refuse(
                    "start",
                    f"starts {_minutes(step)} after the previous interval; with "
                    f"{_minutes(length)} intervals the starts are {_minutes(length)} apart "
                    "(or a whole number of intervals, for a gap)",
                )
            if offset - first[1] + length > DAY_SECONDS:
                refuse("start", "the forecast covers one day: this interval ends past 24 h")
        previous = offset
        if not (math.isfinite(interval.calls) and 0 <= interval.calls <= MAX_CALLS):
            refuse("calls", f"must be a number from 0 up to {MAX_CALLS}")
        handle = interval.handle_seconds
        if not (math.isfinite(handle) and 0 < handle <= MAX_HANDLE_SECONDS):
            refuse(
                "aht_seconds", f"must be a number of seconds more than 0 up to {MAX_HANDLE_SECONDS}"
            )
        load = interval.calls * handle / length
        if load > MAX_LOAD:
            refuse(
                "calls",
                f"{interval.calls:g} calls of {handle:g} s in {_minutes(length)} is "
                f"{load:,.0f} Erlangs; a plan takes at most {MAX_LOAD:,} per interval",
            )
        day_load += load
        if request.patience_seconds is not None:
            work += load * max(1.0, request.patience_seconds / handle)
    if day_load > MAX_DAY_LOAD:
        raise PlanError(
            f"too much for one plan: the intervals' loads add up to {day_load:,.0f} Erlangs, "
            f"at most {MAX_DAY_LOAD:,}; plan part of the day at a time",
            field="intervals",
        )
    if work > MAX_ERLANG_A_WORK:
        raise PlanError(
            f"too much for one Erlang A plan: the day's load x patience / handle time is "
            f"{work:,.0f}, at most {MAX_ERLANG_A_WORK:,}; plan part of the day at a time, "
            "or a shorter patience",
            field="intervals",
        )


def _staff(agents: int, shrinkage: float) -> int:
    # Rounded up, allowing for the float error of a division that should come out whole.
    return math.ceil(agents / (1.0 - shrinkage) - 1e-9)


def _no_calls(interval: ForecastInterval) -> IntervalPlan:
    return IntervalPlan(
        start=interval.start,
        calls=interval.calls,
        handle_seconds=interval.handle_seconds,
        load=0.0,
        agents=0,
        agents_for_service_level=0,
        staff=0,
        limited_by=None,
        p_wait=None,
        service_level=None,
        asa_seconds=None,
        abandonment=None,
        occupancy=None,
    )


def _weighted(pairs: Sequence[tuple[float | None, float]]) -> float | None:
    total = sum(weight for value, weight in pairs if value is not None)
    if total <= 0:
        return None
    return sum(value * weight for value, weight in pairs if value is not None) / total


def build_plan(request: PlanRequest) -> DayPlan:
    """The plan for every interval and the day; PlanError on an input it cannot take."""
    _check_options(request)
    _check_intervals(request)
    definition = request.definition
    erlang_a = request.model is Model.ERLANG_A
    if erlang_a:
        target = definition.staffing_target()
    else:
        # Nobody gives up under Erlang C, so short abandons have nothing to take out.
        target = ServiceTarget(definition.answer_seconds, definition.target)
    length = request.interval_seconds
    workloads = [
        Workload(interval.calls, length, interval.handle_seconds) for interval in request.intervals
    ]
    try:
        results = staffing_plan(
            workloads,
            target,
            occupancy_cap=request.max_occupancy,
            patience_seconds=request.patience_seconds,
            max_abandon=request.max_abandon,
            max_asa_seconds=request.max_asa_seconds,
        )
    except ValueError as error:  # a ceiling no number of agents meets
        raise PlanError(str(error), field="intervals") from None
    rows: list[IntervalPlan] = []
    for interval, workload, result in zip(request.intervals, workloads, results, strict=True):
        if result is None:
            rows.append(_no_calls(interval))
            continue
        metrics = result.metrics
        rows.append(
            IntervalPlan(
                start=interval.start,
                calls=interval.calls,
                handle_seconds=interval.handle_seconds,
                load=workload.load,
                agents=result.agents,
                agents_for_service_level=result.agents_for_service_level,
                staff=_staff(result.agents, request.shrinkage),
                limited_by=result.limited_by,
                p_wait=metrics.p_wait,
                service_level=result.service_level,
                asa_seconds=_finite(metrics.asa),
                abandonment=metrics.p_abandon if erlang_a else None,
                occupancy=result.occupancy,
            )
        )
    return DayPlan(request, tuple(rows), _totals(rows, length, erlang_a))


def _totals(rows: Sequence[IntervalPlan], length: float, erlang_a: bool) -> DayTotals:
    hours = length / 3600
    peak = max(rows, key=lambda row: row.agents)
    answered = [row.calls * (1.0 - (row.abandonment or 0.0)) for row in rows]
    agents = sum(row.agents for row in rows)
    worked = sum(row.load * (1.0 - (row.abandonment or 0.0)) for row in rows)
    return DayTotals(
        calls=sum(row.calls for row in rows),
        agent_hours=agents * hours,
        staff_hours=sum(row.staff for row in rows) * hours,
        peak_agents=peak.agents,
        peak_staff=max(row.staff for row in rows),
        peak_start=peak.start if peak.agents else None,
        service_level=_weighted([(row.service_level, row.calls) for row in rows]),
        asa_seconds=_weighted(
            [(row.asa_seconds, weight) for row, weight in zip(rows, answered, strict=True)]
        ),
        abandonment=(
            _weighted([(row.abandonment, row.calls) for row in rows]) if erlang_a else None
        ),
        occupancy=worked / agents if agents else None,
    )
