"""How the policy's sentences write times: zero-padded 24-hour clock times, and an instant in the
customer's zone when it is known (UTC otherwise)."""

from __future__ import annotations

from datetime import UTC, datetime, time

from caredesk.policy.wording import format_instant, hhmm

MORNING = datetime(2026, 3, 8, 9, 5, tzinfo=UTC)


def test_clock_times_are_zero_padded_24_hour() -> None:
    assert hhmm(time(9, 5)) == "09:05"
    assert hhmm(time(21, 30)) == "21:30"
    assert hhmm(datetime(2026, 3, 8, 0, 0, tzinfo=UTC)) == "00:00"


def test_an_instant_is_written_in_its_zone_or_in_utc() -> None:
    assert format_instant(MORNING) == "2026-03-08 09:05 UTC"
    # Summer time began in Denver five minutes earlier (09:00 UTC): UTC-6, not UTC-7.
    assert format_instant(MORNING, "America/Denver") == "2026-03-08 03:05 America/Denver"
    before = datetime(2026, 3, 8, 8, 55, tzinfo=UTC)
    assert format_instant(before, "America/Denver") == "2026-03-08 01:55 America/Denver"
    assert format_instant(MORNING, "Mars/Base") == "2026-03-08 09:05 UTC"
    assert format_instant(datetime(987, 1, 2, 3, 4, tzinfo=UTC)) == "0987-01-02 03:04 UTC"
