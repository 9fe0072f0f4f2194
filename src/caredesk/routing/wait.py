"""Estimated-wait predictors for a caller joining (or asking in) a queue.

- QL, queue length: (n + 1) / (s mu) for n callers ahead and s agents with mean handle 1/mu.
- QL_m, queue length with abandonment: sum_{i=0..n} 1 / (s mu + i theta), theta the callers'
  give-up rate, since callers ahead may leave (Whitt's QL_m for M/M/s+M).
- LES, last to enter service: the wait of the caller who most recently reached an agent.
- HOL, head of line: the current wait of the first caller in line, scaled (n + 1) / n.
- LEARNED: a ridge regression over the queue's own logged (features, actual wait) pairs, the
  features being the four estimates above and the queue length; exponentially forgetting, so
  a queue's behaviour through the day is followed. Pure Python.
Every predictor answers None when it has nothing to go on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum


class Predictor(StrEnum):
    QL = "ql"
    QL_M = "ql_m"
    LES = "les"
    HOL = "hol"
    LEARNED = "learned"


@dataclass(frozen=True, slots=True)
class QueueView:
    """What is known about the queue when the estimate is made."""

    ahead: int
    """Callers ahead of this one."""
    agents: int
    """Agents serving the queue (busy or Ready)."""
    mean_handle_seconds: float | None = None
    abandon_rate: float | None = None
    """Callers' give-up rate per second of waiting (1 / mean patience), from the queue's log."""
    last_entered_wait: float | None = None
    head_wait: float | None = None
    """How long the first caller in line has waited (None when nobody is ahead)."""
    idle_agents: int = 0

    def __post_init__(self) -> None:
        if self.ahead < 0 or self.agents < 0 or self.idle_agents < 0:
            raise ValueError("ahead, agents and idle_agents must be >= 0")
        for name in ("mean_handle_seconds", "abandon_rate", "last_entered_wait", "head_wait"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0")


def _service_rate(view: QueueView) -> float | None:
    """s * mu: calls the queue's agents finish per second when all are busy."""
    if view.agents <= 0 or not view.mean_handle_seconds:
        return None
    return view.agents / view.mean_handle_seconds


def predict_ql(view: QueueView) -> float | None:
    if view.ahead < view.idle_agents:
        return 0.0
    rate = _service_rate(view)
    return None if rate is None else (view.ahead + 1 - view.idle_agents) / rate


def predict_ql_m(view: QueueView) -> float | None:
    if view.ahead < view.idle_agents:
        return 0.0
    rate = _service_rate(view)
    if rate is None:
        return None
    theta = view.abandon_rate or 0.0
    return sum(1.0 / (rate + i * theta) for i in range(view.ahead + 1 - view.idle_agents))


def predict_les(view: QueueView) -> float | None:
    return view.last_entered_wait


def predict_hol(view: QueueView) -> float | None:
    if view.ahead == 0 or view.head_wait is None:
        return None
    return view.head_wait * (view.ahead + 1) / view.ahead


SIMPLE = {
    Predictor.QL: predict_ql,
    Predictor.QL_M: predict_ql_m,
    Predictor.LES: predict_les,
    Predictor.HOL: predict_hol,
}


_SIMPLE_ORDER = (Predictor.QL, Predictor.QL_M, Predictor.LES, Predictor.HOL)


def features(view: QueueView) -> tuple[float, ...]:
    """The learned predictor's inputs: a constant, queue length, the four simple estimates
    (0 when missing) and flags saying which were missing."""
    values: list[float] = [1.0, float(view.ahead)]
    flags: list[float] = []
    for predictor in _SIMPLE_ORDER:
        estimate = SIMPLE[predictor](view)
        values.append(estimate or 0.0)
        flags.append(0.0 if estimate is None else 1.0)
    return (*values, *flags)


FEATURES = 10


def _solve(matrix: list[list[float]], vector: list[float]) -> list[float] | None:
    """Gaussian elimination with partial pivoting; None when singular."""
    size = len(vector)
    rows = [[*row, value] for row, value in zip(matrix, vector, strict=True)]
    for column in range(size):
        pivot = max(range(column, size), key=lambda r: abs(rows[r][column]))
        if abs(rows[pivot][column]) < 1e-12:
            return None
        rows[column], rows[pivot] = rows[pivot], rows[column]
        lead = rows[column]
        for r in range(column + 1, size):
            factor = rows[r][column] / lead[column]
            if factor:
                row = rows[r]
                for c in range(column, size + 1):
                    row[c] -= factor * lead[c]
    solution = [0.0] * size
    for r in range(size - 1, -1, -1):
        total = rows[r][size] - sum(rows[r][c] * solution[c] for c in range(r + 1, size))
        solution[r] = total / rows[r][r]
    return solution


class LearnedPredictor:
    """Ridge regression of actual waits on `features`, refitted lazily, forgetting old samples
    by `forgetting` per sample (0.9998: a sample's weight halves after about 3,500 more, an
    hour or two of a busy queue). Consecutive callers' waits move together (they wait through
    the same spell of the queue), so a thousand samples hold only a few independent ones: a
    shorter memory fits the last spell's noise and does worse than QL_m on a day QL_m suits."""

    __slots__ = (
        "_dirty",
        "_gram",
        "_moment",
        "_weights",
        "forgetting",
        "min_samples",
        "ridge",
        "samples",
    )

    def __init__(
        self, *, forgetting: float = 0.9998, ridge: float = 1e-3, min_samples: int = 30
    ) -> None:
        if not 0 < forgetting <= 1:
            raise ValueError("forgetting must be in (0, 1]")
        self.forgetting = forgetting
        self.ridge = ridge
        self.min_samples = min_samples
        self.samples = 0
        self._gram = [[0.0] * FEATURES for _ in range(FEATURES)]
        self._moment = [0.0] * FEATURES
        self._weights: list[float] | None = None
        self._dirty = False

    def observe(self, inputs: tuple[float, ...], actual_seconds: float) -> None:
        if len(inputs) != FEATURES:
            raise ValueError(f"expected {FEATURES} features")
        keep = self.forgetting
        gram = self._gram
        for i in range(FEATURES):
            row = gram[i]
            xi = inputs[i]
            for j in range(FEATURES):
                row[j] = row[j] * keep + xi * inputs[j]
            self._moment[i] = self._moment[i] * keep + xi * actual_seconds
        self.samples += 1
        self._dirty = True

    def _fit(self) -> list[float] | None:
        if self._dirty or self._weights is None:
            # Each feature penalised in its own scale (seconds and counts differ by orders of
            # magnitude); a feature never seen gets a token penalty so the system stays solvable.
            matrix = [row[:] for row in self._gram]
            ridge = self.ridge
            for i in range(FEATURES):
                value = matrix[i][i]
                matrix[i][i] = value + (ridge * value + 1e-9)
            self._weights = _solve(matrix, list(self._moment))
            self._dirty = False
        return self._weights

    def predict(self, inputs: tuple[float, ...]) -> float | None:
        if self.samples < self.min_samples:
            return None
        weights = self._fit()
        if weights is None:
            return None
        return max(0.0, sum(w * x for w, x in zip(weights, inputs, strict=True)))


def estimates(
    view: QueueView, learned: LearnedPredictor | None = None
) -> dict[Predictor, float | None]:
    """Every predictor's estimate for this view (LEARNED only with a model)."""
    return estimates_from(features(view), learned)


def estimates_from(
    inputs: tuple[float, ...], learned: LearnedPredictor | None = None
) -> dict[Predictor, float | None]:
    """The same from a view's `features`, which hold each simple estimate and whether it was
    missing (so a caller who has the features does not work the estimates out twice)."""
    result: dict[Predictor, float | None] = {
        name: inputs[2 + index] if inputs[2 + len(_SIMPLE_ORDER) + index] else None
        for index, name in enumerate(_SIMPLE_ORDER)
    }
    if learned is not None:
        result[Predictor.LEARNED] = learned.predict(inputs)
    return result
