"""A period of whole local days in a reader's zone, and its hour buckets.

A local day is not always 24 hours: the day clocks spring forward has 23, the day they fall
back has 25 (01:00 happens twice, once in each offset), so the buckets are found by walking
real time and starting one wherever the local clock reads a whole hour. Every zone in use today
changes offset on a quarter-hour of UTC, which is why the walk (and the SQL slots the figures
are grouped by) is in quarter hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from caredesk.errors import ValidationFailed

MAX_DAYS = 31
MAX_ZONE = 64
SLOT = timedelta(minutes=15)
SLOT_SECONDS = int(SLOT.total_seconds())


@cache
def zone_names() -> tuple[str, ...]:
    """The IANA zones a reader may choose, sorted."""
    return tuple(sorted(name for name in available_timezones() if "/" in name or name == "UTC"))


def zone_named(name: str, *, field: str = "zone") -> ZoneInfo:
    if len(name) > MAX_ZONE or name not in zone_names():
        raise ValidationFailed(f"{name[:MAX_ZONE]!r} is not an IANA time zone", field=field)
    return ZoneInfo(name)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    """The instant ``day`` starts in ``zone`` (in UTC). Where midnight itself is skipped by a
    change of offset, the day starts at the first local instant after it."""
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)


def today_in(zone: ZoneInfo, now: datetime) -> date:
    return now.astimezone(zone).date()


@dataclass(frozen=True)
class HourBucket:
    start: datetime
    """UTC, inclusive."""
    end: datetime
    """UTC, exclusive."""
    local: datetime
    """The start as the reader's clock shows it (aware, in their zone)."""

    def label(self, *, with_day: bool) -> str:
        """``14:00 EDT``, or ``Sun 01 Nov 01:00 EST`` when the period has several days; the
        zone's abbreviation tells the two 01:00s of a fall-back night apart."""
        fmt = "%a %d %b %H:%M" if with_day else "%H:%M"
        return f"{self.local.strftime(fmt)} {self.local.tzname()}"


@dataclass(frozen=True)
class Period:
    """Whole local days ``first`` to ``last`` (inclusive) in ``zone``."""

    zone: str
    first: date
    last: date

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.zone)

    @property
    def start(self) -> datetime:
        return local_midnight(self.first, self.tz)

    @property
    def end(self) -> datetime:
        return local_midnight(self.last + timedelta(days=1), self.tz)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    def buckets(self) -> list[HourBucket]:
        """Every local hour of the period, in order (23 on a spring-forward day, 25 on a
        fall-back day)."""
        tz = self.tz
        starts: list[datetime] = []
        instant, end = self.start, self.end
        while instant < end:
            local = instant.astimezone(tz)
            if not starts or (local.minute == 0 and local.second == 0):
                starts.append(instant)
            instant += SLOT
        bounds = [*starts[1:], end]
        return [HourBucket(s, e, s.astimezone(tz)) for s, e in zip(starts, bounds, strict=True)]


def period_of(
    *, zone: str, first: date | None, last: date | None, now: datetime, default_days: int = 1
) -> Period:
    """The period a reader asked for; without dates, the ``default_days`` up to today in
    their zone. Refused (naming the field) when backwards or longer than ``MAX_DAYS``."""
    tz = zone_named(zone)
    today = today_in(tz, now)
    last = last or (first if first and first > today else today)
    first = first or last - timedelta(days=default_days - 1)
    if last < first:
        raise ValidationFailed("must be on or after the first day", field="to")
    if (last - first).days + 1 > MAX_DAYS:
        raise ValidationFailed(f"a period is at most {MAX_DAYS} days", field="to")
    return Period(zone, first, last)
