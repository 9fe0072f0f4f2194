"""The twin against queueing theory, on horizons short enough for the test suite.

A simulated day is a sample: at these horizons its figures scatter around the formulas' (runs
of M/M/5 at rho 0.8 over 125 hours, seeds 1-4: P(wait) within 6%, mean wait within 17%, QL's
RASE within 11%; M/M/100 at rho 0.9 over 9 counted hours, seeds 3-10: P(wait) within 26%, mean
wait within 60%). The tolerances below are set from that scatter, with the seed fixed, so each
test fails on a real fault (a wrong routing decision, a lost caller, a skewed estimate) rather
than on luck. The tight checks (3% on M/M/100, 2 points for Erlang A, over hundreds of hours)
are in benchmarks/sim_bench.py."""

from __future__ import annotations

import dataclasses

import pytest

from caredesk.routing.wait import Predictor
from caredesk.sim.randomness import ArrivalProfile, Distribution, ProfileKind, Shape
from caredesk.sim.reference import reference
from caredesk.sim.scenario import PredictorSettings, Scenario, load_scenario
from caredesk.sim.twin import Twin

QUEUE_LENGTH = PredictorSettings(use=(Predictor.QL, Predictor.QL_M))


def _small(agents: int, rho: float, hours: float, patience: float | None = None) -> Scenario:
    """mm100 with `agents` agents at offered load rho * agents (180 s handle times)."""
    base = load_scenario("mm100")
    return dataclasses.replace(
        base,
        hours=hours,
        warmup_hours=hours * 0.02,
        agents=(dataclasses.replace(base.agents[0], count=agents),),
        arrivals=ArrivalProfile(ProfileKind.CONSTANT, per_hour=rho * agents * 3600 / 180),
        patience=Distribution(Shape.NONE)
        if patience is None
        else Distribution(Shape.EXPONENTIAL, patience),
        predictors=QUEUE_LENGTH,
    )


def test_mm5_matches_erlang_c_and_ql_scores_one_minus_rho() -> None:
    scenario = _small(5, 0.8, 125)
    expected = reference(scenario)
    assert expected is not None and expected.model.startswith("Erlang C")
    figures = Twin(scenario, seed=1).run()
    assert figures.report.offered > 9000 and figures.unserved == 0
    assert figures.p_wait == pytest.approx(expected.p_wait, rel=0.08)
    assert figures.asa == pytest.approx(expected.mean_wait, rel=0.25)
    assert figures.occupancy == pytest.approx(0.8, rel=0.05)
    ql = figures.predictor("ql").report
    assert expected.ql_rase == pytest.approx(0.2)
    assert ql.count > 5000
    assert ql.rase == pytest.approx(expected.ql_rase, rel=0.15)


def test_mm100_at_rho_09_is_near_erlang_c() -> None:
    scenario = dataclasses.replace(load_scenario("mm100"), hours=6, predictors=QUEUE_LENGTH)
    expected = reference(scenario)
    assert expected is not None
    assert expected.p_wait == pytest.approx(0.2169, abs=1e-4)
    figures = Twin(scenario, seed=1).run()
    assert figures.p_wait == pytest.approx(expected.p_wait, rel=0.3)
    assert figures.asa == pytest.approx(expected.mean_wait, rel=0.6)
    assert figures.report.abandonment == 0
    assert figures.predictor("ql").report.rase == pytest.approx(0.1, rel=0.3)


@pytest.mark.parametrize("patience", [180.0, 900.0])
def test_mm5_with_abandonment_is_near_erlang_a(patience: float) -> None:
    scenario = _small(5, 1.0, 100, patience)
    expected = reference(scenario)
    assert expected is not None and expected.model.startswith("Erlang A")
    figures = Twin(scenario, seed=1).run()
    report = figures.report
    assert report.abandoned > 200
    assert report.abandonment == pytest.approx(expected.abandonment, abs=0.015)
    assert report.service_level == pytest.approx(expected.service_level, abs=0.025)


def test_a_day_the_formulas_do_not_describe_has_no_reference() -> None:
    assert reference(load_scenario("sinusoidal_day")) is None
    assert reference(load_scenario("lognormal_day")) is None
    assert reference(load_scenario("multiskill_day")) is None
