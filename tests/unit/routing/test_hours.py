"""Business hours in the queue's own zone, DST days and closed dates included."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from caredesk.routing.hours import ALWAYS_OPEN, parse_hours

NEW_YORK = ZoneInfo("America/New_York")
HOURS = parse_hours(
    {
        "zone": "America/New_York",
        "monday": "08:00-22:00",
        "sunday": "09:00-24:00",
        "closed_on": ["2026-12-28"],
    },
    "hours.test",
)


def _at(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


def test_open_between_opening_and_closing_local_time() -> None:
    monday = _at(2026, 3, 9, 8)
    assert HOURS.is_open(monday)
    assert not HOURS.is_open(monday - timedelta(seconds=1))
    assert HOURS.is_open(_at(2026, 3, 9, 21, 59))
    assert not HOURS.is_open(_at(2026, 3, 9, 22))
    assert not HOURS.is_open(_at(2026, 3, 10, 12))  # Tuesday: closed
    assert HOURS.seconds_to_close(_at(2026, 3, 9, 21, 55)) == 300
    assert HOURS.seconds_to_close(_at(2026, 3, 10, 12)) is None


def test_the_same_instant_in_utc_is_judged_in_the_queues_zone() -> None:
    # 13:00 UTC on a March Monday after the DST change is 09:00 in New York.
    assert HOURS.is_open(datetime(2026, 3, 9, 13, 0, tzinfo=UTC))
    assert not HOURS.is_open(datetime(2026, 3, 9, 11, 59, tzinfo=UTC))


def test_dst_sunday_closing_at_midnight_and_closed_dates() -> None:
    # 8 March 2026 is the spring-forward Sunday: the local day is 23 hours long.
    late = _at(2026, 3, 8, 23, 30)
    assert HOURS.is_open(late)
    assert HOURS.seconds_to_close(late) == 1800
    assert not HOURS.is_open(_at(2026, 12, 28, 12))  # a Monday, closed on the date list
    assert HOURS.is_open(_at(2026, 12, 21, 12))


def test_every_day_of_a_year_opens_and_closes_at_wall_clock_times() -> None:
    day = date(2028, 1, 1)
    while day.year == 2028:
        opening = datetime(day.year, day.month, day.day, 8, tzinfo=NEW_YORK)
        expected = day.weekday() == 0
        assert HOURS.is_open(opening) is expected
        assert HOURS.is_open(opening - timedelta(minutes=1)) is False
        day += timedelta(days=1)


def test_always_open_and_naive_instants() -> None:
    assert ALWAYS_OPEN.is_open(datetime(2026, 12, 25, 3, tzinfo=UTC))
    assert ALWAYS_OPEN.seconds_to_close(datetime(2026, 12, 25, 3, tzinfo=UTC)) is None
    with pytest.raises(ValueError, match="aware"):
        HOURS.is_open(datetime(2026, 3, 9, 12))
