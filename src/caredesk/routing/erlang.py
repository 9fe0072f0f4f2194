"""Erlang B, Erlang C (M/M/n) and Erlang A (M/M/n+M, Palm's queue with exponential patience).

Stable for thousands of agents: Erlang B comes from its recursion carried in log space, and the
Erlang A sums are taken with every term relative to the largest one, so nothing overflows or
underflows on the way. The Erlang A service level uses closed forms in the series
S(a, z) = sum_m z^m / ((a+1)(a+2)...(a+m)), with a = n*patience/handle and z = load*patience/handle
(the "A(x, y)" of Mandelbaum and Zeltyn's Palm/Erlang-A papers).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

_EPS = 1e-17
_MIN_LOG = -745.0  # below this exp() is 0.0 in double precision


def check_positive(name: str, value: float, *, allow_zero: bool = False) -> None:
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f"{name} must be a finite number {'>=' if allow_zero else '>'} 0")


def check_agents(agents: int) -> None:
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 1:
        raise ValueError("agents must be an integer >= 1")


class ErlangBTable:
    """log Erlang B for one offered load at n = 0, 1, 2, ...; extended on demand and kept."""

    __slots__ = ("_load", "_log_b")

    def __init__(self, load: float) -> None:
        check_positive("load", load, allow_zero=True)
        self._load = load
        self._log_b = [0.0]

    def log_b(self, agents: int) -> float:
        if agents < 0:
            raise ValueError("agents must be >= 0")
        if self._load == 0:
            return 0.0 if agents == 0 else -math.inf
        log_load = math.log(self._load)
        values = self._log_b
        while len(values) <= agents:
            k = len(values)
            previous = values[-1]
            # B_k = A B_{k-1} / (k + A B_{k-1}), taken in logs so B never underflows.
            carried = self._load * math.exp(previous) if previous > _MIN_LOG else 0.0
            values.append(log_load + previous - math.log(k + carried))
        return values[agents]


def erlang_b(agents: int, load: float) -> float:
    """Blocking probability of M/M/n/n with `load` Erlangs offered."""
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 0:
        raise ValueError("agents must be an integer >= 0")
    return math.exp(ErlangBTable(load).log_b(agents))


def erlang_c_from_b(agents: int, load: float, log_b: float) -> float:
    """P(wait) of M/M/n from Erlang B; 1.0 when the queue is unstable (load >= agents)."""
    if load >= agents:
        return 1.0
    b = math.exp(log_b) if log_b > _MIN_LOG else 0.0
    return agents * b / (agents - load * (1.0 - b))


def log_series(a: float, z: float) -> float:
    """log S(a, z) for a > 0, z >= 0, summed outward from its largest term."""
    if z == 0:
        return 0.0
    peak = max(0, math.floor(z - a))
    log_peak = peak * math.log(z) - (math.lgamma(a + peak + 1) - math.lgamma(a + 1))
    total = 1.0
    term = 1.0
    m = peak
    while m > 0:
        term *= (a + m) / z
        m -= 1
        total += term
        if term < total * _EPS:
            break
    term = 1.0
    m = peak
    while True:
        m += 1
        term *= z / (a + m)
        total += term
        if term < total * _EPS:
            break
    return log_peak + math.log(total)


def _log_minus_one(log_value: float) -> float:
    """log(exp(v) - 1) for v >= 0."""
    if log_value <= 0:
        return -math.inf
    if log_value > 40:
        return log_value
    return math.log(math.expm1(log_value))


def _log_add(a: float, b: float) -> float:
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    high, low = (a, b) if a >= b else (b, a)
    return high + math.log1p(math.exp(low - high))


@dataclass(frozen=True, slots=True)
class ErlangASums:
    """The sums over queue lengths the Erlang A measures need, relative to exp(log_scale)."""

    log_scale: float
    waiting: float  # sum_m T_m
    queued: float  # sum_m m T_m
    answered_wait: float  # sum_m T_m * P(served | m ahead) * E[wait | served, m ahead] * theta


def erlang_a_sums(x: float, y: float) -> ErlangASums:
    """Sums over the number already waiting (m) of T_m = y^m / ((x+1)...(x+m))."""
    peak = max(0, math.floor(y - x))
    log_scale = (
        peak * math.log(y) - (math.lgamma(x + peak + 1) - math.lgamma(x + 1)) if y > 0 else 0.0
    )
    log_y = math.log(y) if y > 0 else -math.inf
    log_term = 0.0
    harmonic = 0.0
    waiting = queued = answered_wait = 0.0
    m = 0
    while True:
        # A caller finding m waiting is answered with probability x/(x+m+1), after waiting
        # sum_{k=1}^{m+1} 1/(x+k) in units of the mean patience, when answered.
        harmonic += 1.0 / (x + m + 1)
        relative = log_term - log_scale
        weight = math.exp(relative) if relative > _MIN_LOG else 0.0
        waiting += weight
        queued += m * weight
        answered_wait += weight * x / (x + m + 1) * harmonic
        if m > peak and weight < waiting * _EPS:
            break
        if y == 0:
            break
        m += 1
        log_term += log_y - math.log(x + m)
    return ErlangASums(log_scale, waiting, queued, answered_wait)


def log_p_full(log_b: float, log_s: float) -> float:
    """log P(exactly n in system, nobody waiting) for Erlang A, from log B and log S(x, y)."""
    return -_log_add(-log_b, _log_minus_one(log_s))
