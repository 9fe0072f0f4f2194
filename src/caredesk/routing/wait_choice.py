"""The predictor a queue's callers are told by, chosen from the stored log of past callers.

Every caller told a wait has every predictor's estimate logged with the one chosen; once an
agent answers, the wait that followed is logged too. Replaying the last callers answered
(oldest first) into `wait_accuracy.PredictorChooser` gives the stored path the twin's very
rules: the lowest RASE compared on past callers who had the same predictors, the centre-wide
record for a queue with too few callers of its own, a queue's own figures tempered by the
centre's, and the `switch_margin` kept from the predictor each queue's callers compared on
the same record were last told by. With no history the chooser falls back to its default order.
The replay starts from the oldest caller kept, not from the queue's first: its records do not
fade a young record's start faster (`young=0`), and so weigh the callers replayed alike (but
for `compare_forgetting`).

The learned predictor of a queue is fitted on the same log, its own callers' logged inputs
(`wait.features`) against their waits (`learned_from_log`); it speaks once it has
`min_samples` of them, and is then chosen only if its logged estimates prove closer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from caredesk.routing.wait import FEATURES, LearnedPredictor, Predictor
from caredesk.routing.wait_accuracy import AccuracyReport, PredictorChooser, accuracy

# QL_m comes right after QL, and a queue with no record is told by QL: with no abandonments (or
# too few callers to estimate their give-up rate) QL_m equals QL, and it is chosen over QL only
# when its logged estimates prove closer.
CHOSEN_AMONG = (Predictor.QL, Predictor.QL_M, Predictor.HOL, Predictor.LES, Predictor.LEARNED)


@dataclass(frozen=True, slots=True)
class Answered:
    """One answered caller from the log."""

    queue: str
    estimates: Mapping[Predictor, float | None]
    """Every predictor's estimate when the caller joined (None: nothing to go on)."""
    waited_seconds: float
    chosen: Predictor | None
    """The predictor the caller was told by."""
    inputs: tuple[float, ...] | None = None
    """The learned predictor's inputs when the caller joined (None: not logged)."""


def parse_inputs(stored: object) -> tuple[float, ...] | None:
    """Logged learned-predictor inputs, or None unless they are `FEATURES` finite numbers."""
    if not isinstance(stored, list) or len(stored) != FEATURES:
        return None
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in stored):
        return None
    values = tuple(float(v) for v in stored)
    return values if all(math.isfinite(v) for v in values) else None


def learned_from_log(
    answered: Iterable[Answered], *, min_samples: int = 50
) -> dict[str, LearnedPredictor]:
    """Per queue, the learned predictor fitted on its own callers' logged inputs (oldest first)."""
    models: dict[str, LearnedPredictor] = {}
    for caller in answered:
        if caller.inputs is not None:
            model = models.get(caller.queue)
            if model is None:
                model = models[caller.queue] = LearnedPredictor(min_samples=min_samples)
            model.observe(caller.inputs, caller.waited_seconds)
    return models


def parse_estimates(stored: Mapping[str, object] | None) -> dict[Predictor, float | None]:
    """A logged {predictor: seconds | null} with unknown names and malformed values dropped
    (the log outlives any one set of predictors)."""
    found: dict[Predictor, float | None] = {}
    for name, value in (stored or {}).items():
        try:
            predictor = Predictor(name)
        except ValueError:
            continue
        if value is None:
            found[predictor] = None
        elif isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
            found[predictor] = float(value)
    return found


def chooser_from_log(
    answered: Iterable[Answered],
    *,
    predictors: tuple[Predictor, ...] = CHOSEN_AMONG,
    min_samples: int = 50,
    window: int = 1000,
) -> PredictorChooser:
    """A chooser that has seen `answered` (oldest first), each queue resuming, for callers with
    each set of predictors, the predictor its latest such caller was told by (kept for the
    callers compared on the same record, `PredictorChooser.resume`)."""
    # With no record, `predictors` in their order: QL before QL_m (see CHOSEN_AMONG).
    chooser = PredictorChooser(
        window=window,
        min_samples=min_samples,
        young=0,
        predictors=predictors,
        fallback=predictors,
    )
    last: dict[tuple[str, frozenset[Predictor]], tuple[Predictor, dict[Predictor, float | None]]]
    last = {}
    for caller in answered:
        wanted = {p: v for p, v in caller.estimates.items() if p in predictors}
        if wanted:
            chooser.record(caller.queue, wanted, caller.waited_seconds)
        if caller.chosen is not None:
            spoke = frozenset(p for p, value in wanted.items() if value is not None)
            last[caller.queue, spoke] = (caller.chosen, wanted)
    for (queue, _), (predictor, wanted) in last.items():
        chooser.resume(queue, predictor, wanted)
    return chooser


def compared(
    callers: Iterable[tuple[Mapping[Predictor, float | None], float]],
) -> dict[Predictor, AccuracyReport]:
    """Each predictor's figures on the same callers, so that they can be set side by side (why
    one was chosen): the predictors that had an estimate for any of `callers` (estimates, wait),
    each scored on the callers every one of them had an estimate for. Head of line, for one, has
    nothing to say with nobody ahead; queue length alone on those callers would not compare."""
    items = list(callers)
    spoke = [p for p in Predictor if any(found.get(p) is not None for found, _ in items)]
    pairs: dict[Predictor, list[tuple[float, float]]] = {p: [] for p in spoke}
    for found, actual in items:
        values = [found.get(p) for p in spoke]
        if all(value is not None for value in values):
            for predictor, value in zip(spoke, values, strict=True):
                assert value is not None
                pairs[predictor].append((value, actual))
    return {predictor: accuracy(found) for predictor, found in pairs.items()}
