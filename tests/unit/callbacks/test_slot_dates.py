"""The times offered in a scheduling email, computed from "now", on every day of 2027 and 2028
(DST changes, month and year ends, 29 February included) in single- and split-zone cases: each
slot is an hour inside the calling window in every zone, at least the lead time ahead, within
the horizon, one per customer-local day, in order."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from caredesk.callbacks.notices import (
    SLOT_HORIZON,
    SLOT_LEAD,
    SLOT_LENGTH,
    SLOTS_OFFERED,
    propose_slots,
)
from caredesk.policy.window import LocalWindow

WINDOW = LocalWindow(time(8, 0), time(21, 0))
ZONE_SETS = (
    ("America/New_York",),
    ("America/Phoenix",),
    ("America/Anchorage", "America/Adak"),
    ("America/Los_Angeles", "America/Boise"),
)
# Late evening and early afternoon in the US, so both "later today" and "tomorrow" are covered.
TIMES_OF_DAY = (time(3, 17), time(17, 45))


def _instants() -> list[datetime]:
    day, last = date(2027, 1, 1), date(2028, 12, 31)
    found = []
    while day <= last:
        found += [datetime.combine(day, at, tzinfo=UTC) for at in TIMES_OF_DAY]
        day += timedelta(days=1)
    return found


@pytest.mark.parametrize("zones", ZONE_SETS, ids="+".join)
def test_slots_on_every_day_of_two_years(zones: tuple[str, ...]) -> None:
    for now in _instants():
        slots = propose_slots(now=now, zones=zones, window=WINDOW, schedule=None)
        assert len(slots) == SLOTS_OFFERED, now
        assert slots == sorted(slots), now
        days = {start.astimezone(ZoneInfo(zones[0])).date() for start, _end in slots}
        assert len(days) == len(slots), now
        for start, end in slots:
            assert end - start == SLOT_LENGTH, now
            assert now + SLOT_LEAD <= start and end <= now + SLOT_HORIZON + SLOT_LENGTH, now
            for key in zones:
                local_start = start.astimezone(ZoneInfo(key))
                local_last = (end - timedelta(seconds=1)).astimezone(ZoneInfo(key))
                assert local_start.date() == local_last.date(), (now, key)
                assert WINDOW.contains(local_start.time()), (now, key, local_start)
                assert WINDOW.contains(local_last.time()), (now, key, local_last)
