"""Callback activity per local hour of a period: requests, offers to agents, dials and
refusals, read from the callbacks' timelines.

The database groups the events by quarter hour of UTC (one aggregate query, the same on SQLite
and PostgreSQL, no zone rules needed in SQL); each quarter is then added to the local hour it
falls in (caredesk.reports.periods), which is exact for every zone in use today."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, Integer, Select, cast, func, select

from caredesk.callbacks.models import CallbackEvent
from caredesk.callbacks.records import Event
from caredesk.db.session import UnitOfWork
from caredesk.reports.periods import SLOT_SECONDS, HourBucket, Period


class Activity(StrEnum):
    REQUESTED = "requested"
    OFFERED = "offered"
    DIALLED = "dialled"
    REFUSED = "refused"


ACTIVITY_KINDS = {
    Activity.REQUESTED: Event.REQUESTED,
    Activity.OFFERED: Event.OFFERED,
    Activity.DIALLED: Event.CALL_PLACED,
    Activity.REFUSED: Event.REFUSED,
}
ACTIVITY_TITLES = {
    Activity.REQUESTED: "Requested",
    Activity.OFFERED: "Offered to an agent",
    Activity.DIALLED: "Dialled",
    Activity.REFUSED: "Refused",
}


def _slot(uow: UnitOfWork) -> ColumnElement[Any]:
    """The event's quarter hour of UTC, as a number (seconds since 1970 // 900)."""
    if uow.dialect == "postgresql":
        epoch = func.extract("epoch", CallbackEvent.at)
        return cast(func.floor(epoch / SLOT_SECONDS), BigInteger)
    # Stored as "YYYY-MM-DD HH:MM:SS.ffffff" in UTC; the fraction is cut, not rounded, so an
    # event never slips into the next quarter.
    seconds = func.strftime("%s", func.substr(CallbackEvent.at, 1, 19))
    return cast(seconds, Integer) / SLOT_SECONDS


@dataclass(frozen=True)
class HourRow:
    bucket: HourBucket
    counts: dict[Activity, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def callbacks_by_hour(uow: UnitOfWork, period: Period) -> list[HourRow]:
    """Every local hour of the period with its count of each activity (zeros included)."""
    buckets = period.buckets()
    rows = [HourRow(bucket, dict.fromkeys(Activity, 0)) for bucket in buckets]
    by_kind = {kind: activity for activity, kind in ACTIVITY_KINDS.items()}
    slot = _slot(uow)
    query = (
        select(CallbackEvent.kind, slot, func.count())
        .where(
            CallbackEvent.kind.in_(list(by_kind)),
            CallbackEvent.at >= period.start,
            CallbackEvent.at < period.end,
        )
        .group_by(CallbackEvent.kind, slot)
    )
    starts = [bucket.start for bucket in buckets]
    for kind, quarter, count in uow.session.execute(query):
        instant = datetime.fromtimestamp(int(quarter) * SLOT_SECONDS, UTC)
        index = bisect.bisect_right(starts, instant) - 1
        if 0 <= index < len(rows):
            rows[index].counts[by_kind[kind]] += int(count)
    return rows


def activity_query(
    activity: Activity, *, since: datetime, until: datetime
) -> Select[CallbackEvent]:
    """The timeline events behind one activity figure, in [since, until)."""
    return select(CallbackEvent).where(
        CallbackEvent.kind == ACTIVITY_KINDS[activity],
        CallbackEvent.at >= since,
        CallbackEvent.at < until,
    )
