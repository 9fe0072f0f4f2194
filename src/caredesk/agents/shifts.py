"""Weekly shift schedules in the agent's own time zone, and what they mean at a given instant.

Pure: standard library and zoneinfo only; time is an argument.

A shift is (weekday, start, end) in local wall-clock time, weekday 0 = Monday. An end earlier
than the start means the shift crosses midnight and ends on the next day. Each occurrence of a
shift becomes an interval of instants [start, end):
- a start or end that falls in a spring-forward gap (the wall clock skips it) resolves to the
  first valid instant after the gap, so a 02:30 start on that night starts at 03:00 new time;
- a start that falls in the repeated fall-back hour resolves to its first occurrence and an end
  to its second, so the shift covers every moment the wall clock reads a time inside it.
Shifts that touch (one ends when the next begins) count as one continuous stretch on shift.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SECONDS_PER_DAY = 24 * 60 * 60
SECONDS_PER_WEEK = 7 * SECONDS_PER_DAY
MAX_SHIFTS = 50
# A weekly schedule repeats within seven days; a little more covers a shift that began the day
# before and the hour a DST change moves.
_LOOK_BEHIND = timedelta(days=2)
_LOOK_AHEAD = timedelta(days=9)


@dataclass(frozen=True, order=True)
class Shift:
    weekday: int
    start: time
    end: time

    @property
    def crosses_midnight(self) -> bool:
        return self.end < self.start

    def label(self) -> str:
        day = WEEKDAYS[self.weekday] if 0 <= self.weekday <= 6 else str(self.weekday)
        return f"{day} {self.start:%H:%M}-{self.end:%H:%M}"


class ShiftProblem(ValueError):
    """A schedule that cannot be stored; ``index`` points at the shift at fault."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index


def _seconds(value: time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def validate_shifts(shifts: Sequence[Shift]) -> None:
    """Refuses a weekday outside 0-6, local times carrying an offset or fractions of a second,
    a zero-length shift, more than MAX_SHIFTS rows, and any two shifts that overlap in the
    local week (a Sunday night shift running into Monday counts against Monday's)."""
    if len(shifts) > MAX_SHIFTS:
        raise ShiftProblem(f"a weekly schedule holds at most {MAX_SHIFTS} shifts", MAX_SHIFTS)
    spans: list[tuple[int, int, int]] = []
    for index, shift in enumerate(shifts):
        if not 0 <= shift.weekday <= 6:
            raise ShiftProblem("weekday must be 0 (Monday) to 6 (Sunday)", index)
        for value in (shift.start, shift.end):
            if value.tzinfo is not None:
                raise ShiftProblem("times are local wall-clock times, without an offset", index)
            if value.microsecond:
                raise ShiftProblem("times are whole seconds", index)
        if shift.start == shift.end:
            raise ShiftProblem(f"{shift.label()} starts and ends at the same time", index)
        start = shift.weekday * SECONDS_PER_DAY + _seconds(shift.start)
        length = (_seconds(shift.end) - _seconds(shift.start)) % SECONDS_PER_DAY
        spans.append((start, start + length, index))
    spans.sort()
    # The week is a circle: compare each span with the next, and the last with the first + 1 week.
    for position, (start, end, index) in enumerate(spans):
        if position + 1 < len(spans):
            next_start, _, next_index = spans[position + 1]
        elif len(spans) > 1:
            next_start, _, next_index = spans[0]
            next_start += SECONDS_PER_WEEK
        else:
            next_start, next_index = start + SECONDS_PER_WEEK, index
        if next_start < end:
            other = shifts[min(index, next_index)].label()
            raise ShiftProblem(
                f"{shifts[max(index, next_index)].label()} overlaps {other}",
                max(index, next_index),
            )


def _offset_after(zone: ZoneInfo, instant: datetime) -> timedelta | None:
    return instant.astimezone(zone).utcoffset()


def _first_valid_instant(zone: ZoneInfo, low: datetime, high: datetime) -> datetime:
    """The instant the offset changes between ``low`` and ``high`` (UTC, to the second)."""
    before = _offset_after(zone, low)
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        middle = middle.replace(microsecond=0)
        if middle <= low:
            break
        if _offset_after(zone, middle) == before:
            low = middle
        else:
            high = middle
    return high


def resolve_local(day: date, at: time, zone: ZoneInfo, *, latest: bool = False) -> datetime:
    """The UTC instant of wall-clock ``at`` on ``day`` in ``zone``. In a gap: the first valid
    instant after it. When repeated: the first occurrence, or the second with ``latest``."""
    naive = datetime.combine(day, at.replace(tzinfo=None))
    early = naive.replace(tzinfo=zone, fold=0).astimezone(UTC)
    late = naive.replace(tzinfo=zone, fold=1).astimezone(UTC)
    if early == late:
        return early
    round_trips = early.astimezone(zone).replace(tzinfo=None) == naive
    if round_trips:  # the wall time happens twice (fall back)
        return max(early, late) if latest else min(early, late)
    # The wall time never happens (spring forward): fold=1 reads it with the old offset and lands
    # before the change, fold=0 with the new one and lands after it.
    return _first_valid_instant(zone, min(early, late), max(early, late))


def occurrences(
    shifts: Iterable[Shift], zone: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """Every shift occurrence that overlaps [start, end), as UTC intervals, in time order."""
    first_day = (start - _LOOK_BEHIND).astimezone(zone).date()
    last_day = end.astimezone(zone).date()
    schedule = list(shifts)
    intervals: list[tuple[datetime, datetime]] = []
    day = first_day
    while day <= last_day:
        for shift in schedule:
            if shift.weekday != day.weekday():
                continue
            end_day = day + timedelta(days=1) if shift.crosses_midnight else day
            begins = resolve_local(day, shift.start, zone)
            ends = resolve_local(end_day, shift.end, zone, latest=True)
            if ends > begins and ends > start and begins < end:
                intervals.append((begins, ends))
        day += timedelta(days=1)
    intervals.sort()
    return intervals


def _stretches(shifts: Iterable[Shift], zone: ZoneInfo, instant: datetime) -> list[list[datetime]]:
    """Continuous stretches on shift around ``instant``: touching or overlapping occurrences
    are merged."""
    merged: list[list[datetime]] = []
    for begins, ends in occurrences(shifts, zone, instant - _LOOK_BEHIND, instant + _LOOK_AHEAD):
        if merged and begins <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], ends)
        else:
            merged.append([begins, ends])
    return merged


def _check_instant(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("instant must be an aware datetime")
    return instant.astimezone(UTC)


def is_on_shift(shifts: Iterable[Shift], zone: ZoneInfo, instant: datetime) -> bool:
    instant = _check_instant(instant)
    return any(begins <= instant < ends for begins, ends in _stretches(shifts, zone, instant))


def shift_end_after(shifts: Iterable[Shift], zone: ZoneInfo, instant: datetime) -> datetime | None:
    """When the stretch on shift that includes ``instant`` ends (UTC); None when off shift.
    A schedule that never ends within the look-ahead reports the end of what it covers."""
    instant = _check_instant(instant)
    for begins, ends in _stretches(shifts, zone, instant):
        if begins <= instant < ends:
            return ends
    return None


def next_shift_start(shifts: Iterable[Shift], zone: ZoneInfo, instant: datetime) -> datetime | None:
    """The first instant at or after ``instant`` when a stretch on shift begins (UTC); None
    for an empty schedule. When on shift, this is the start of the following stretch."""
    instant = _check_instant(instant)
    for begins, _ends in _stretches(shifts, zone, instant):
        if begins >= instant:
            return begins
    return None
