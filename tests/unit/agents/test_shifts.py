"""Weekly shifts: validation, and what a schedule means at an instant across DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from caredesk.agents.shifts import (
    MAX_SHIFTS,
    Shift,
    ShiftProblem,
    is_on_shift,
    next_shift_start,
    occurrences,
    resolve_local,
    shift_end_after,
    validate_shifts,
)

NY = ZoneInfo("America/New_York")
MON, FRI, SAT, SUN = 0, 4, 5, 6


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def t(text: str) -> time:
    return time.fromisoformat(text)


# -- validation ---------------------------------------------------------------------------------


def test_a_normal_week_and_touching_shifts_are_accepted() -> None:
    validate_shifts(
        [
            Shift(MON, t("09:00"), t("13:00")),
            Shift(MON, t("13:00"), t("17:00")),
            Shift(FRI, t("22:00"), t("06:00")),
            Shift(SAT, t("06:00"), t("10:00")),
        ]
    )
    validate_shifts([])


@pytest.mark.parametrize(
    ("shifts", "index", "words"),
    [
        ([Shift(MON, t("09:00"), t("09:00"))], 0, "same time"),
        ([Shift(7, t("09:00"), t("10:00"))], 0, "weekday"),
        ([Shift(-1, t("09:00"), t("10:00"))], 0, "weekday"),
        ([Shift(MON, t("09:00"), t("12:00")), Shift(MON, t("11:00"), t("13:00"))], 1, "overlaps"),
        # The night shift runs into Saturday morning.
        ([Shift(FRI, t("22:00"), t("06:00")), Shift(SAT, t("05:00"), t("09:00"))], 1, "overlaps"),
        # Sunday night into Monday: the week wraps around.
        ([Shift(MON, t("06:00"), t("14:00")), Shift(SUN, t("22:00"), t("07:00"))], 1, "overlaps"),
        ([Shift(MON, t("08:00"), t("18:00")), Shift(MON, t("10:00"), t("11:00"))], 1, "overlaps"),
        ([Shift(MON, t("09:00+02:00"), t("10:00"))], 0, "offset"),
        ([Shift(MON, t("09:00:00.5"), t("10:00"))], 0, "whole seconds"),
    ],
)
def test_bad_schedules_are_refused_naming_the_shift(
    shifts: list[Shift], index: int, words: str
) -> None:
    with pytest.raises(ShiftProblem) as refused:
        validate_shifts(shifts)
    assert refused.value.index == index
    assert words in str(refused.value)


def test_a_huge_schedule_is_refused() -> None:
    many = [Shift(day % 7, time(day // 7), time(day // 7, 30)) for day in range(MAX_SHIFTS + 1)]
    with pytest.raises(ShiftProblem, match="at most"):
        validate_shifts(many)


# -- resolving wall-clock times -----------------------------------------------------------------


def test_a_time_in_the_spring_forward_gap_resolves_to_the_first_valid_instant() -> None:
    # 2026-03-08: 02:00 EST jumps to 03:00 EDT at 07:00 UTC.
    assert resolve_local(date(2026, 3, 8), t("02:30"), NY) == utc(2026, 3, 8, 7)
    assert resolve_local(date(2026, 3, 8), t("02:00"), NY, latest=True) == utc(2026, 3, 8, 7)
    assert resolve_local(date(2026, 3, 8), t("01:59:59"), NY) == utc(2026, 3, 8, 6, 59, 59)


def test_a_repeated_time_resolves_to_the_first_or_the_second_occurrence() -> None:
    # 2026-11-01: 02:00 EDT falls back to 01:00 EST at 06:00 UTC; 01:30 happens twice.
    assert resolve_local(date(2026, 11, 1), t("01:30"), NY) == utc(2026, 11, 1, 5, 30)
    assert resolve_local(date(2026, 11, 1), t("01:30"), NY, latest=True) == utc(2026, 11, 1, 6, 30)


def test_a_half_hour_dst_gap_is_resolved_too() -> None:
    lord_howe = ZoneInfo("Australia/Lord_Howe")  # springs forward by 30 minutes
    start = resolve_local(date(2026, 10, 4), t("02:15"), lord_howe)
    assert start.astimezone(lord_howe).time() == t("02:30")
    assert (start - timedelta(seconds=1)).astimezone(lord_howe).time() == t("01:59:59")


# -- America/New_York, March ---------------------------------------------------------------------


def test_a_shift_across_spring_forward_is_an_hour_shorter() -> None:
    shifts = [Shift(SUN, t("01:00"), t("05:00"))]
    [(begins, ends)] = occurrences(shifts, NY, utc(2026, 3, 8), utc(2026, 3, 9))
    assert (begins, ends) == (utc(2026, 3, 8, 6), utc(2026, 3, 8, 9))
    assert is_on_shift(shifts, NY, utc(2026, 3, 8, 6, 59))
    assert shift_end_after(shifts, NY, utc(2026, 3, 8, 6, 30)) == utc(2026, 3, 8, 9)


def test_a_shift_starting_in_the_gap_starts_when_the_clock_jumps() -> None:
    shifts = [Shift(SUN, t("02:30"), t("06:00"))]
    assert not is_on_shift(shifts, NY, utc(2026, 3, 8, 6, 59, 59))  # 01:59:59 EST
    assert is_on_shift(shifts, NY, utc(2026, 3, 8, 7))  # 03:00 EDT
    assert next_shift_start(shifts, NY, utc(2026, 3, 8, 5)) == utc(2026, 3, 8, 7)
    # The Sunday before, in standard time, it starts at 02:30 EST.
    assert next_shift_start(shifts, NY, utc(2026, 3, 1)) == utc(2026, 3, 1, 7, 30)


def test_a_night_shift_ending_in_the_gap_ends_when_the_clock_jumps() -> None:
    shifts = [Shift(SAT, t("22:00"), t("02:30"))]
    assert next_shift_start(shifts, NY, utc(2026, 3, 7, 12)) == utc(2026, 3, 8, 3)
    assert shift_end_after(shifts, NY, utc(2026, 3, 8, 5)) == utc(2026, 3, 8, 7)
    assert not is_on_shift(shifts, NY, utc(2026, 3, 8, 7))


# -- America/New_York, November ------------------------------------------------------------------


def test_a_shift_across_fall_back_is_an_hour_longer() -> None:
    shifts = [Shift(SUN, t("00:00"), t("03:00"))]
    [(begins, ends)] = occurrences(shifts, NY, utc(2026, 11, 1), utc(2026, 11, 2))
    assert ends - begins == timedelta(hours=4)
    assert shift_end_after(shifts, NY, utc(2026, 11, 1, 6, 15)) == utc(2026, 11, 1, 8)


def test_a_shift_starting_in_the_repeated_hour_starts_at_its_first_occurrence() -> None:
    shifts = [Shift(SUN, t("01:30"), t("04:00"))]
    assert next_shift_start(shifts, NY, utc(2026, 11, 1)) == utc(2026, 11, 1, 5, 30)
    assert is_on_shift(shifts, NY, utc(2026, 11, 1, 6, 10))  # 01:10 EST, the second time round


def test_a_shift_ending_in_the_repeated_hour_covers_both_passes() -> None:
    shifts = [Shift(SAT, t("20:00"), t("01:30"))]
    assert is_on_shift(shifts, NY, utc(2026, 11, 1, 5, 45))  # 01:45 EDT
    assert is_on_shift(shifts, NY, utc(2026, 11, 1, 6, 15))  # 01:15 EST
    assert shift_end_after(shifts, NY, utc(2026, 11, 1, 2)) == utc(2026, 11, 1, 6, 30)
    assert not is_on_shift(shifts, NY, utc(2026, 11, 1, 6, 30))


# -- ordinary weeks --------------------------------------------------------------------------------


def test_a_night_shift_crossing_midnight() -> None:
    shifts = [Shift(FRI, t("22:00"), t("06:00"))]
    # Friday 2026-03-13 22:00 EDT = Saturday 02:00 UTC; ends Saturday 06:00 EDT = 10:00 UTC.
    assert not is_on_shift(shifts, NY, utc(2026, 3, 14, 1, 59))
    assert is_on_shift(shifts, NY, utc(2026, 3, 14, 2))
    assert is_on_shift(shifts, NY, utc(2026, 3, 14, 8))  # Saturday 04:00 local
    assert shift_end_after(shifts, NY, utc(2026, 3, 14, 8)) == utc(2026, 3, 14, 10)
    assert not is_on_shift(shifts, NY, utc(2026, 3, 14, 10))
    assert next_shift_start(shifts, NY, utc(2026, 3, 14, 10)) == utc(2026, 3, 21, 2)


def test_a_sunday_night_shift_runs_into_monday() -> None:
    shifts = [Shift(SUN, t("23:00"), t("07:00"))]
    monday_3am = datetime(2026, 3, 16, 3, tzinfo=NY)
    assert is_on_shift(shifts, NY, monday_3am)
    assert shift_end_after(shifts, NY, monday_3am) == datetime(2026, 3, 16, 7, tzinfo=NY)


def test_touching_shifts_are_one_stretch() -> None:
    shifts = [Shift(MON, t("09:00"), t("13:00")), Shift(MON, t("13:00"), t("17:00"))]
    ten = datetime(2026, 3, 16, 10, tzinfo=NY)
    assert shift_end_after(shifts, NY, ten) == datetime(2026, 3, 16, 17, tzinfo=NY)
    # On shift, the next start is next Monday's, not 13:00 today.
    assert next_shift_start(shifts, NY, ten) == datetime(2026, 3, 23, 9, tzinfo=NY)


def test_an_empty_schedule_is_never_on_shift() -> None:
    now = utc(2026, 3, 10, 18)
    assert not is_on_shift([], NY, now)
    assert shift_end_after([], NY, now) is None
    assert next_shift_start([], NY, now) is None


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        is_on_shift([Shift(MON, t("09:00"), t("17:00"))], NY, datetime(2026, 3, 16, 10))


# -- properties ------------------------------------------------------------------------------------

ZONES = [NY, ZoneInfo("Europe/London"), ZoneInfo("Australia/Lord_Howe"), ZoneInfo("Asia/Tokyo")]
whole_minutes = st.builds(time, st.integers(0, 23), st.sampled_from([0, 15, 30, 45]))
shift_sets = st.lists(st.builds(Shift, st.integers(0, 6), whole_minutes, whole_minutes), max_size=5)
instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=300, deadline=None)
@given(shifts=shift_sets, zone=st.sampled_from(ZONES), instant=instants)
def test_on_shift_end_and_next_start_agree(
    shifts: list[Shift], zone: ZoneInfo, instant: datetime
) -> None:
    try:
        validate_shifts(shifts)
    except ShiftProblem:
        assume(False)
    second = timedelta(seconds=1)
    on = is_on_shift(shifts, zone, instant)
    ends = shift_end_after(shifts, zone, instant)
    assert on == (ends is not None)
    if ends is not None:
        assert ends > instant
        assert is_on_shift(shifts, zone, ends - second)
        assert not is_on_shift(shifts, zone, ends)
    begins = next_shift_start(shifts, zone, instant)
    assert (begins is None) == (not shifts)
    if begins is not None:
        assert instant <= begins <= instant + timedelta(days=8)
        assert is_on_shift(shifts, zone, begins)
        assert not is_on_shift(shifts, zone, begins - second)
        if not on:
            assert not is_on_shift(shifts, zone, instant + (begins - instant) / 2)
