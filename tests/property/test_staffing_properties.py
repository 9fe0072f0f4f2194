"""Properties of the staffing maths over random workloads.

(a) Erlang C equals the textbook sum formula (written independently here);
(b) more agents never lower the service level or raise P(wait), ASA or abandonment;
(c) agents_needed is the fewest meeting every constraint;
(d) Erlang A's answered/abandoned-within curves are probabilities that grow with time and end at
    1 - P(abandon) and P(abandon).
"""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from caredesk.routing.staffing import (
    ErlangA,
    ErlangC,
    ServiceTarget,
    Workload,
    agents_needed,
    erlang_a,
    erlang_c,
)

SETTINGS = settings(max_examples=60, deadline=None)

workloads = st.builds(
    Workload,
    calls=st.floats(1, 5000),
    interval_seconds=st.sampled_from([900.0, 1800.0, 3600.0]),
    handle_seconds=st.floats(20, 900),
)
targets = st.builds(
    ServiceTarget,
    answer_seconds=st.floats(0, 120),
    level=st.floats(0.5, 0.95),
)


def _textbook_erlang_c(agents: int, load: float) -> float:
    log_terms = [k * math.log(load) - math.lgamma(k + 1) for k in range(agents)]
    last = agents * math.log(load) - math.lgamma(agents + 1) + math.log(agents / (agents - load))
    peak = max([*log_terms, last])
    below = sum(math.exp(t - peak) for t in log_terms)
    top = math.exp(last - peak)
    return top / (below + top)


@SETTINGS
@given(load=st.floats(0.1, 400), extra=st.floats(0.01, 50))
def test_erlang_c_is_the_textbook_formula(load: float, extra: float) -> None:
    agents = math.floor(load + extra) + 1
    workload = Workload(load * 3600 / 100, 3600, 100)
    assert math.isclose(
        erlang_c(workload, agents).p_wait, _textbook_erlang_c(agents, workload.load), rel_tol=1e-9
    )


@SETTINGS
@given(workload=workloads, answer=st.floats(0, 120), patience=st.floats(10, 1200))
def test_more_agents_never_make_service_worse(
    workload: Workload, answer: float, patience: float
) -> None:
    base = max(1, math.floor(workload.load) - 3)
    previous_c = previous_a = None
    for agents in range(base, base + 8):
        c = erlang_c(workload, agents)
        a = erlang_a(workload, agents, patience)
        if previous_c is not None and previous_a is not None:
            assert c.service_level(answer) >= previous_c.service_level(answer) - 1e-12
            assert c.p_wait <= previous_c.p_wait + 1e-12
            assert a.service_level(answer) >= previous_a.service_level(answer) - 1e-9
            assert a.p_abandon <= previous_a.p_abandon + 1e-12
            assert a.asa <= previous_a.asa + 1e-9
            assert a.occupancy <= previous_a.occupancy + 1e-12
        previous_c, previous_a = c, a


@SETTINGS
@given(
    workload=workloads,
    target=targets,
    cap=st.none() | st.floats(0.6, 0.98),
    patience=st.none() | st.floats(10, 1200),
)
def test_agents_needed_is_the_fewest(
    workload: Workload, target: ServiceTarget, cap: float | None, patience: float | None
) -> None:
    result = agents_needed(workload, target, occupancy_cap=cap, patience_seconds=patience)
    n = result.agents

    def measures(agents: int) -> ErlangC | ErlangA:
        if patience is None:
            return erlang_c(workload, agents)
        return erlang_a(workload, agents, patience)

    def meets(agents: int) -> bool:
        m = measures(agents)
        ok = m.service_level(target.answer_seconds) >= target.level
        return ok and (cap is None or m.occupancy <= cap)

    assert meets(n)
    assert n == 1 or not meets(n - 1)
    assert result.service_level >= target.level
    assert result.agents_for_service_level <= n
    if result.limited_by == "service_level":
        assert result.agents_for_service_level == n


@SETTINGS
@given(workload=workloads, extra=st.integers(-20, 20), patience=st.floats(10, 1200))
def test_erlang_a_curves_are_probabilities(workload: Workload, extra: int, patience: float) -> None:
    agents = max(1, round(workload.load) + extra)
    m = erlang_a(workload, agents, patience)
    assert 0 <= m.p_abandon <= m.p_wait <= 1
    previous_answered, previous_abandoned = 1 - m.p_wait, 0.0
    for seconds in (0.0, 5.0, 20.0, 60.0, 300.0, 3600.0):
        answered = m.answered_within(seconds)
        abandoned = m.abandoned_within(seconds)
        assert previous_answered - 1e-9 <= answered <= 1 - m.p_abandon + 1e-9
        assert previous_abandoned - 1e-9 <= abandoned <= m.p_abandon + 1e-12
        previous_answered, previous_abandoned = answered, abandoned
    assert math.isclose(m.answered_within(1e7), 1 - m.p_abandon, rel_tol=1e-6, abs_tol=1e-9)
