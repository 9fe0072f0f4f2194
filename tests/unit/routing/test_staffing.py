"""Staffing maths: the issue's Erlang C figures, Erlang A against an independent Markov-chain
oracle, and the search for agents needed."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from caredesk.routing.erlang import ErlangBTable, erlang_b
from caredesk.routing.staffing import (
    ServiceTarget,
    Workload,
    agents_needed,
    erlang_a,
    erlang_c,
    staffing_plan,
)

EIGHTY_IN_TWENTY = ServiceTarget(answer_seconds=20, level=0.8)


def test_100_calls_per_half_hour_need_14_agents() -> None:
    result = agents_needed(Workload(100, 1800, 180), EIGHTY_IN_TWENTY)
    assert result.agents == 14
    assert result.limited_by == "service_level"
    assert round(result.metrics.p_wait, 4) == 0.1741
    assert round(result.service_level, 4) == 0.8884
    assert round(result.metrics.asa, 2) == 7.84
    # 13 agents fall just short of 80%.
    assert erlang_c(Workload(100, 1800, 180), 13).service_level(20) < 0.8


def test_1000_calls_per_hour_need_40_agents_under_an_85_percent_occupancy_cap() -> None:
    workload = Workload(1000, 3600, 120)
    capped = agents_needed(workload, EIGHTY_IN_TWENTY, occupancy_cap=0.85)
    uncapped = agents_needed(workload, EIGHTY_IN_TWENTY)
    assert (capped.agents, capped.agents_for_service_level, capped.limited_by) == (
        40,
        38,
        "occupancy",
    )
    assert uncapped.agents == 38
    # The P(wait) 0.1907, service level 0.9372 and ASA 3.43 s are the figures at n = 40
    # (the capped answer); at 38 they are 0.3335, 0.8468 and 8.57 s.
    assert capped.metrics.agents == 40
    assert round(capped.metrics.p_wait, 4) == 0.1907
    assert round(capped.service_level, 4) == 0.9372
    assert round(capped.metrics.asa, 2) == 3.43
    at_38 = uncapped.metrics
    assert (round(at_38.p_wait, 4), round(at_38.asa, 2)) == (0.3335, 8.57)
    # 39 agents would run at 85.5% occupancy.
    assert erlang_c(workload, 39).occupancy > 0.85 >= capped.occupancy


def test_erlang_b_known_values() -> None:
    assert erlang_b(0, 5.0) == 1.0
    assert erlang_b(1, 1.0) == pytest.approx(0.5)
    assert erlang_b(2, 1.0) == pytest.approx(0.2)
    assert erlang_b(10, 5.0) == pytest.approx(0.018385, abs=1e-6)


def test_thousands_of_agents_are_computed_without_overflow() -> None:
    workload = Workload(calls=200_000, interval_seconds=3600, handle_seconds=300)  # 16,667 Erlangs
    result = agents_needed(workload, EIGHTY_IN_TWENTY)
    assert 16_667 < result.agents < 17_000
    assert 0.8 <= result.service_level < 0.9
    assert erlang_c(workload, result.agents - 1).service_level(20) < 0.8
    with_patience = agents_needed(workload, EIGHTY_IN_TWENTY, patience_seconds=300)
    # Callers who give up shorten the queue: fewer agents than the load meet the target.
    assert with_patience.agents < workload.load < result.agents
    assert 0 < with_patience.metrics.p_abandon < 0.1
    assert with_patience.service_level >= 0.8
    far = ErlangBTable(10.0)
    assert math.exp(far.log_b(5000)) == 0.0 and far.log_b(5000) < -10_000


def test_unstable_erlang_c_reports_no_service() -> None:
    metrics = erlang_c(Workload(100, 1800, 180), 10)
    assert (metrics.p_wait, metrics.asa, metrics.service_level(20)) == (1.0, math.inf, 0.0)
    assert metrics.occupancy == 1.0


def test_erlang_a_approaches_erlang_c_as_patience_grows() -> None:
    workload = Workload(100, 1800, 180)
    c = erlang_c(workload, 14)
    a = erlang_a(workload, 14, patience_seconds=1e8)
    assert a.p_wait == pytest.approx(c.p_wait, rel=1e-5)
    assert a.asa == pytest.approx(c.asa, rel=1e-4)
    assert a.service_level(20) == pytest.approx(c.service_level(20), rel=1e-5)
    assert a.p_abandon < 1e-6


def test_erlang_a_overloaded_loses_the_excess() -> None:
    # Twice the load the agents can carry: about half the callers give up.
    metrics = erlang_a(Workload(7200, 3600, 100), 100, patience_seconds=60)
    assert metrics.p_wait == pytest.approx(1.0, abs=1e-9)
    assert metrics.p_abandon == pytest.approx(0.5, abs=0.01)
    assert metrics.occupancy == pytest.approx(1.0, abs=0.01)


def _uniformized(rates_out: list[float], served_rate: list[float], horizon: float) -> list[float]:
    """P(answered within `horizon`) from each position of a waiting caller, by uniformization.

    From position k (k = 1..K) the caller moves at rates_out[k] in total: served_rate[k] of it
    is a step towards an agent (from position 1, the answer), the rest is the caller giving up.
    """
    size = len(rates_out)
    uniform = max(rates_out[1:]) * 1.05
    mean = uniform * horizon
    steps = int(mean * 3 + 200)
    # values[k]: P(answered within j uniformized jumps from k); mixed by Poisson(mean) weights.
    values = [0.0] * size
    mixed = [0.0] * size
    log_weight = -mean
    for j in range(steps + 1):
        weight = math.exp(log_weight)
        for k in range(1, size):
            mixed[k] += weight * values[k]
        forward = [0.0, 1.0, *values[1:-1]]  # one step ahead: position 1 steps to an agent
        values = [0.0] + [
            served_rate[k] / uniform * forward[k] + (1 - rates_out[k] / uniform) * values[k]
            for k in range(1, size)
        ]
        log_weight += math.log(mean) - math.log(j + 1)
    return mixed


def _oracle(agents: int, arrival: float, service: float, patience: float, seconds: float):
    """Stationary M/M/n+M by balance equations and answered-within-t by uniformization."""
    queue_cap = 200
    theta = 1 / patience
    weights = [1.0]
    for j in range(1, agents + queue_cap + 1):
        down = min(j, agents) * service + max(0, j - agents) * theta
        weights.append(weights[-1] * arrival / down)
    total = sum(weights)
    probs = [w / total for w in weights]
    p_wait = sum(probs[agents:])
    # position k: k-1 callers ahead, all agents busy.
    rates_out = [0.0] + [agents * service + k * theta for k in range(1, queue_cap + 2)]
    served_rate = [0.0] + [agents * service + (k - 1) * theta for k in range(1, queue_cap + 2)]
    within = _uniformized(rates_out, served_rate, seconds)
    answered = (1 - p_wait) + sum(probs[agents + q] * within[q + 1] for q in range(queue_cap))
    abandon = sum(probs[agents + q] * q * theta for q in range(queue_cap + 1)) / arrival
    return p_wait, abandon, answered


@pytest.mark.parametrize(
    ("agents", "calls", "handle", "patience", "seconds"),
    [(3, 60, 120, 90, 20), (5, 150, 100, 300, 30), (4, 200, 60, 40, 15)],
)
def test_erlang_a_matches_a_markov_chain_oracle(
    agents: int, calls: float, handle: float, patience: float, seconds: float
) -> None:
    workload = Workload(calls, 3600, handle)
    metrics = erlang_a(workload, agents, patience)
    p_wait, abandon, answered = _oracle(agents, calls / 3600, 1 / handle, patience, seconds)
    assert metrics.p_wait == pytest.approx(p_wait, rel=1e-6)
    assert metrics.p_abandon == pytest.approx(abandon, rel=1e-6)
    assert metrics.answered_within(seconds) == pytest.approx(answered, rel=1e-5)


def test_service_level_without_short_abandons_is_higher() -> None:
    metrics = erlang_a(Workload(100, 1800, 180), 10, patience_seconds=120)
    plain = metrics.service_level(20)
    excluding = metrics.service_level(20, short_abandon_seconds=5)
    assert 0 < metrics.abandoned_within(5) < metrics.abandoned_within(60) < metrics.p_abandon
    assert excluding == pytest.approx(plain / (1 - metrics.abandoned_within(5)))
    assert metrics.abandoned_within(1e9) == pytest.approx(metrics.p_abandon, rel=1e-9)


def test_constraints_and_plan() -> None:
    workload = Workload(100, 1800, 180)
    by_abandon = agents_needed(
        workload, ServiceTarget(20, 0.5), patience_seconds=120, max_abandon=0.01
    )
    assert by_abandon.limited_by == "abandonment"
    assert by_abandon.metrics.p_abandon <= 0.01
    assert by_abandon.agents_for_service_level < by_abandon.agents
    by_asa = agents_needed(workload, ServiceTarget(20, 0.5), max_asa_seconds=2)
    assert by_asa.limited_by == "asa" and by_asa.metrics.asa <= 2 and by_asa.agents == 16
    plan = staffing_plan([Workload(0, 1800, 180), workload], EIGHTY_IN_TWENTY)
    assert plan[0] is None and plan[1] is not None and plan[1].agents == 14


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: Workload(-1, 1800, 180), "calls"),
        (lambda: Workload(1, 0, 180), "interval_seconds"),
        (lambda: Workload(1, 1800, math.nan), "handle_seconds"),
        (lambda: ServiceTarget(20, 1.0), "level"),
        (lambda: erlang_c(Workload(1, 1, 1), 0), "agents"),
        (lambda: erlang_a(Workload(1, 1, 1), 1, 0), "patience_seconds"),
        (lambda: agents_needed(Workload(1, 1, 1), EIGHTY_IN_TWENTY, occupancy_cap=0), "occupancy"),
        (lambda: agents_needed(Workload(1, 1, 1), EIGHTY_IN_TWENTY, max_abandon=0.1), "patience"),
    ],
)
def test_bad_inputs_are_refused_by_name(call: Callable[[], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call()
