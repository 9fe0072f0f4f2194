"""The stored log replayed into the twin's chooser: logged estimates parsed leniently, the
predictors compared on the same callers, and each queue resuming the predictor it was told by."""

from __future__ import annotations

import pytest

from caredesk.routing.wait import Predictor
from caredesk.routing.wait_choice import (
    Answered,
    chooser_from_log,
    compared,
    learned_from_log,
    parse_estimates,
    parse_inputs,
)

BOTH = {Predictor.QL: 400.0, Predictor.HOL: 400.0}


def test_logged_estimates_are_parsed_leniently() -> None:
    logged = {"ql": 120, "hol": None, "les": "soon", "ql_m": -1.0, "oracle": 5.0, "learned": True}
    assert parse_estimates(logged) == {Predictor.QL: 120.0, Predictor.HOL: None}
    assert parse_estimates(None) == {}


def test_compared_on_the_callers_who_had_both() -> None:
    # Queue length was close for callers head of line had nothing to say for (nobody ahead),
    # but far off where both spoke: head of line wins for a caller who has both.
    alone = [Answered("q", {Predictor.QL: 100.0, Predictor.HOL: None}, 100.0, None)] * 60
    both = [Answered("q", {Predictor.QL: 100.0, Predictor.HOL: 290.0}, 300.0, None)] * 60
    chooser = chooser_from_log([*alone, *both])
    assert chooser.choose("q", BOTH) is Predictor.HOL
    assert chooser.choose("q", {Predictor.QL: 50.0, Predictor.HOL: None}) is Predictor.QL


def test_the_last_predictor_told_is_resumed_within_the_margin() -> None:
    # Head of line 4% closer than queue length: less than the 5% it takes to switch.
    log = [Answered("q", {Predictor.QL: 250.0, Predictor.HOL: 251.0}, 300.0, Predictor.HOL)] * 60
    assert chooser_from_log(log).choose("q", BOTH) is Predictor.HOL
    told_ql = [*log[:-1], Answered("q", log[0].estimates, 300.0, Predictor.QL)]
    assert chooser_from_log(told_ql).choose("q", BOTH) is Predictor.QL
    # A predictor the stored path does not choose among is not resumed.
    told_learned = [*log[:-1], Answered("q", log[0].estimates, 300.0, Predictor.LEARNED)]
    assert chooser_from_log(told_learned).choose("q", BOTH) is Predictor.HOL


def test_predictors_are_compared_on_the_callers_they_all_had() -> None:
    callers = [
        ({Predictor.QL: 100.0, Predictor.HOL: None, Predictor.LES: None}, 100.0),
        ({Predictor.QL: 200.0, Predictor.HOL: 300.0, Predictor.LES: None}, 300.0),
    ]
    found = compared(callers)
    assert list(found) == [Predictor.QL, Predictor.HOL]  # LES never spoke
    assert (found[Predictor.QL].count, found[Predictor.QL].bias_seconds) == (1, -100.0)
    assert (found[Predictor.HOL].count, found[Predictor.HOL].rase) == (1, 0.0)
    assert compared([]) == {}


def test_logged_inputs_fit_each_queues_own_model() -> None:
    assert parse_inputs([1, 2]) is None
    assert parse_inputs([1.0] * 9 + [float("nan")]) is None
    assert parse_inputs([1.0] * 9 + [True]) is None
    inputs = parse_inputs([1, 0, 60, 60, 0, 0, 1, 1, 0, 0])
    assert inputs is not None
    log = [Answered("q", {}, 90.0, None, inputs)] * 50
    models = learned_from_log([*log, Answered("other", {}, 10.0, None, None)])
    assert list(models) == ["q"]
    assert models["q"].predict(inputs) == pytest.approx(90.0, rel=0.01)
    assert learned_from_log(log[:49])["q"].predict(inputs) is None  # too few yet
