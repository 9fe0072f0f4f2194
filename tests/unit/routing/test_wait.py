"""Wait predictors, their accuracy figures, the chooser and what the caller hears."""

from __future__ import annotations

import bisect
import heapq
import math
import random

import pytest

from caredesk.routing.announce import Announcement, AnnouncementKind, announce, state_floor
from caredesk.routing.wait import (
    FEATURES,
    LearnedPredictor,
    Predictor,
    QueueView,
    estimates,
    features,
    predict_hol,
    predict_les,
    predict_ql,
    predict_ql_m,
)
from caredesk.routing.wait_accuracy import (
    AccuracyTracker,
    Estimate,
    FadingRecord,
    PredictorChooser,
    accuracy,
)

VIEW = QueueView(
    ahead=9,
    agents=5,
    mean_handle_seconds=300,
    abandon_rate=1 / 120,
    last_entered_wait=400,
    head_wait=200,
)


def test_simple_predictors() -> None:
    ql, ql_m = predict_ql(VIEW), predict_ql_m(VIEW)
    assert ql == pytest.approx(10 * 300 / 5)
    assert ql_m == pytest.approx(sum(1 / (5 / 300 + i / 120) for i in range(10)))
    assert ql_m < ql
    assert predict_les(VIEW) == 400
    assert predict_hol(VIEW) == pytest.approx(200 * 10 / 9)
    empty = QueueView(ahead=0, agents=0)
    assert [predict(empty) for predict in (predict_ql, predict_ql_m, predict_les, predict_hol)] == [
        None,
        None,
        None,
        None,
    ]
    free = QueueView(ahead=0, agents=3, mean_handle_seconds=300, idle_agents=1)
    assert predict_ql(free) == 0 and predict_ql_m(free) == 0
    assert set(estimates(VIEW)) == {Predictor.QL, Predictor.QL_M, Predictor.LES, Predictor.HOL}
    with pytest.raises(ValueError):
        QueueView(ahead=-1, agents=1)
    with pytest.raises(ValueError):
        QueueView(ahead=1, agents=1, head_wait=math.nan)


def test_learned_predictor_fits_the_queues_own_relation() -> None:
    model = LearnedPredictor(min_samples=20)
    rng = random.Random(4)
    views = []
    for _ in range(200):
        view = QueueView(
            ahead=rng.randrange(0, 30),
            agents=rng.randrange(1, 20),
            mean_handle_seconds=rng.uniform(100, 400),
            last_entered_wait=rng.uniform(0, 600),
        )
        views.append(view)
    assert model.predict(features(views[0])) is None
    for view in views:
        ql = predict_ql(view)
        assert ql is not None
        model.observe(features(view), 0.5 * ql + 30)
    for view in views[:20]:
        ql = predict_ql(view)
        assert ql is not None
        assert model.predict(features(view)) == pytest.approx(0.5 * ql + 30, rel=0.02, abs=2)
    assert len(features(VIEW)) == FEATURES


def test_learned_predictor_forgets_an_old_relation() -> None:
    model = LearnedPredictor(min_samples=10, forgetting=0.98)
    view = QueueView(ahead=4, agents=2, mean_handle_seconds=100)
    for _ in range(300):
        model.observe(features(view), 100.0)
    for _ in range(300):
        model.observe(features(view), 300.0)
    assert model.predict(features(view)) == pytest.approx(300, rel=0.01)


def test_accuracy_figures() -> None:
    report = accuracy([(110, 100), (80, 100), (100, 100), (300, 200)])
    assert report.count == 4 and report.mean_actual == 125
    assert report.bias_seconds == pytest.approx((10 - 20 + 0 + 100) / 4)
    assert report.rase == pytest.approx(((100 + 400 + 0 + 10000) / 4) / 125**2)
    assert report.within_20 == 0.75  # 80 for 100 is within 20%, 300 for 200 is not
    tracker = AccuracyTracker(window=2)
    for estimate, actual in [(1000, 10), (10, 10), (12, 10)]:
        tracker.record(estimate, actual)
    assert tracker.report() == accuracy([(10, 10), (12, 10)])
    assert AccuracyTracker().report().rase is None


def _mms_waits(servers: int, rho: float, callers: int, seed: int) -> list[tuple[int, float]]:
    """FCFS M/M/s with unit mean service: (callers ahead on arrival, wait) for those who waited."""
    rng = random.Random(seed)
    now = 0.0
    free_at = [0.0] * servers
    heapq.heapify(free_at)
    arrivals: list[float] = []
    starts: list[float] = []
    for _ in range(callers):
        now += rng.expovariate(rho * servers)
        arrivals.append(now)
        start = max(now, heapq.heappop(free_at))
        starts.append(start)
        heapq.heappush(free_at, start + rng.expovariate(1.0))
    result = []
    for index, arrived in enumerate(arrivals):
        if starts[index] > arrived:
            # FCFS starts never decrease: those ahead are the earlier callers starting later.
            ahead = index - bisect.bisect_right(starts, arrived, 0, index)
            result.append((ahead, starts[index] - arrived))
    return result


def test_ql_rase_is_one_minus_rho_in_an_mms_queue() -> None:
    servers, rho = 10, 0.9
    waited = _mms_waits(servers, rho, 60_000, seed=7)
    pairs = []
    for ahead, wait in waited:
        view = QueueView(ahead=ahead, agents=servers, mean_handle_seconds=1.0)
        estimate = predict_ql(view)
        assert estimate is not None
        pairs.append((estimate, wait))
    report = accuracy(pairs)
    assert report.rase == pytest.approx(1 - rho, rel=0.1)
    assert abs(report.relative_bias or 0) < 0.05


def test_the_chooser_picks_the_most_accurate_predictor() -> None:
    chooser = PredictorChooser(min_samples=30, window=200)
    rng = random.Random(2)
    first = chooser.estimate("billing", VIEW)
    assert first.chosen is Predictor.QL_M and first.spread is None
    for _ in range(100):
        actual = rng.uniform(100, 900)
        view = QueueView(
            ahead=rng.randrange(0, 20),
            agents=5,
            mean_handle_seconds=300,
            last_entered_wait=actual * rng.uniform(0.95, 1.05),
        )
        chooser.observe(chooser.estimate("billing", view), actual)
    later = chooser.estimate("billing", VIEW)
    assert later.chosen is Predictor.LES
    assert later.spread is not None and later.spread < 0.1
    reports = chooser.report("billing")
    assert reports[Predictor.LES].count == 100
    assert (reports[Predictor.LES].rase or 1) < (reports[Predictor.QL].rase or 0)
    # A queue with no record of its own yet goes by the centre's (every queue's callers)...
    assert chooser.estimate("technical", VIEW).chosen is Predictor.LES
    # ...until it has one of its own (weighed against the centre's while short): there QL is
    # exact and LES far off. The learned predictor, fitted on those callers, is exact but for
    # a fraction of a per cent, and the centre's record (which tempers the queue's own) still
    # holds billing's callers, for whom QL was far off: either is right.
    for _ in range(250):
        view = QueueView(
            ahead=rng.randrange(0, 20),
            agents=5,
            mean_handle_seconds=300,
            abandon_rate=1 / 600,
            last_entered_wait=rng.uniform(100, 900),
        )
        exact = predict_ql(view)
        assert exact is not None
        chooser.observe(chooser.estimate("technical", view), exact)
    told = chooser.estimate("technical", VIEW)
    assert told.chosen in (Predictor.QL, Predictor.LEARNED)
    assert told.spread is not None and told.spread < 0.01


def _scored(
    chooser: PredictorChooser, queue: str, found: dict[Predictor, float | None], actual: float
) -> None:
    estimate = Estimate(queue, None, None, None, found, features(VIEW))
    chooser.observe(estimate, actual)


def test_the_chooser_keeps_its_predictor_unless_another_is_clearly_better() -> None:
    chooser = PredictorChooser(
        min_samples=10, window=50, predictors=(Predictor.QL, Predictor.QL_M), switch_margin=0.1
    )
    both = {Predictor.QL: 1.0, Predictor.QL_M: 1.0}
    for _ in range(50):
        _scored(chooser, "billing", {Predictor.QL: 111.0, Predictor.QL_M: 110.0}, 100.0)
    assert chooser.choose("billing", both) is Predictor.QL_M
    # QL now 3% closer (RASE 6% lower): within the margin, so no flapping over to it.
    for _ in range(50):
        _scored(chooser, "billing", {Predictor.QL: 109.7, Predictor.QL_M: 110.0}, 100.0)
    assert chooser.choose("billing", both) is Predictor.QL_M
    # Clearly better: it takes over, and keeps the queue while the two are close again.
    for _ in range(50):
        _scored(chooser, "billing", {Predictor.QL: 105.0, Predictor.QL_M: 110.0}, 100.0)
    assert chooser.choose("billing", both) is Predictor.QL
    for _ in range(50):
        _scored(chooser, "billing", {Predictor.QL: 110.0, Predictor.QL_M: 109.7}, 100.0)
    assert chooser.choose("billing", both) is Predictor.QL
    with pytest.raises(ValueError):
        PredictorChooser(switch_margin=1.0)


def test_callers_with_other_predictors_keep_their_own_predictor() -> None:
    """With someone ahead QL_m is a little closer than QL (RASE 3% lower: within the margin);
    with nobody ahead (no head of line) QL is clearly closer. A caller with nobody ahead told
    by QL does not hold the next caller with someone ahead to QL: each kind keeps its own."""
    chooser = PredictorChooser(
        min_samples=10, predictors=(Predictor.QL, Predictor.QL_M, Predictor.HOL)
    )
    for _ in range(50):
        _scored(
            chooser,
            "billing",
            {Predictor.QL: 115.0, Predictor.QL_M: 114.8, Predictor.HOL: 160.0},
            100.0,
        )
        _scored(
            chooser,
            "billing",
            {Predictor.QL: 20.0, Predictor.QL_M: 40.0, Predictor.HOL: None},
            20.0,
        )
    ahead = {Predictor.QL: 1.0, Predictor.QL_M: 1.0, Predictor.HOL: 1.0}
    alone = {Predictor.QL: 1.0, Predictor.QL_M: 1.0, Predictor.HOL: None}
    assert chooser.choose("billing", ahead) is Predictor.QL_M
    assert chooser.choose("billing", alone) is Predictor.QL
    assert chooser.choose("billing", ahead) is Predictor.QL_M


def test_the_comparison_fades_a_young_record_faster() -> None:
    """A record fades its past by at least 2/n at its n-th pair (worth about a third of what
    it holds, the latest most) until `forgetting` takes over; then it is worth about
    1 / (1 - forgetting) pairs."""
    young = FadingRecord(forgetting=1.0)
    window = AccuracyTracker(600)
    for actual in [200.0] * 300 + [100.0] * 300:
        young.record(actual, 100.0)
        window.record(actual, 100.0)
    assert young.count == 600
    assert young.weight == pytest.approx(600 / 3, rel=0.01)
    # The first 300 weigh an eighth ((300/600)^3 of weights growing as n^2), not a half.
    assert young.rase == pytest.approx(0.125, rel=0.02)
    assert window.rase == pytest.approx(0.5)
    settled = FadingRecord(forgetting=0.999)
    for _ in range(20_000):
        settled.record(110.0, 100.0)
    assert settled.weight == pytest.approx(1000, rel=0.01)
    assert settled.rase == pytest.approx(0.01)
    with pytest.raises(ValueError):
        FadingRecord(forgetting=0.0)
    with pytest.raises(ValueError):
        FadingRecord(young=-1)


def test_a_small_queues_own_record_is_tempered_by_the_centres() -> None:
    """Twenty callers of one queue wait through the same spell: QL happened to be closer there,
    but across the centre LES is five times closer. Counted as 200 callers, the centre's record
    outweighs those twenty; with no weight, the queue's own twenty decide."""

    def chooser_after(weight: int) -> PredictorChooser:
        chooser = PredictorChooser(
            min_samples=10, window=1000, predictors=(Predictor.QL, Predictor.LES)
        )
        chooser.centre_weight = weight
        for _ in range(300):
            _scored(chooser, "billing", {Predictor.QL: 150.0, Predictor.LES: 110.0}, 100.0)
        for _ in range(20):
            _scored(chooser, "international", {Predictor.QL: 108.0, Predictor.LES: 112.0}, 100.0)
        return chooser

    both = {Predictor.QL: 1.0, Predictor.LES: 1.0}
    assert chooser_after(200).choose("international", both) is Predictor.LES
    assert chooser_after(0).choose("international", both) is Predictor.QL
    assert PredictorChooser().centre_weight == 200


def test_a_tie_goes_the_same_way_in_every_run() -> None:
    """QL and QL_m are one figure with no give-ups: the tie goes to the fallback order's first
    (QL_m), whatever order the process happens to hash the predictors in."""
    chooser = PredictorChooser(min_samples=5, window=20, predictors=(Predictor.QL, Predictor.QL_M))
    for actual in (90.0, 130.0) * 10:
        _scored(chooser, "billing", {Predictor.QL: 110.0, Predictor.QL_M: 110.0}, actual)
    assert chooser.choose("billing", {Predictor.QL: 1.0, Predictor.QL_M: 1.0}) is Predictor.QL_M


def test_the_chooser_compares_predictors_on_the_same_callers() -> None:
    """Head of line has nothing to say when nobody is ahead; its record covers only the long
    waits, where every error looks small beside the wait. With someone ahead, QL is closer
    than HOL, so QL is chosen, although QL's record over every caller (the short waits, where
    it is relatively far off, included) has a higher RASE than HOL's."""
    chooser = PredictorChooser(min_samples=20, window=200, predictors=(Predictor.QL, Predictor.HOL))
    for _ in range(60):
        _scored(chooser, "billing", {Predictor.QL: 110.0, Predictor.HOL: None}, 10.0)
        _scored(chooser, "billing", {Predictor.QL: 1050.0, Predictor.HOL: 1100.0}, 1000.0)
    reports = chooser.report("billing")
    assert (reports[Predictor.QL].rase or 0) > (reports[Predictor.HOL].rase or 1)
    assert chooser.choose("billing", {Predictor.QL: 500.0, Predictor.HOL: 500.0}) is Predictor.QL
    assert chooser.choose("billing", {Predictor.QL: 5.0, Predictor.HOL: None}) is Predictor.QL


@pytest.mark.parametrize(
    ("seconds", "spread", "floor", "expected", "english"),
    [
        (None, None, 0, Announcement(AnnouncementKind.FALLBACK), "We will answer as soon"),
        (30, None, 0, Announcement(AnnouncementKind.LESS_THAN, 1), "less than a minute"),
        (30, None, 200, Announcement(AnnouncementKind.ABOUT, 3), "about 3 minutes"),
        (150, None, 0, Announcement(AnnouncementKind.ABOUT, 2), "about 2 minutes"),
        (1290, None, 0, Announcement(AnnouncementKind.ABOUT, 20), "about 20 minutes"),
        (4500, None, 0, Announcement(AnnouncementKind.ABOUT, 75), "about 1 hour 15 minutes"),
        (9000, None, 0, Announcement(AnnouncementKind.MORE_THAN, 120), "more than 2 hours"),
        (600, 0.8, 0, Announcement(AnnouncementKind.RANGE, 5, 20), "between 5 and 20 minutes"),
        (100, 0.9, 0, Announcement(AnnouncementKind.LESS_THAN, 4), "less than 4 minutes"),
        (600, 0.3, 0, Announcement(AnnouncementKind.ABOUT, 10), "about 10 minutes"),
    ],
)
def test_announcement_wording(
    seconds: float | None, spread: float | None, floor: float, expected: Announcement, english: str
) -> None:
    said = announce(seconds, spread, floor_seconds=floor)
    assert said == expected
    assert english in said.words("en")
    assert said.words("es") != said.words("en")


def test_state_floor_never_lets_a_long_queue_hear_less_than_a_minute() -> None:
    busy = QueueView(ahead=30, agents=5, mean_handle_seconds=300)
    floor = state_floor(busy)
    assert 0 < floor < 31 * 300 / 5
    assert announce(20, floor_seconds=floor).kind is AnnouncementKind.ABOUT
    assert state_floor(QueueView(ahead=0, agents=5, mean_handle_seconds=300, idle_agents=1)) == 0
