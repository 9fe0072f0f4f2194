"""The calling-window arithmetic on its own: exact openings across zones and DST."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from caredesk.policy import ConsentChannel, ConsentWindow, LocalWindow, next_window_start
from caredesk.policy.window import TimeRules, zone_transitions

DEFAULT = LocalWindow(time(9), time(20))


def _utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, sec: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, sec, tzinfo=UTC)


def _inside_all(instant: datetime, zones: tuple[str, ...]) -> bool:
    return all(DEFAULT.contains(instant.astimezone(ZoneInfo(zone)).time()) for zone in zones)


def _scan(start: datetime, zones: tuple[str, ...], days: int) -> datetime | None:
    """A slow, obviously right answer: minute by minute."""
    instant = start
    while instant < start + timedelta(days=days):
        if _inside_all(instant, zones):
            return instant
        instant += timedelta(minutes=1)
    return None


def test_next_window_start_is_now_when_inside() -> None:
    now = _utc(2026, 3, 10, 18, 0, 42)
    assert next_window_start(now, ["America/Denver"]) == now


def test_next_window_start_from_the_evening_is_tomorrow_morning() -> None:
    assert next_window_start(_utc(2026, 7, 1, 3, 0), ["America/Chicago"]) == _utc(2026, 7, 1, 14)


def test_next_window_start_intersects_zones() -> None:
    zones = ("America/New_York", "Pacific/Honolulu")
    now = _utc(2026, 7, 1, 12, 0)
    assert next_window_start(now, zones) == _scan(now, zones, 2) == _utc(2026, 7, 1, 19)


def test_zones_that_never_overlap_give_none() -> None:
    # Auckland is 11 to 13 hours from London all year: the two windows never meet.
    assert next_window_start(_utc(2026, 5, 1), ["Pacific/Auckland", "Europe/London"]) is None


def test_the_search_jumps_to_the_dst_change_that_makes_windows_meet() -> None:
    # London and Sydney are 11 hours apart from October to late March: no shared minute.
    # British Summer Time begins on 29 March 2026 and the windows share 08:00-09:00 UTC.
    zones = ("Europe/London", "Australia/Sydney")
    now = _utc(2026, 1, 15, 12)
    expected = _utc(2026, 3, 29, 8, 0)
    assert next_window_start(now, zones) == expected
    assert _scan(expected - timedelta(days=2), zones, 3) == expected


def test_lord_howe_half_hour_dst_is_exact() -> None:
    zones = ("Australia/Lord_Howe",)
    for now in (_utc(2026, 4, 4, 10, 0), _utc(2026, 10, 3, 10, 0)):
        assert next_window_start(now, zones) == _scan(now, zones, 2)


def test_a_window_running_past_midnight() -> None:
    night = LocalWindow(time(22), time(6))
    assert night.contains(time(23, 30)) and night.contains(time(5, 59))
    assert not night.contains(time(6)) and not night.contains(time(21, 59))
    now = _utc(2026, 7, 1, 12)  # 08:00 in New York
    assert next_window_start(now, ["America/New_York"], night) == _utc(2026, 7, 2, 2)


def test_transitions_are_found_to_the_second() -> None:
    assert zone_transitions("America/New_York", 2026) == (
        _utc(2026, 3, 8, 7, 0),
        _utc(2026, 11, 1, 6, 0),
    )
    assert zone_transitions("America/Phoenix", 2026) == ()


def test_consent_boundaries_open_the_window_exactly() -> None:
    start = _utc(2026, 7, 1, 23, 15)
    consent = ConsentWindow(
        "CB-1",
        "customer",
        _utc(2026, 6, 30),
        ConsentChannel.EMAIL,
        start=start,
        end=start + timedelta(minutes=45),
    )
    rules = TimeRules(("America/New_York",), DEFAULT, (consent,))
    assert rules.next_allowed(_utc(2026, 7, 1, 12)) == start
    # After the consent is over the default window is back.
    assert rules.next_allowed(_utc(2026, 7, 2, 0, 0)) == _utc(2026, 7, 2, 13)
