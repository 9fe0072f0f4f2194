"""Service level as written down: answered within T over offered, with or without short abandons,
callbacks and overflows left out."""

from __future__ import annotations

import pytest

from caredesk.routing.service_level import (
    ContactOutcome,
    Outcome,
    ServiceLevelDefinition,
    measure,
)

OUTCOMES = [
    ContactOutcome(Outcome.ANSWERED, 5),
    ContactOutcome(Outcome.ANSWERED, 20),
    ContactOutcome(Outcome.ANSWERED, 21),
    ContactOutcome(Outcome.ABANDONED, 3),
    ContactOutcome(Outcome.ABANDONED, 40),
    ContactOutcome(Outcome.CALLBACK, 120),
    ContactOutcome(Outcome.OVERFLOWED, 480),
]


def test_short_abandons_excluded() -> None:
    report = measure(OUTCOMES, ServiceLevelDefinition())
    assert (report.offered, report.answered_in_time, report.short_abandons) == (4, 2, 1)
    assert report.service_level == 0.5 and report.abandonment == 0.25
    assert (report.callbacks, report.overflowed) == (1, 1)
    assert report.meets_target is False


def test_short_abandons_counted() -> None:
    definition = ServiceLevelDefinition(exclude_short_abandons=False)
    report = measure(OUTCOMES, definition)
    assert report.offered == 5 and report.service_level == pytest.approx(0.4)
    assert report.abandonment == pytest.approx(0.4)
    assert "every caller who gave up" in definition.describe()


def test_nothing_offered_and_staffing_target() -> None:
    report = measure([ContactOutcome(Outcome.CALLBACK, 10)], ServiceLevelDefinition())
    assert report.service_level is None and report.meets_target is None
    target = ServiceLevelDefinition(answer_seconds=30, target=0.9).staffing_target()
    assert (target.answer_seconds, target.level, target.short_abandon_seconds) == (30, 0.9, 5)
    with pytest.raises(ValueError, match="target"):
        ServiceLevelDefinition(target=1.0)
