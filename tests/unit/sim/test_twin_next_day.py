"""A day run after earlier days of the same scenario: the queues carry over what they learned
(the predictors' records, the learned fit, handle time and give-up rate), the day itself draws
what it draws alone, and only that day is measured."""

from __future__ import annotations

import dataclasses

import pytest

from caredesk.sim.figures import CHOSEN
from caredesk.sim.queue_log import QueueLog
from caredesk.sim.scenario import Scenario, load_scenario
from caredesk.sim.twin import Twin, after_days


def _short(hours: float = 0.5) -> Scenario:
    scenario = load_scenario("mm100_abandon")
    return dataclasses.replace(scenario, hours=hours, warmup_hours=0, drain_hours=0.25)


def test_no_days_before_is_the_day_alone() -> None:
    scenario = _short()
    assert after_days(scenario, 0, seed=4) == Twin(scenario, seed=4).run()
    with pytest.raises(ValueError, match="days_before"):
        after_days(scenario, -1, seed=4)


def test_a_day_after_another_starts_from_what_the_queue_learned() -> None:
    scenario = _short()
    cold = Twin(scenario, seed=4).run()
    warm = after_days(scenario, 1, seed=4)
    assert (cold.days_before, warm.days_before) == (0, 1)
    # The same callers arrive (the day before drew from its own streams)...
    assert warm.contacts == cold.contacts
    assert warm.report.offered == cold.report.offered
    # ... but the learned predictor speaks from the first one: it was fitted yesterday.
    told = warm.predictor(CHOSEN).report.count
    assert warm.predictor("learned").report.count == told
    assert cold.predictor("learned").report.count < cold.predictor(CHOSEN).report.count


def test_a_history_is_not_changed_by_the_days_it_starts() -> None:
    scenario = _short()
    before = Twin(scenario, seed=2, day=-1)
    before.run()
    history = before.history()
    assert history.days == 1
    first = Twin(scenario, seed=2, history=history).run()
    again = Twin(scenario, seed=2, history=history).run()
    assert first == again


def test_a_queue_log_starts_its_next_day_with_its_figures_and_nobody_in_line() -> None:
    log = QueueLog(200.0)
    log.joined(10, "c1", 1)
    log.entered_service(30.0)
    log.abandoned(60.0)
    log.handled(400.0)
    following = log.next_day()
    assert following.mean_handle_seconds == log.mean_handle_seconds != 200.0
    assert following.abandon_rate == log.abandon_rate > 0
    assert following.last_entered_wait == 30.0
    assert following.head_arrival({"c1": 1}) is None
