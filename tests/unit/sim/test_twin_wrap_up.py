"""After-Call Work in the twin: each queue's `wrap_up_seconds` from the routing configuration,
as the stored path times it, keeps the agent from the next contact and counts as busy time.

Handle time is Erlang's AHT, talk plus wrap-up: with talk mean t and wrap-up w the twin is held
against Erlang C and Erlang A with AHT t + w. Occupancy (load over agents) holds for any service
time; P(wait) is Erlang's approximation once the service time is not exponential, and the mean
wait is shorter by about (1 + cs^2) / 2, cs^2 the service time's squared coefficient of variation
(Allen-Cunneen). Runs of the M/M/5-like day below over seeds 1-4: occupancy within 1.3%, P(wait)
within 4%, the mean wait 0.71-0.83 of Erlang C's (0.72 expected); with patience, abandonment
within 1.3 points and service level within 3 points."""

from __future__ import annotations

import dataclasses

import pytest

from caredesk.routing.wait import Predictor
from caredesk.sim.randomness import ArrivalProfile, Distribution, ProfileKind, Shape
from caredesk.sim.reference import reference
from caredesk.sim.scenario import PredictorSettings, Scenario, ScenarioError, load_scenario
from caredesk.sim.twin import Twin

from .scripted import scripted


def _answered(twin: Twin) -> list[tuple[str, float]]:
    assert twin.journal is not None
    return [(who, at / 1e6) for at, what, who in twin.journal if what == "answered"]


@pytest.mark.parametrize("wrap_up", [0, 30, 90])
def test_the_agent_takes_the_next_caller_after_the_queues_wrap_up(wrap_up: int) -> None:
    # One agent, three callers at once, 100 s of talk each.
    scenario = scripted(
        [{"at_seconds": at, "handle_seconds": 100} for at in (0, 1, 2)],
        queue={"wrap_up_seconds": wrap_up},
    )
    twin = Twin(scenario, journal=True)
    figures = twin.run()
    handled = 100 + wrap_up
    assert _answered(twin) == [("s1", 0.0), ("s2", handled), ("s3", 2 * handled)]
    # Busy through every wrap-up: 3 x (talk + wrap-up) of agent time.
    busy = sum((item.occupancy or 0) * item.staffed for item in figures.intervals) * 30 * 60
    assert busy == pytest.approx(3 * handled, abs=1e-6)


def test_each_queue_has_its_own_wrap_up() -> None:
    # The same agent serves "main" (20 s of wrap-up) and "slow" (200 s).
    base = scripted(
        [{"at_seconds": at, "handle_seconds": 100} for at in (0, 1, 2)],
        queue={"wrap_up_seconds": 20},
    )
    routing = base.routing
    slow = dataclasses.replace(routing.queues["main"], name="slow", wrap_up_seconds=200)
    routing = dataclasses.replace(routing, queues={**routing.queues, "slow": slow})
    script = (
        base.script[0],
        dataclasses.replace(base.script[1], queue="slow"),
        base.script[2],
    )
    agents = (dataclasses.replace(base.agents[0], primary=frozenset({"main", "slow"})),)
    scenario = dataclasses.replace(base, routing=routing, script=script, agents=agents)
    twin = Twin(scenario, journal=True)
    twin.run()
    # s1 (main): 100 + 20; s2 (slow): 100 + 200; then s3.
    assert _answered(twin) == [("s1", 0.0), ("s2", 120.0), ("s3", 420.0)]


def test_a_scenario_cannot_set_its_own_after_call_work() -> None:
    with pytest.raises(ScenarioError, match=r"handle\.after_call_seconds: set wrap_up_seconds"):
        scripted([{"at_seconds": 0}], handle={"mean_seconds": 100, "after_call_seconds": 30})


def _with_wrap_up(
    agents: int, rho: float, hours: float, talk: float, wrap_up: float, patience: float | None
) -> Scenario:
    """mm100's one queue with `wrap_up` seconds of After-Call Work, `agents` agents at offered
    load rho * agents (AHT = talk + wrap-up)."""
    base = load_scenario("mm100")
    queues = dict(base.routing.queues)
    queues["main"] = dataclasses.replace(queues["main"], wrap_up_seconds=wrap_up)
    return dataclasses.replace(
        base,
        routing=dataclasses.replace(base.routing, queues=queues),
        hours=hours,
        warmup_hours=hours * 0.02,
        agents=(dataclasses.replace(base.agents[0], count=agents),),
        arrivals=ArrivalProfile(
            ProfileKind.CONSTANT, per_hour=rho * agents * 3600 / (talk + wrap_up)
        ),
        handle=Distribution(Shape.EXPONENTIAL, talk),
        patience=Distribution(Shape.NONE)
        if patience is None
        else Distribution(Shape.EXPONENTIAL, patience),
        predictors=PredictorSettings(use=(Predictor.QL, Predictor.QL_M)),
    )


def test_with_wrap_up_the_twin_matches_erlang_c_with_aht_talk_plus_wrap_up() -> None:
    talk, wrap_up = 120.0, 60.0
    scenario = _with_wrap_up(5, 0.8, 125, talk, wrap_up, None)
    expected = reference(scenario)
    assert expected is not None and expected.model == "Erlang C (AHT = talk + wrap-up)"
    assert expected.handle_seconds == 180 and not expected.exact
    assert expected.occupancy == pytest.approx(0.8)
    twin = Twin(scenario, seed=1)
    figures = twin.run()
    assert figures.report.offered > 9000 and figures.unserved == 0
    # Without the wrap-up counted, occupancy would be 0.8 x 120 / 180 = 0.53.
    assert figures.occupancy == pytest.approx(expected.occupancy, rel=0.03)
    assert figures.p_wait == pytest.approx(expected.p_wait, rel=0.06)
    cs2 = (talk / (talk + wrap_up)) ** 2
    assert figures.asa == pytest.approx(expected.mean_wait * (1 + cs2) / 2, rel=0.2)
    # The handle time the queue's estimates read is talk plus wrap-up, as the stored path's.
    assert twin.logs["main"].mean_handle_seconds == pytest.approx(180, rel=0.1)


def test_with_wrap_up_and_patience_the_twin_is_near_erlang_a_with_aht_talk_plus_wrap_up() -> None:
    scenario = _with_wrap_up(5, 1.0, 100, 120.0, 60.0, 180.0)
    expected = reference(scenario)
    assert expected is not None and expected.model == "Erlang A (AHT = talk + wrap-up)"
    figures = Twin(scenario, seed=1).run()
    report = figures.report
    assert report.abandoned > 1000
    assert report.abandonment == pytest.approx(expected.abandonment, abs=0.02)
    assert report.service_level == pytest.approx(expected.service_level, abs=0.03)
    assert figures.occupancy == pytest.approx(expected.occupancy, rel=0.03)
