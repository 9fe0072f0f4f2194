"""Business hours: when a queue is open, in its own time zone, given the instant as an argument.

Hours are wall-clock times per weekday in an IANA zone ("08:00-22:00"; "24:00" closes at
midnight), with closed dates; `always` is a line that never closes (the emergency line abroad).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from caredesk.routing.config_values import (
    RoutingConfigError,
    boolean,
    named_tables,
    string_list,
    table,
    text,
)

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_SPAN = re.compile(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]|24):([0-5]\d)")
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True, slots=True)
class BusinessHours:
    zone: str
    days: tuple[tuple[int, int] | None, ...]
    """Per weekday (Monday first): opening and closing minute of the local day, or None."""
    closed_dates: frozenset[date] = frozenset()
    always: bool = False

    def _local(self, at: datetime) -> datetime:
        if at.tzinfo is None:
            raise ValueError("business hours need an aware datetime")
        return at.astimezone(ZoneInfo(self.zone))

    def _span(self, local: datetime) -> tuple[int, int] | None:
        if local.date() in self.closed_dates:
            return None
        return self.days[local.weekday()]

    def is_open(self, at: datetime) -> bool:
        if self.always:
            return True
        local = self._local(at)
        span = self._span(local)
        minute = local.hour * 60 + local.minute + local.second / 60
        return span is not None and span[0] <= minute < span[1]

    def seconds_to_close(self, at: datetime) -> float | None:
        """Seconds until today's closing time while open; None when closed or never closing."""
        if self.always or not self.is_open(at):
            return None
        local = self._local(at)
        span = self._span(local)
        assert span is not None
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0, tzinfo=None)
        closing_wall = midnight + timedelta(minutes=span[1])
        closing = closing_wall.replace(tzinfo=ZoneInfo(self.zone))
        return max(0.0, (closing - at).total_seconds())


ALWAYS_OPEN = BusinessHours(zone="UTC", days=((0, MINUTES_PER_DAY),) * 7, always=True)


def _span(value: object, key: str) -> tuple[int, int] | None:
    if value == "closed":
        return None
    if not isinstance(value, str) or (match := _SPAN.fullmatch(value)) is None:
        raise RoutingConfigError(key, 'must be "HH:MM-HH:MM" (e.g. "08:00-22:00") or "closed"')
    start = int(match[1]) * 60 + int(match[2])
    end = int(match[3]) * 60 + int(match[4])
    if end > MINUTES_PER_DAY:
        raise RoutingConfigError(key, "closes at 24:00 at the latest")
    if end <= start:
        raise RoutingConfigError(key, "must close after it opens (no overnight spans)")
    return start, end


def parse_hours(value: object, key: str) -> BusinessHours:
    allowed = frozenset({"zone", "always", "closed_on", *WEEKDAYS})
    hours = table(value, key, allowed)
    if boolean(hours.get("always", False), f"{key}.always"):
        if set(hours) - {"always", "zone"}:
            raise RoutingConfigError(key, "an always-open line takes no weekday hours")
        return ALWAYS_OPEN
    zone = text(hours.get("zone", ""), f"{key}.zone") if "zone" in hours else None
    if zone is None:
        raise RoutingConfigError(f"{key}.zone", "missing (an IANA zone such as America/New_York)")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise RoutingConfigError(f"{key}.zone", f"unknown time zone {zone!r}") from None
    days = tuple(_span(hours.get(day, "closed"), f"{key}.{day}") for day in WEEKDAYS)
    closed: set[date] = set()
    for item in string_list(hours.get("closed_on", []), f"{key}.closed_on"):
        try:
            closed.add(date.fromisoformat(item))
        except ValueError:
            raise RoutingConfigError(
                f"{key}.closed_on", f"{item!r} is not a date YYYY-MM-DD"
            ) from None
    if all(day is None for day in days):
        raise RoutingConfigError(key, "is never open (give weekday hours or always = true)")
    return BusinessHours(zone=zone, days=days, closed_dates=frozenset(closed))


def parse_all_hours(value: object, key: str = "hours") -> Mapping[str, BusinessHours]:
    return {
        name: parse_hours(inner, f"{key}.{name}")
        for name, inner in named_tables(value, key).items()
    }
