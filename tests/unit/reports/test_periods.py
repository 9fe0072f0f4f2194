"""Periods of local days and their hour buckets: 23 hours on the day clocks spring forward, 25
(01:00 twice, told apart by the zone's abbreviation) on the day they fall back, whole hours of a
half-hour zone; refusals of a backwards or too-long period; CSV cells."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caredesk.errors import ValidationFailed
from caredesk.reports.export import to_csv
from caredesk.reports.periods import MAX_DAYS, Period, period_of, zone_named

NEW_YORK = "America/New_York"


def labels(period: Period) -> list[str]:
    return [bucket.label(with_day=False) for bucket in period.buckets()]


def test_the_fall_back_day_has_25_hours_and_01_00_twice() -> None:
    day = Period(NEW_YORK, date(2026, 11, 1), date(2026, 11, 1))
    buckets = day.buckets()
    assert len(buckets) == 25
    assert labels(day)[:4] == ["00:00 EDT", "01:00 EDT", "01:00 EST", "02:00 EST"]
    assert buckets[1].start == datetime(2026, 11, 1, 5, tzinfo=UTC)
    assert buckets[2].start == datetime(2026, 11, 1, 6, tzinfo=UTC)
    assert day.end - day.start == timedelta(hours=25)


def test_the_spring_forward_day_has_23_hours_and_no_02_00() -> None:
    day = Period(NEW_YORK, date(2026, 3, 8), date(2026, 3, 8))
    assert len(day.buckets()) == 23
    assert labels(day)[:3] == ["00:00 EST", "01:00 EST", "03:00 EDT"]
    assert "02:00" not in " ".join(labels(day))
    assert day.buckets()[2].start == datetime(2026, 3, 8, 7, tzinfo=UTC)


def test_a_half_hour_zone_buckets_on_its_own_whole_hours() -> None:
    day = Period("Asia/Kolkata", date(2026, 3, 10), date(2026, 3, 10))
    buckets = day.buckets()
    assert len(buckets) == 24
    assert buckets[0].start == datetime(2026, 3, 9, 18, 30, tzinfo=UTC)
    assert all(b.local.minute == 0 for b in buckets)


@given(
    zone=st.sampled_from(
        ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"]
    ),
    first=st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 1)),
    days=st.integers(min_value=1, max_value=3),
)
def test_buckets_tile_the_period_without_gap_or_overlap(zone: str, first: date, days: int) -> None:
    period = Period(zone, first, first + timedelta(days=days - 1))
    buckets = period.buckets()
    assert buckets[0].start == period.start and buckets[-1].end == period.end
    for one, two in itertools.pairwise(buckets):
        assert one.end == two.start
    # One bucket per whole local hour the clock shows (an hour of Lord Howe's half-hour
    # shift is half an hour long, never zero).
    assert all(b.end > b.start for b in buckets)


def test_a_period_defaults_to_today_in_the_readers_zone() -> None:
    late = datetime(2026, 3, 11, 3, 30, tzinfo=UTC)  # still the 10th in New York
    assert period_of(zone=NEW_YORK, first=None, last=None, now=late) == Period(
        NEW_YORK, date(2026, 3, 10), date(2026, 3, 10)
    )
    week = period_of(zone="UTC", first=None, last=None, now=late, default_days=7)
    assert (week.first, week.last) == (date(2026, 3, 5), date(2026, 3, 11))


@pytest.mark.parametrize(
    ("first", "last", "field"),
    [
        (date(2026, 3, 10), date(2026, 3, 9), "to"),
        (date(2026, 1, 1), date(2026, 1, 1) + timedelta(days=MAX_DAYS), "to"),
    ],
)
def test_a_backwards_or_long_period_is_refused(first: date, last: date, field: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        period_of(zone="UTC", first=first, last=last, now=datetime(2026, 3, 10, tzinfo=UTC))
    assert refused.value.field == field


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "localtime", "x" * 200, "EST5EDT/../x"])
def test_an_unknown_zone_is_refused_naming_the_field(name: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        zone_named(name)
    assert refused.value.field == "zone"


def test_csv_quotes_scrubs_and_defuses_formulas() -> None:
    text = to_csv(
        ("id", "text", "when"),
        [
            (1, 'a, "quoted"\nline', datetime(2026, 3, 10, 18, tzinfo=UTC)),
            (2, '=HYPERLINK("http://x")', None),
            (3, "card 4111 1111 1111 1111 on file", True),
            (-4, "-1+1", 2.5),
        ],
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["id", "text", "when"]
    assert rows[1] == ["1", 'a, "quoted"\nline', "2026-03-10T18:00:00+00:00"]
    assert rows[2][1].startswith("'=")
    assert "4111" not in text and rows[3][2] == "yes"
    assert rows[4] == ["-4", "'-1+1", "2.5"]  # numbers stay numbers; text never a formula
    assert text.endswith("\r\n")
    with pytest.raises(ValueError):
        to_csv(("a", "b"), [(1,)])
