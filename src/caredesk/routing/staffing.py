"""Staffing maths: service level, ASA, abandonment and occupancy, and agents needed per interval.

Erlang C (M/M/n: callers never give up) and Erlang A (M/M/n+M: callers give up after an
exponential patience) for one interval's workload; `agents_needed` finds the fewest agents
meeting a service-level target, optionally under an occupancy cap, an abandonment ceiling or an
ASA ceiling; `staffing_plan` does it for every interval of a day's forecast. The formulas are in
`erlang`; both models work for thousands of agents.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from caredesk.routing.erlang import (
    ErlangBTable,
    check_agents,
    check_positive,
    erlang_a_sums,
    erlang_c_from_b,
    log_p_full,
    log_series,
)

MAX_AGENTS = 1_000_000


@dataclass(frozen=True, slots=True)
class Workload:
    """One interval's forecast: contacts offered, the interval's length, the average handle time."""

    calls: float
    interval_seconds: float
    handle_seconds: float

    def __post_init__(self) -> None:
        check_positive("calls", self.calls, allow_zero=True)
        check_positive("interval_seconds", self.interval_seconds)
        check_positive("handle_seconds", self.handle_seconds)

    @property
    def arrival_rate(self) -> float:
        """Contacts per second."""
        return self.calls / self.interval_seconds

    @property
    def load(self) -> float:
        """Offered load in Erlangs (agents' worth of work)."""
        return self.calls * self.handle_seconds / self.interval_seconds


@dataclass(frozen=True, slots=True)
class ErlangC:
    """M/M/n measures for `agents` serving `load` Erlangs; unstable when load >= agents."""

    agents: int
    load: float
    handle_seconds: float
    p_wait: float

    @property
    def stable(self) -> bool:
        return self.load < self.agents

    @property
    def p_abandon(self) -> float:
        return 0.0

    @property
    def occupancy(self) -> float:
        return min(1.0, self.load / self.agents)

    @property
    def asa(self) -> float:
        """Average speed of answer in seconds (mean wait over every caller, all answered)."""
        if not self.stable:
            return math.inf
        return self.p_wait * self.handle_seconds / (self.agents - self.load)

    def service_level(
        self, answer_seconds: float, *, short_abandon_seconds: float | None = None
    ) -> float:
        """Share answered within `answer_seconds`; nobody abandons, so short abandons are moot."""
        check_positive("answer_seconds", answer_seconds, allow_zero=True)
        if not self.stable:
            return 0.0
        decay = (self.agents - self.load) * answer_seconds / self.handle_seconds
        return 1.0 - self.p_wait * math.exp(-decay)


def erlang_c(workload: Workload, agents: int, *, table: ErlangBTable | None = None) -> ErlangC:
    check_agents(agents)
    load = workload.load
    table = table or ErlangBTable(load)
    p_wait = erlang_c_from_b(agents, load, table.log_b(agents))
    return ErlangC(agents, load, workload.handle_seconds, p_wait)


@dataclass(frozen=True, slots=True)
class ErlangA:
    """M/M/n+M measures: `patience_seconds` is the callers' mean patience."""

    agents: int
    load: float
    handle_seconds: float
    patience_seconds: float
    p_wait: float
    p_abandon: float
    asa: float
    """Mean wait of answered callers, those answered at once included."""
    mean_wait: float
    """Mean time in queue over every caller, those who gave up included."""
    _log_p_full: float = field(repr=False)

    @property
    def occupancy(self) -> float:
        return min(1.0, self.load * (1.0 - self.p_abandon) / self.agents)

    def _x_y(self) -> tuple[float, float]:
        ratio = self.patience_seconds / self.handle_seconds
        return self.agents * ratio, self.load * ratio

    def _still_waiting(self, seconds: float) -> float:
        """P(a caller is still waiting `seconds` after arriving), neither answered nor gone."""
        if self._log_p_full == -math.inf:
            return 0.0
        x, y = self._x_y()
        theta_t = seconds / self.patience_seconds
        u = math.exp(-theta_t)
        exponent = y * (1 - u) - (x + 1) * theta_t + log_series(x, y * u)
        return math.exp(self._log_p_full + exponent)

    def _answered_after_waiting_within(self, seconds: float) -> float:
        if self._log_p_full == -math.inf:
            return 0.0
        x, y = self._x_y()
        theta_t = seconds / self.patience_seconds
        u = math.exp(-theta_t)
        whole = log_series(x + 1, y)
        part = y * (1 - u) - (x + 1) * theta_t + log_series(x + 1, y * u)
        share = -math.expm1(min(0.0, part - whole))
        return math.exp(self._log_p_full + whole) * x / (x + 1) * share

    def answered_within(self, seconds: float) -> float:
        """P(answered within `seconds`), over every caller offered."""
        check_positive("answer_seconds", seconds, allow_zero=True)
        return (1.0 - self.p_wait) + self._answered_after_waiting_within(seconds)

    def abandoned_within(self, seconds: float) -> float:
        """P(gave up within `seconds`), over every caller offered."""
        check_positive("seconds", seconds, allow_zero=True)
        value = (
            self.p_wait
            - self._still_waiting(seconds)
            - self._answered_after_waiting_within(seconds)
        )
        return min(self.p_abandon, max(0.0, value))

    def service_level(
        self, answer_seconds: float, *, short_abandon_seconds: float | None = None
    ) -> float:
        """Answered within `answer_seconds` over offered; with `short_abandon_seconds`, callers
        who gave up within it are taken out of the offered count."""
        answered = self.answered_within(answer_seconds)
        if short_abandon_seconds is None:
            return answered
        offered = 1.0 - self.abandoned_within(short_abandon_seconds)
        return min(1.0, answered / offered) if offered > 0 else 1.0


def erlang_a(
    workload: Workload,
    agents: int,
    patience_seconds: float,
    *,
    table: ErlangBTable | None = None,
) -> ErlangA:
    check_agents(agents)
    check_positive("patience_seconds", patience_seconds)
    load = workload.load
    table = table or ErlangBTable(load)
    ratio = patience_seconds / workload.handle_seconds
    x, y = agents * ratio, load * ratio
    if load == 0:
        return ErlangA(
            agents, 0.0, workload.handle_seconds, patience_seconds, 0, 0, 0, 0, -math.inf
        )
    sums = erlang_a_sums(x, y)
    log_s = sums.log_scale + math.log(sums.waiting)
    log_full = log_p_full(table.log_b(agents), log_s)
    scale = math.exp(log_full + sums.log_scale)
    p_wait = min(1.0, math.exp(log_full + log_s))
    # Little's law on the queue: callers give up at rate theta * E[queue length].
    p_abandon = min(p_wait, scale * sums.queued / y)
    answered = 1.0 - p_abandon
    answered_wait = scale * sums.answered_wait * patience_seconds
    asa = answered_wait / answered if answered > 0 else math.inf
    return ErlangA(
        agents=agents,
        load=load,
        handle_seconds=workload.handle_seconds,
        patience_seconds=patience_seconds,
        p_wait=p_wait,
        p_abandon=p_abandon,
        asa=asa,
        mean_wait=p_abandon * patience_seconds,
        _log_p_full=log_full,
    )


@dataclass(frozen=True, slots=True)
class ServiceTarget:
    """`level` of callers answered within `answer_seconds` (e.g. 80% in 20 s).

    With `short_abandon_seconds` (Erlang A), callers who gave up within it are not counted as
    offered, as a service-level definition that excludes short abandons does.
    """

    answer_seconds: float
    level: float
    short_abandon_seconds: float | None = None

    def __post_init__(self) -> None:
        check_positive("answer_seconds", self.answer_seconds, allow_zero=True)
        if not (math.isfinite(self.level) and 0 < self.level < 1):
            raise ValueError("level must be between 0 and 1 (exclusive)")
        if self.short_abandon_seconds is not None:
            check_positive("short_abandon_seconds", self.short_abandon_seconds, allow_zero=True)


@dataclass(frozen=True, slots=True)
class StaffingResult:
    """Agents needed for one interval, and the measures with that many agents."""

    agents: int
    agents_for_service_level: int
    """What the service-level target alone asks for, before any cap or ceiling."""
    limited_by: str
    """"service_level", "occupancy", "abandonment" or "asa": the constraint that set `agents`."""
    metrics: ErlangC | ErlangA
    service_level: float

    @property
    def occupancy(self) -> float:
        return self.metrics.occupancy


def _smallest(meets: Callable[[int], bool], low: int) -> int:
    """The smallest n >= low with meets(n), for a predicate that stays true once true."""
    if meets(low):
        return low
    high = max(low + 1, 2 * low)
    while not meets(high):
        low = high
        high *= 2
        if high > MAX_AGENTS:
            if meets(MAX_AGENTS):
                high = MAX_AGENTS
                break
            raise ValueError(f"no staffing up to {MAX_AGENTS} agents meets the target")
    while high - low > 1:
        middle = (low + high) // 2
        if meets(middle):
            high = middle
        else:
            low = middle
    return high


def agents_needed(
    workload: Workload,
    target: ServiceTarget,
    *,
    occupancy_cap: float | None = None,
    patience_seconds: float | None = None,
    max_abandon: float | None = None,
    max_asa_seconds: float | None = None,
) -> StaffingResult:
    """The fewest agents meeting the target (Erlang C, or Erlang A given a mean patience)."""
    if occupancy_cap is not None and not (math.isfinite(occupancy_cap) and 0 < occupancy_cap <= 1):
        raise ValueError("occupancy_cap must be in (0, 1]")
    if max_abandon is not None and not (math.isfinite(max_abandon) and 0 < max_abandon < 1):
        raise ValueError("max_abandon must be between 0 and 1 (exclusive)")
    if max_abandon is not None and patience_seconds is None:
        raise ValueError("max_abandon needs patience_seconds (Erlang A)")
    if max_asa_seconds is not None:
        check_positive("max_asa_seconds", max_asa_seconds)
    table = ErlangBTable(workload.load)
    cache: dict[int, ErlangC | ErlangA] = {}

    def measures(agents: int) -> ErlangC | ErlangA:
        if agents not in cache:
            if patience_seconds is None:
                cache[agents] = erlang_c(workload, agents, table=table)
            else:
                cache[agents] = erlang_a(workload, agents, patience_seconds, table=table)
        return cache[agents]

    def level(agents: int) -> float:
        return measures(agents).service_level(
            target.answer_seconds, short_abandon_seconds=target.short_abandon_seconds
        )

    # Erlang C needs more agents than the load; Erlang A can be stable below it.
    low = math.floor(workload.load) + 1 if patience_seconds is None else 1
    limits = [("service_level", _smallest(lambda n: level(n) >= target.level, low))]
    if occupancy_cap is not None:
        cap = occupancy_cap
        limits.append(("occupancy", _smallest(lambda n: measures(n).occupancy <= cap, low)))
    if max_abandon is not None:
        ceiling = max_abandon
        limits.append(("abandonment", _smallest(lambda n: measures(n).p_abandon <= ceiling, low)))
    if max_asa_seconds is not None:
        asa_ceiling = max_asa_seconds
        limits.append(("asa", _smallest(lambda n: measures(n).asa <= asa_ceiling, low)))
    reason, agents = limits[0]
    for name, value in limits[1:]:
        if value > agents:
            reason, agents = name, value
    return StaffingResult(
        agents=agents,
        agents_for_service_level=limits[0][1],
        limited_by=reason,
        metrics=measures(agents),
        service_level=level(agents),
    )


def staffing_plan(
    workloads: Sequence[Workload],
    target: ServiceTarget,
    *,
    occupancy_cap: float | None = None,
    patience_seconds: float | None = None,
    max_abandon: float | None = None,
    max_asa_seconds: float | None = None,
) -> tuple[StaffingResult | None, ...]:
    """Agents needed for every interval of a forecast; None for an interval with no contacts."""
    return tuple(
        None
        if workload.calls == 0
        else agents_needed(
            workload,
            target,
            occupancy_cap=occupancy_cap,
            patience_seconds=patience_seconds,
            max_abandon=max_abandon,
            max_asa_seconds=max_asa_seconds,
        )
        for workload in workloads
    )
