"""What a waiting caller hears about the wait.

- No estimate: a fallback sentence, no figure; when nobody serving the queue is logged in, a
  sentence that says so (telling that caller every agent is busy would be untrue).
- Under a minute: "less than a minute".
- A rounded figure: to the minute up to 10 minutes, to 5 minutes up to an hour, to 15 minutes
  beyond; past `max_minutes`, "more than ...".
- When the chosen predictor's typical relative error (`Estimate.spread`, the square root of its
  RASE) passes `range_above_spread`, a range (estimate / (1 + spread) to estimate * (1 +
  spread)), or "less than N minutes" when the low end rounds to nothing.
- Never a promise the queue's state contradicts: the figure is at least `floor_seconds`; use
  `state_floor` for the wait the callers ahead and the agents busy make all but certain.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum
from statistics import NormalDist

from caredesk.routing.wait import QueueView


class AnnouncementKind(StrEnum):
    FALLBACK = "fallback"
    NOBODY = "nobody"
    """No estimate because no agent serving the queue is logged in."""
    LESS_THAN = "less_than"
    ABOUT = "about"
    RANGE = "range"
    MORE_THAN = "more_than"


@dataclass(frozen=True, slots=True)
class AnnouncementRules:
    range_above_spread: float = 0.5
    max_minutes: int = 120


@dataclass(frozen=True, slots=True)
class Announcement:
    kind: AnnouncementKind
    minutes: int | None = None
    """LESS_THAN, ABOUT and MORE_THAN: the figure; RANGE: the low end."""
    high_minutes: int | None = None
    """RANGE: the high end."""

    def words(self, language: str = "en") -> str:
        table = _WORDS.get(language.split("-")[0], _WORDS["en"])
        if self.kind is AnnouncementKind.FALLBACK or self.kind is AnnouncementKind.NOBODY:
            return table[self.kind.value]
        assert self.minutes is not None
        if self.kind is AnnouncementKind.LESS_THAN and self.minutes == 1:
            figure = table["under_one"]
        elif self.kind is AnnouncementKind.LESS_THAN:
            figure = table["less_than"].format(_duration(self.minutes, language))
        elif self.kind is AnnouncementKind.ABOUT:
            figure = table["about"].format(_duration(self.minutes, language))
        elif self.kind is AnnouncementKind.MORE_THAN:
            figure = table["more_than"].format(_duration(self.minutes, language))
        else:
            assert self.high_minutes is not None
            high = _duration(self.high_minutes, language)
            # "between 5 and 20 minutes" when both ends are plain minutes.
            low = str(self.minutes) if self.high_minutes < 60 else _duration(self.minutes, language)
            figure = table["range"].format(low, high)
        return table["sentence"].format(figure)


_WORDS = {
    "en": {
        "fallback": (
            "All of our agents are helping other customers. We will answer as soon as we can."
        ),
        "nobody": (
            "No agent for this line is available right now. Please stay on the line and we "
            "will answer as soon as one is."
        ),
        "sentence": "Your estimated wait is {}.",
        "under_one": "less than a minute",
        "less_than": "less than {}",
        "about": "about {}",
        "more_than": "more than {}",
        "range": "between {} and {}",
    },
    "es": {
        "fallback": (
            "Todos nuestros agentes están ayudando a otros clientes. "
            "Le atenderemos lo antes posible."
        ),
        "nobody": (
            "En este momento no hay ningún agente disponible para esta línea. Por favor, "
            "permanezca en la línea y le atenderemos en cuanto haya uno."
        ),
        "sentence": "Su tiempo de espera estimado es de {}.",
        "under_one": "menos de un minuto",
        "less_than": "menos de {}",
        "about": "aproximadamente {}",
        "more_than": "más de {}",
        "range": "entre {} y {}",
    },
}


def _duration(minutes: int, language: str) -> str:
    spanish = language.startswith("es")
    hours, rest = divmod(minutes, 60)

    def unit(count: int, one: str, many: str) -> str:
        return f"{count} {one if count == 1 else many}"

    minute_words = unit(rest, "minuto", "minutos") if spanish else unit(rest, "minute", "minutes")
    if hours == 0:
        return minute_words
    hour_words = unit(hours, "hora", "horas") if spanish else unit(hours, "hour", "hours")
    if rest == 0:
        return hour_words
    return f"{hour_words} y {minute_words}" if spanish else f"{hour_words} {minute_words}"


def _step(minutes: float) -> int:
    return 1 if minutes <= 10 else 5 if minutes <= 60 else 15


def _round(minutes: float) -> int:
    step = _step(minutes)
    return max(1, round(minutes / step) * step)


def _down(minutes: float) -> int:
    step = _step(minutes)
    return math.floor(minutes / step) * step


def _up(minutes: float) -> int:
    step = _step(minutes)
    return math.ceil(minutes / step) * step


def announce(
    seconds: float | None,
    spread: float | None = None,
    *,
    floor_seconds: float = 0.0,
    rules: AnnouncementRules = AnnouncementRules(),
) -> Announcement:
    """The announcement for an estimate (`seconds`) typically off by `spread` (relative)."""
    if seconds is None or not math.isfinite(seconds):
        return Announcement(AnnouncementKind.FALLBACK)
    minutes = max(seconds, floor_seconds, 0.0) / 60
    if minutes >= 1 and _round(minutes) > rules.max_minutes:
        return Announcement(AnnouncementKind.MORE_THAN, rules.max_minutes)
    if spread is not None and spread > rules.range_above_spread and minutes >= 1:
        low = _down(max(minutes / (1 + spread), max(floor_seconds, 0.0) / 60))
        high = min(_up(minutes * (1 + spread)), rules.max_minutes)
        if low < 1:
            return Announcement(AnnouncementKind.LESS_THAN, high)
        if low >= high:
            return Announcement(AnnouncementKind.ABOUT, _round(minutes))
        return Announcement(AnnouncementKind.RANGE, low, high)
    if minutes < 1:
        return Announcement(AnnouncementKind.LESS_THAN, 1)
    return Announcement(AnnouncementKind.ABOUT, _round(minutes))


def announce_unknown(view: QueueView) -> Announcement:
    """What a caller hears when no predictor has a figure: that nobody is there to answer,
    when no agent serving the queue is logged in; otherwise the fallback."""
    if view.agents <= 0:
        return Announcement(AnnouncementKind.NOBODY)
    return Announcement(AnnouncementKind.FALLBACK)


def state_floor(view: QueueView, quantile: float = 0.1) -> float:
    """A wait the queue's state makes all but certain: the `quantile` of the time the agents
    need to finish enough calls to reach this caller (an Erlang distribution, by the
    Wilson-Hilferty approximation). 0 when an agent is free for this caller."""
    needed = view.ahead + 1 - view.idle_agents
    if needed <= 0 or view.agents <= 0 or not view.mean_handle_seconds:
        return 0.0
    rate = view.agents / view.mean_handle_seconds
    z = NormalDist().inv_cdf(quantile)
    shape = 1 / (9 * needed)
    factor = max(0.0, 1 - shape + z * math.sqrt(shape))
    return needed / rate * factor**3
