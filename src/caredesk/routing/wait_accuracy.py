"""How good each wait predictor is, per queue, and picking the best one by that measure.

Every estimate is kept with the wait that followed (callers who reach an agent; a caller who
gave up has no actual wait to compare, and a callback's wait is measured as a callback). The
figures, over a sliding window of recent callers:
- RASE, relative average squared error (Ibrahim and Whitt): the mean squared error over the
  squared mean actual wait. 0 is perfect; QL in an M/M/s queue scores exactly 1 - rho over the
  callers who waited; its square root is the typical error relative to the wait;
- bias: mean of (estimate - actual), in seconds, and relative to the mean actual wait;
- within 20%: the share of estimates within 20% of the actual wait.
The chooser asks every predictor for each caller, records them all against the actual wait,
and answers with the predictor whose RASE is lowest once it has enough samples. It compares
them over a longer, fading memory (`FadingRecord`, `compare_forgetting`: a caller's weight
halves after about 3,500 more) than the window of the figures: over a window of 1,000 callers
the order of two close predictors is mostly the last few spells' chance, and a lead there
foretold nothing of the next callers. Further:
- a queue with too few callers of its own yet (a small queue; or the learned predictor not
  scored long enough there) is judged on the centre-wide record, every queue's callers pooled,
  rather than left on a fixed default: what is most accurate across the centre is the better
  guess for a queue that cannot tell yet; and once it can, its own figures are tempered by
  the centre's (counted as `centre_weight` callers), since a few dozen callers of one queue
  wait through the same spell and their RASE alone is mostly chance;
- the queue's callers compared on one record keep the predictor they were last told by
  unless another's RASE is lower by `switch_margin` (relative): two predictors within a few
  per cent of each other trade places by chance, and flapping between them scores worse than
  either. Callers compared on another record (nobody ahead: no head of line) keep their own;
  one of them told by QL_m does not hold the next caller with someone ahead to QL_m.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from caredesk.routing.wait import (
    LearnedPredictor,
    Predictor,
    QueueView,
    estimates_from,
    features,
)

WITHIN = 0.2


@dataclass(frozen=True, slots=True)
class AccuracyReport:
    count: int
    mean_actual: float | None
    rase: float | None
    bias_seconds: float | None
    relative_bias: float | None
    within_20: float | None


class AccuracyTracker:
    """Running accuracy over the last `window` (estimate, actual) pairs."""

    __slots__ = ("_evicted", "_pairs", "_squared", "_sum_actual", "_sum_error", "_within")

    def __init__(self, window: int = 1000) -> None:
        if window < 1:
            raise ValueError("window must be >= 1")
        self._pairs: deque[tuple[float, float]] = deque(maxlen=window)
        self._sum_actual = 0.0
        self._sum_error = 0.0
        self._squared = 0.0
        self._within = 0
        self._evicted = 0

    @staticmethod
    def _close(estimate: float, actual: float) -> bool:
        return abs(estimate - actual) <= WITHIN * actual

    def record(self, estimate: float, actual: float) -> None:
        if not (math.isfinite(estimate) and math.isfinite(actual)) or actual < 0:
            raise ValueError("estimate and actual must be finite, actual >= 0")
        pairs = self._pairs
        if len(pairs) == pairs.maxlen:
            old_estimate, old_actual = pairs[0]
            self._sum_actual -= old_actual
            self._sum_error -= old_estimate - old_actual
            self._squared -= (old_estimate - old_actual) ** 2
            self._within -= self._close(old_estimate, old_actual)
        pairs.append((estimate, actual))
        self._sum_actual += actual
        self._sum_error += estimate - actual
        self._squared += (estimate - actual) ** 2
        self._within += self._close(estimate, actual)
        if len(pairs) == pairs.maxlen:
            self._evicted += 1
            if self._evicted >= len(pairs):
                self._resum()

    def _resum(self) -> None:
        """Running sums drift after many subtractions; start them again from the window."""
        pairs = self._pairs
        self._sum_actual = sum(actual for _, actual in pairs)
        self._sum_error = sum(estimate - actual for estimate, actual in pairs)
        self._squared = sum((estimate - actual) ** 2 for estimate, actual in pairs)
        self._evicted = 0

    @property
    def count(self) -> int:
        return len(self._pairs)

    @property
    def rase(self) -> float | None:
        """The RASE of `report()`, without the rest of it (the chooser asks for it often)."""
        count = len(self._pairs)
        if count == 0:
            return None
        scale = (self._sum_actual / count) ** 2
        return max(0.0, self._squared) / count / scale if scale > 0 else None

    def report(self) -> AccuracyReport:
        count = len(self._pairs)
        if count == 0:
            return AccuracyReport(0, None, None, None, None, None)
        mean_actual = self._sum_actual / count
        bias = self._sum_error / count
        squared = max(0.0, self._squared) / count
        scale = mean_actual**2
        rase = squared / scale if scale > 0 else None
        return AccuracyReport(
            count=count,
            mean_actual=mean_actual,
            rase=rase,
            bias_seconds=bias,
            relative_bias=bias / mean_actual if mean_actual > 0 else None,
            within_20=self._within / count,
        )


YOUNG = 2
"""A young record fades its past by at least YOUNG / n at its n-th pair (`FadingRecord`)."""


class FadingRecord:
    """RASE over every (estimate, actual) pair recorded, each weighing `forgetting` to the power
    of the pairs recorded after it: what the chooser compares predictors by. A queue's waits
    come in spells (a run of long calls, a burst of arrivals) that every predictor misjudges
    together, and a handful of callers in one spell carry most of a window's squared error; the
    predictor that happened to misjudge the last spell least is no likelier to be closer for the
    next callers (on the lognormal day, a 10% lead of QL_m or the learned one over the other on
    the last 1,000 callers held over the next 1,000 about half the time, and QL's over QL_m
    about one time in ten). A memory of thousands of callers weighs many
    spells, and fades rather than drops a caller at once (a window's edge moves the figures by
    a spell leaving it).

    A young record fades faster: at its n-th pair by at least `young` / n (2: worth
    about a third of the pairs it holds, the later ones weighing most) until `forgetting` takes
    over, near 10,000 pairs. A new queue's first callers were told by predictors still finding
    their feet (the handle time from the forecast, a give-up rate from a few abandons, a learned
    fit on a few dozen callers); a record weighing them for hours would hold that start against
    a predictor long after it has settled."""

    __slots__ = ("_squared", "_sum_actual", "count", "forgetting", "weight", "young")

    def __init__(self, forgetting: float = 0.9998, young: int = YOUNG) -> None:
        if not 0 < forgetting <= 1:
            raise ValueError("forgetting must be in (0, 1]")
        if young < 0:
            raise ValueError("young must be >= 0")
        self.forgetting = forgetting
        self.young = young
        self.count = 0
        """Pairs recorded."""
        self.weight = 0.0
        """Their weights summed: how many callers the record is worth now."""
        self._sum_actual = 0.0
        self._squared = 0.0

    def record(self, estimate: float, actual: float) -> None:
        if not (math.isfinite(estimate) and math.isfinite(actual)) or actual < 0:
            raise ValueError("estimate and actual must be finite, actual >= 0")
        self.count += 1
        count = self.count
        young = self.young
        keep = min(self.forgetting, 1 - young / count) if count > young else 0.0
        self.weight = self.weight * keep + 1.0
        self._sum_actual = self._sum_actual * keep + actual
        self._squared = self._squared * keep + (estimate - actual) ** 2

    @property
    def rase(self) -> float | None:
        weight = self.weight
        if self.count == 0 or weight <= 0:
            return None
        scale = (self._sum_actual / weight) ** 2
        return self._squared / weight / scale if scale > 0 else None


def accuracy(pairs: Iterable[tuple[float, float]]) -> AccuracyReport:
    """The same figures over a whole list of (estimate, actual) pairs."""
    items = list(pairs)
    tracker = AccuracyTracker(max(1, len(items)))
    for estimate, actual in items:
        tracker.record(estimate, actual)
    return tracker.report()


@dataclass(frozen=True, slots=True)
class Estimate:
    """One caller's estimate, kept until the caller reaches an agent (then `observe` it)."""

    queue: str
    chosen: Predictor | None
    seconds: float | None
    """The chosen predictor's estimate; None when no predictor had anything to go on."""
    spread: float | None
    """sqrt(RASE) of the chosen predictor lately: how far off it typically is, relative to the
    wait (what `announce` widens a range by)."""
    all: Mapping[Predictor, float | None]
    inputs: tuple[float, ...]


Records = dict[Predictor, FadingRecord]


class _Paired:
    """Accuracy by which predictors had an estimate: the callers a set of predictors all had
    estimates for, each scored there. Choosing among the predictors a caller has compares them
    on past callers who had the same ones (head of line, for one, has nothing to say when
    nobody is ahead: its RASE over the others' callers would flatter or wrong it)."""

    __slots__ = ("_by_set", "_forgetting", "_young")

    def __init__(self, forgetting: float, young: int) -> None:
        self._forgetting = forgetting
        self._young = young
        self._by_set: dict[frozenset[Predictor], Records] = {}

    def items(self) -> Iterable[tuple[frozenset[Predictor], Records]]:
        return self._by_set.items()

    def get(self, available: frozenset[Predictor]) -> Records | None:
        return self._by_set.get(available)

    def record(self, estimates: Mapping[Predictor, float | None], actual: float) -> None:
        available = frozenset(p for p, value in estimates.items() if value is not None)
        trackers = self._by_set.get(available)
        if trackers is None:
            # In DEFAULT_ORDER, never the set's own (hash-seeded) order: a tie goes the same
            # way in every run.
            trackers = self._by_set[available] = {
                p: FadingRecord(self._forgetting, self._young)
                for p in DEFAULT_ORDER
                if p in available
            }
        for predictor, tracker in trackers.items():
            value = estimates[predictor]
            assert value is not None
            tracker.record(value, actual)


class _QueueLog:
    __slots__ = ("learned", "paired", "trackers")

    def __init__(self, window: int, paired: _Paired, learned: LearnedPredictor) -> None:
        self.trackers = {predictor: AccuracyTracker(window) for predictor in Predictor}
        self.paired = paired
        self.learned = learned


DEFAULT_ORDER = (Predictor.QL_M, Predictor.QL, Predictor.HOL, Predictor.LES, Predictor.LEARNED)


class PredictorChooser:
    """Per queue, the predictor with the lowest measured RASE (after `min_samples`; before,
    the lowest centre-wide), kept for callers compared on the same record until another is
    better by `switch_margin`; with no record at all, the first of `fallback` that has an estimate.
    `window` is the figures' (`report`, the spread told); predictors are compared over the
    fading record of `compare_forgetting` and `young` (`FadingRecord`)."""

    def __init__(
        self,
        *,
        window: int = 1000,
        min_samples: int = 50,
        forgetting: float = 0.9998,
        compare_forgetting: float = 0.9998,
        young: int = YOUNG,
        predictors: tuple[Predictor, ...] = tuple(Predictor),
        switch_margin: float = 0.05,
        centre_weight: int = 200,
        fallback: tuple[Predictor, ...] = DEFAULT_ORDER,
    ) -> None:
        if not 0 <= switch_margin < 1:
            raise ValueError("switch_margin must be in [0, 1)")
        if not 0 < compare_forgetting <= 1:
            raise ValueError("compare_forgetting must be in (0, 1]")
        if young < 0:
            raise ValueError("young must be >= 0")
        self.window = window
        self.min_samples = min_samples
        self.forgetting = forgetting
        self.compare_forgetting = compare_forgetting
        self.young = young
        self.predictors = predictors
        self.switch_margin = switch_margin
        self.centre_weight = centre_weight
        self.fallback = fallback
        self._queues: dict[str, _QueueLog] = {}
        self._centre = {predictor: AccuracyTracker(window) for predictor in Predictor}
        self._centre_paired = _Paired(compare_forgetting, young)
        self._current: dict[tuple[str, frozenset[Predictor]], Predictor] = {}
        """What each queue's callers compared on the record of a set of predictors (`_record`)
        were last told by: one told by QL_m on the record of callers with nobody ahead says
        nothing of what a caller with someone ahead, compared on another record, should hear
        (holding the next such caller to it would carry one record's verdict over to the
        other's callers)."""

    def _log(self, queue: str) -> _QueueLog:
        log = self._queues.get(queue)
        if log is None:
            learned = LearnedPredictor(forgetting=self.forgetting, min_samples=self.min_samples)
            paired = _Paired(self.compare_forgetting, self.young)
            log = self._queues[queue] = _QueueLog(self.window, paired, learned)
        return log

    def _record(
        self, queue: str, candidates: frozenset[Predictor]
    ) -> tuple[Records, Records | None] | None:
        """Where to compare `candidates`: the record of past callers who had the most of them
        (all of them, ideally), holding `min_samples`; the queue's own before the centre's
        (every queue's callers pooled) for as many predictors. With the queue's own, the
        centre's for the same predictors (to temper it). None when nothing qualifies."""
        best: tuple[Records, Records | None] | None = None
        rank = (0, 0)
        centre = self._centre_paired
        for own, paired in ((1, self._log(queue).paired), (0, centre)):
            for available, records in paired.items():
                if not available <= candidates or (len(available), own) <= rank:
                    continue
                if next(iter(records.values())).count >= self.min_samples:
                    best = (records, centre.get(available) if own else None)
                    rank = (len(available), own)
        return best

    def _scores(self, queue: str, candidates: frozenset[Predictor]) -> dict[Predictor, float]:
        """Each candidate's RASE where `_record` says; a queue's own figure over n callers is
        tempered by the centre's, counted as `centre_weight` callers (a few dozen callers of
        one queue wait through the same spell, so their RASE alone is mostly chance)."""
        found = self._record(queue, candidates) if candidates else None
        scores: dict[Predictor, float] = {}
        if found is None:
            return scores
        record, centre = found
        weight = self.centre_weight
        for predictor, own in record.items():
            rase = own.rase
            if rase is None:
                continue
            wide = None
            if centre is not None and centre[predictor].count >= self.min_samples:
                wide = centre[predictor].rase
            if wide is not None and weight:
                count = own.count
                rase = (count * rase + weight * wide) / (count + weight)
            scores[predictor] = rase
        return scores

    def choose(self, queue: str, available: Mapping[Predictor, float | None]) -> Predictor | None:
        candidates = frozenset(p for p in self.predictors if available.get(p) is not None)
        scores = self._scores(queue, candidates)
        if not scores:
            for predictor in self.fallback:
                if predictor in candidates:
                    return predictor
            return None
        best = min(scores, key=scores.__getitem__)
        kind = (queue, frozenset(scores))
        current = self._current.get(kind)
        if current in scores and scores[best] >= (1 - self.switch_margin) * scores[current]:
            return current
        self._current[kind] = best
        return best

    def estimate(self, queue: str, view: QueueView) -> Estimate:
        log = self._log(queue)
        learned = log.learned if Predictor.LEARNED in self.predictors else None
        inputs = features(view)
        every = {p: v for p, v in estimates_from(inputs, learned).items() if p in self.predictors}
        chosen = self.choose(queue, every)
        seconds = None if chosen is None else every[chosen]
        spread = None
        if chosen is not None:
            # How far off it typically is: in this queue once it knows, else across the centre.
            for tracker in (log.trackers[chosen], self._centre[chosen]):
                if tracker.count >= self.min_samples:
                    rase = tracker.rase
                    spread = None if rase is None else math.sqrt(rase)
                    break
        return Estimate(queue, chosen, seconds, spread, every, inputs)

    def observe(self, estimate: Estimate, actual_seconds: float) -> None:
        """The caller reached an agent after `actual_seconds`: score every predictor, train."""
        self.record(estimate.queue, estimate.all, actual_seconds)
        self._log(estimate.queue).learned.observe(estimate.inputs, actual_seconds)

    def record(
        self, queue: str, estimates: Mapping[Predictor, float | None], actual_seconds: float
    ) -> None:
        """Score every predictor's estimate for one caller of `queue` against their wait
        (without training the learned model: a log replayed may not hold its inputs)."""
        log = self._log(queue)
        centre = self._centre
        for predictor, value in estimates.items():
            if value is not None:
                log.trackers[predictor].record(value, actual_seconds)
                centre[predictor].record(value, actual_seconds)
        log.paired.record(estimates, actual_seconds)
        self._centre_paired.record(estimates, actual_seconds)

    def resume(
        self, queue: str, predictor: Predictor, available: Mapping[Predictor, float | None]
    ) -> None:
        """A caller of `queue` with the estimates `available` was last told by `predictor` (a
        log replayed): that queue's callers compared on the same record keep it until another
        is better by `switch_margin`, as if the chooser had never stopped."""
        candidates = frozenset(p for p in self.predictors if available.get(p) is not None)
        scores = self._scores(queue, candidates)
        if predictor in scores:
            self._current[queue, frozenset(scores)] = predictor

    def report(self, queue: str) -> dict[Predictor, AccuracyReport]:
        log = self._log(queue)
        return {predictor: log.trackers[predictor].report() for predictor in self.predictors}
