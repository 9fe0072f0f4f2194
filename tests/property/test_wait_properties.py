"""Properties of the wait predictors, the accuracy tracker and the announcement.

(a) QL_m never exceeds QL, equals it without abandonment, and both grow with the queue;
(b) the sliding-window tracker reports exactly what a batch computation over the window does;
(c) an announcement never promises less than the floor, rounds within its step, and its range
    is ordered; both languages have words for it.
"""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from caredesk.routing.announce import AnnouncementKind, announce
from caredesk.routing.wait import QueueView, predict_ql, predict_ql_m
from caredesk.routing.wait_accuracy import AccuracyTracker

SETTINGS = settings(max_examples=100, deadline=None)

views = st.builds(
    QueueView,
    ahead=st.integers(0, 500),
    agents=st.integers(1, 2000),
    mean_handle_seconds=st.floats(1, 3600),
    abandon_rate=st.none() | st.floats(0, 1),
)


@SETTINGS
@given(view=views)
def test_ql_m_is_ql_corrected_downwards(view: QueueView) -> None:
    ql, ql_m = predict_ql(view), predict_ql_m(view)
    assert ql is not None and ql_m is not None
    assert ql_m <= ql * (1 + 1e-12)
    if not view.abandon_rate:
        assert math.isclose(ql_m, ql, rel_tol=1e-9)
    longer = QueueView(
        ahead=view.ahead + 1,
        agents=view.agents,
        mean_handle_seconds=view.mean_handle_seconds,
        abandon_rate=view.abandon_rate,
    )
    longer_ql, longer_ql_m = predict_ql(longer), predict_ql_m(longer)
    assert longer_ql is not None and longer_ql > ql
    assert longer_ql_m is not None and longer_ql_m > ql_m


pairs = st.lists(st.tuples(st.floats(0, 1e5), st.floats(0, 1e5)), max_size=60)


@SETTINGS
@given(items=pairs, window=st.integers(1, 25))
def test_the_window_reports_what_a_batch_would(
    items: list[tuple[float, float]], window: int
) -> None:
    tracker = AccuracyTracker(window)
    for estimate, actual in items:
        tracker.record(estimate, actual)
    recent = items[-window:]
    report = tracker.report()
    assert report.count == len(recent)
    if not recent:
        return
    mean = sum(a for _, a in recent) / len(recent)
    assert math.isclose(report.mean_actual or 0, mean, rel_tol=1e-9, abs_tol=1e-6)
    bias = sum(e - a for e, a in recent) / len(recent)
    assert math.isclose(report.bias_seconds or 0, bias, rel_tol=1e-6, abs_tol=1e-4)
    within = sum(abs(e - a) <= 0.2 * a for e, a in recent) / len(recent)
    assert report.within_20 == within
    if mean > 1:
        rase = sum((e - a) ** 2 for e, a in recent) / len(recent) / mean**2
        assert math.isclose(report.rase or 0, rase, rel_tol=1e-6, abs_tol=1e-6)


@SETTINGS
@given(
    seconds=st.none() | st.floats(0, 20_000),
    spread=st.none() | st.floats(0, 3),
    floor=st.floats(0, 5000),
)
def test_announcements_keep_their_promises(
    seconds: float | None, spread: float | None, floor: float
) -> None:
    said = announce(seconds, spread, floor_seconds=floor)
    assert said.words("en") and said.words("es")
    if seconds is None:
        assert said.kind is AnnouncementKind.FALLBACK
        return
    promised = max(seconds, floor) / 60
    if said.kind is AnnouncementKind.LESS_THAN:
        assert said.minutes is not None and said.minutes >= promised - 1e-9
        assert floor < 60 * said.minutes
    elif said.kind is AnnouncementKind.ABOUT:
        step = 1 if promised <= 10 else 5 if promised <= 60 else 15
        assert said.minutes is not None
        assert abs(said.minutes - promised) <= step / 2 + 1e-9
    elif said.kind is AnnouncementKind.RANGE:
        assert said.minutes is not None and said.high_minutes is not None
        assert 1 <= said.minutes < said.high_minutes <= 120
        assert said.minutes <= promised + 1e-9
        # The low end is the floor rounded down to its step at most.
        assert said.minutes > floor / 60 - 15
    else:
        assert said.kind is AnnouncementKind.MORE_THAN and promised > 100
