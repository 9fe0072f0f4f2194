"""What the twin draws at random: arrival rates over the day, patience and handle times.

Every draw comes from a `random.Random` the caller seeds, one stream per purpose (arrivals,
patience, handle times, choices), so a run is the same for a seed and changing one part of a
scenario does not reshuffle the draws of the others.

- `Distribution`: exponential, lognormal (by mean and coefficient of variation), fixed, or none
  (a caller who never gives up). Draws are in seconds.
- `ArrivalProfile`: contacts per hour over the day, constant, sinusoidal or piecewise constant;
  `next_arrival` draws a non-homogeneous Poisson process by thinning (Lewis and Shedler).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from enum import StrEnum


class Shape(StrEnum):
    EXPONENTIAL = "exponential"
    LOGNORMAL = "lognormal"
    FIXED = "fixed"
    NONE = "none"
    """Never happens (a patience that never runs out)."""


@dataclass(frozen=True, slots=True)
class Distribution:
    shape: Shape
    mean_seconds: float = 0.0
    cv: float = 1.0
    """Lognormal only: standard deviation over the mean."""

    def __post_init__(self) -> None:
        if self.shape is not Shape.NONE and not (
            math.isfinite(self.mean_seconds) and self.mean_seconds > 0
        ):
            raise ValueError("mean_seconds must be a finite number > 0")
        if not (math.isfinite(self.cv) and self.cv > 0):
            raise ValueError("cv must be a finite number > 0")

    @property
    def exponential_rate(self) -> float | None:
        """1 / mean for an exponential distribution (what Erlang A calls theta), else None."""
        return 1.0 / self.mean_seconds if self.shape is Shape.EXPONENTIAL else None

    def draw(self, rng: random.Random, scale: float = 1.0) -> float:
        """One draw in seconds, its mean multiplied by `scale`; infinity for NONE."""
        shape = self.shape
        mean = self.mean_seconds * scale
        if shape is Shape.EXPONENTIAL:
            return rng.expovariate(1.0 / mean)
        if shape is Shape.LOGNORMAL:
            sigma2 = math.log1p(self.cv * self.cv)
            return rng.lognormvariate(math.log(mean) - sigma2 / 2, math.sqrt(sigma2))
        if shape is Shape.FIXED:
            return mean
        return math.inf


class ProfileKind(StrEnum):
    CONSTANT = "constant"
    SINUSOIDAL = "sinusoidal"
    PIECEWISE = "piecewise"


@dataclass(frozen=True, slots=True)
class ArrivalProfile:
    """Contacts per hour at `t` hours after the day starts.

    CONSTANT: `per_hour`. SINUSOIDAL: per_hour * (1 + amplitude * cos(2 pi (t - peak_hour) /
    period_hours)). PIECEWISE: `points` are (from hour, per hour), the first from hour 0.
    """

    kind: ProfileKind
    per_hour: float = 0.0
    amplitude: float = 0.0
    peak_hour: float = 0.0
    period_hours: float = 24.0
    points: tuple[tuple[float, float], ...] = ()
    peak_per_hour: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.kind is ProfileKind.PIECEWISE:
            if not self.points or self.points[0][0] != 0:
                raise ValueError("a piecewise profile needs points, the first from hour 0")
            hours = [start for start, _ in self.points]
            if hours != sorted(set(hours)):
                raise ValueError("piecewise points must be in increasing hour order")
            if any(not (math.isfinite(rate) and rate >= 0) for _, rate in self.points):
                raise ValueError("piecewise rates must be finite numbers >= 0")
        elif not (math.isfinite(self.per_hour) and self.per_hour >= 0):
            raise ValueError("per_hour must be a finite number >= 0")
        if not 0 <= self.amplitude <= 1:
            raise ValueError("amplitude must be between 0 and 1")
        if not (math.isfinite(self.period_hours) and self.period_hours > 0):
            raise ValueError("period_hours must be > 0")
        if self.kind is ProfileKind.PIECEWISE:
            peak = max(rate for _, rate in self.points)
        else:
            peak = self.per_hour * (1 + self.amplitude)
        object.__setattr__(self, "peak_per_hour", peak)

    def per_hour_at(self, hours: float) -> float:
        kind = self.kind
        if kind is ProfileKind.CONSTANT:
            return self.per_hour
        if kind is ProfileKind.SINUSOIDAL:
            phase = 2 * math.pi * (hours - self.peak_hour) / self.period_hours
            return self.per_hour * (1 + self.amplitude * math.cos(phase))
        rate = self.points[0][1]
        for start, value in self.points:
            if hours < start:
                break
            rate = value
        return rate

    def expected(self, start_hours: float, end_hours: float, steps: int = 240) -> float:
        """Contacts expected between two instants (midpoint rule; exact for constant rates)."""
        width = (end_hours - start_hours) / steps
        return sum(self.per_hour_at(start_hours + (i + 0.5) * width) for i in range(steps)) * width

    def next_arrival(self, rng: random.Random, after_seconds: float) -> float:
        """The next arrival after `after_seconds` (seconds since the day started); infinity when
        the rate is zero from there on (for a piecewise profile) or everywhere."""
        peak = self.peak_per_hour / 3600.0
        if peak <= 0:
            return math.inf
        at = after_seconds
        constant = self.kind is ProfileKind.CONSTANT
        while True:
            at += rng.expovariate(peak)
            if constant:
                return at
            rate = self.per_hour_at(at / 3600.0) / 3600.0
            if rng.random() * peak < rate:
                return at
            last_hour, last_rate = self.points[-1] if self.points else (0.0, 1.0)
            if last_rate == 0 and at / 3600.0 >= last_hour:
                return math.inf
