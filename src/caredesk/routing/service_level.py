"""Service level written down once: what it means, and how it is measured from contact outcomes.

Service level is the share of offered contacts answered within `answer_seconds`. Whether short
abandons count is a setting: a caller who hangs up within `short_abandon_seconds` (a misdial, a
change of mind) is taken out of the offered count when `exclude_short_abandons` is true, and
counted as offered and not answered when it is false. Contacts that left the queue for a
"call me back, keep my place" callback, or overflowed to another queue, are not offered here:
the callback is measured as a callback, and the overflowed contact is offered to its new queue.
Abandonment figures leave callbacks out for the same reason. Every report uses this module.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from caredesk.routing.staffing import ServiceTarget


class Outcome(StrEnum):
    ANSWERED = "answered"
    ABANDONED = "abandoned"
    CALLBACK = "callback"
    """Left the queue with a queue callback that keeps the caller's place."""
    OVERFLOWED = "overflowed"
    """Moved to another queue, voicemail or a message by an overflow or after-hours rule."""


@dataclass(frozen=True, slots=True)
class ServiceLevelDefinition:
    answer_seconds: float = 20.0
    target: float = 0.8
    short_abandon_seconds: float = 5.0
    exclude_short_abandons: bool = True

    def __post_init__(self) -> None:
        if not (math.isfinite(self.answer_seconds) and self.answer_seconds >= 0):
            raise ValueError("answer_seconds must be a finite number >= 0")
        if not (math.isfinite(self.target) and 0 < self.target < 1):
            raise ValueError("target must be between 0 and 1 (exclusive)")
        if not (math.isfinite(self.short_abandon_seconds) and self.short_abandon_seconds >= 0):
            raise ValueError("short_abandon_seconds must be a finite number >= 0")

    def staffing_target(self) -> ServiceTarget:
        """The same definition for the staffing maths (Erlang A honours short abandons)."""
        return ServiceTarget(
            answer_seconds=self.answer_seconds,
            level=self.target,
            short_abandon_seconds=(
                self.short_abandon_seconds if self.exclude_short_abandons else None
            ),
        )

    def describe(self) -> str:
        rule = f"{self.target:.0%} answered within {self.answer_seconds:g} s of offered"
        if self.exclude_short_abandons:
            return f"{rule}; callers gone within {self.short_abandon_seconds:g} s not offered"
        return f"{rule}; every caller who gave up counts as offered and not answered"


@dataclass(frozen=True, slots=True)
class ContactOutcome:
    outcome: Outcome
    waited_seconds: float
    """Time in queue until answered, abandoned, called back or overflowed."""


@dataclass(frozen=True, slots=True)
class ServiceLevelReport:
    offered: int
    answered: int
    answered_in_time: int
    abandoned: int
    short_abandons: int
    callbacks: int
    overflowed: int
    service_level: float | None
    """None when nothing was offered."""
    abandonment: float | None
    """Abandoned over answered + abandoned (callbacks and overflows left out); short abandons
    are left out too when the definition excludes them."""
    meets_target: bool | None


def measure(
    outcomes: Iterable[ContactOutcome], definition: ServiceLevelDefinition
) -> ServiceLevelReport:
    answered = in_time = abandoned = short = callbacks = overflowed = 0
    for item in outcomes:
        if item.outcome is Outcome.ANSWERED:
            answered += 1
            if item.waited_seconds <= definition.answer_seconds:
                in_time += 1
        elif item.outcome is Outcome.ABANDONED:
            abandoned += 1
            if item.waited_seconds <= definition.short_abandon_seconds:
                short += 1
        elif item.outcome is Outcome.CALLBACK:
            callbacks += 1
        else:
            overflowed += 1
    counted_abandons = abandoned - short if definition.exclude_short_abandons else abandoned
    offered = answered + counted_abandons
    level = in_time / offered if offered else None
    return ServiceLevelReport(
        offered=offered,
        answered=answered,
        answered_in_time=in_time,
        abandoned=abandoned,
        short_abandons=short,
        callbacks=callbacks,
        overflowed=overflowed,
        service_level=level,
        abandonment=counted_abandons / offered if offered else None,
        meets_target=None if level is None else level >= definition.target,
    )
