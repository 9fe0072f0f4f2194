"""Callbacks by hour in the reader's zone, on SQLite and PostgreSQL, with a fixed clock: events
either side of a fall-back and a spring-forward change land in the right local hour (the two
01:00s of a fall-back night apart), quarter-hour zones included; the charts page and its CSV
read the same buckets for "today" by the clock."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from fastapi.testclient import TestClient

from caredesk.callbacks.models import CallbackEvent
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.reports.hours import Activity, callbacks_by_hour
from caredesk.reports.periods import Period
from caredesk.reports.refusals import refusals_by_rule
from caredesk.users.models import Role
from tests.integration.callbacks.dispatch_support import make_account, make_callbacks
from tests.web.support import signed_in

NEW_YORK = "America/New_York"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def write_events(
    db: Database, kind: str, instants: list[str], rule_ids: list[str] | None = None
) -> None:
    account = make_account(db)
    [callback_id] = make_callbacks(db, account_id=account, due_at=at("2026-01-01T00:00:00+00:00"))
    with db.uow() as uow:
        for instant in instants:
            uow.session.add(
                CallbackEvent(
                    callback_id=callback_id,
                    kind=kind,
                    rule_ids=rule_ids,
                    actor="system:test",
                    at=at(instant),
                )
            )
        uow.commit()


def counts(db: Database, period: Period, activity: Activity) -> list[tuple[str, int]]:
    with db.uow() as uow:
        rows = callbacks_by_hour(uow, period)
    return [(row.bucket.label(with_day=False), row.counts[activity]) for row in rows]


def test_the_fall_back_night_counts_each_0100_apart(db: Database) -> None:
    write_events(
        db,
        "requested",
        [
            "2026-11-01T04:59:59.999999+00:00",  # 00:59 EDT
            "2026-11-01T05:00:00+00:00",  # 01:00 EDT
            "2026-11-01T05:59:59.999999+00:00",  # 01:59 EDT
            "2026-11-01T06:00:00+00:00",  # 01:00 EST
            "2026-11-01T06:30:00+00:00",  # 01:30 EST
            "2026-11-01T06:45:00+00:00",  # 01:45 EST
            "2026-11-01T03:59:59+00:00",  # 23:59 EDT the day before: outside
            "2026-11-02T05:00:00+00:00",  # 00:00 EST the day after: outside
        ],
    )
    day = counts(db, Period(NEW_YORK, date(2026, 11, 1), date(2026, 11, 1)), Activity.REQUESTED)
    assert len(day) == 25
    assert day[:4] == [("00:00 EDT", 1), ("01:00 EDT", 2), ("01:00 EST", 3), ("02:00 EST", 0)]
    assert sum(count for _, count in day) == 6


def test_the_spring_forward_day_has_no_0200(db: Database) -> None:
    write_events(
        db,
        "offered",
        [
            "2026-03-08T06:59:59+00:00",  # 01:59 EST
            "2026-03-08T07:00:00+00:00",  # 03:00 EDT (02:00 never happens)
            "2026-03-08T07:14:59+00:00",  # 03:14 EDT
        ],
    )
    day = counts(db, Period(NEW_YORK, date(2026, 3, 8), date(2026, 3, 8)), Activity.OFFERED)
    assert len(day) == 23
    assert day[1:3] == [("01:00 EST", 1), ("03:00 EDT", 2)]


def test_a_quarter_hour_zone_cuts_its_hours_at_its_own_whole_hours(db: Database) -> None:
    write_events(
        db,
        "call_placed",
        [
            "2026-03-10T04:14:59+00:00",  # 09:59 in Kathmandu (+05:45)
            "2026-03-10T04:15:00+00:00",  # 10:00
        ],
    )
    day = counts(
        db, Period("Asia/Kathmandu", date(2026, 3, 10), date(2026, 3, 10)), Activity.DIALLED
    )
    assert day[9:11] == [("09:00 +0545", 1), ("10:00 +0545", 1)]


def test_refusals_by_rule_count_within_the_period_only(db: Database) -> None:
    write_events(db, "refused", ["2026-11-01T05:30:00+00:00"], ["OB-WINDOW", "OB-NOTIFY"])
    write_events(db, "refused", ["2026-11-02T05:30:00+00:00"], ["OB-WINDOW"])
    day = Period(NEW_YORK, date(2026, 11, 1), date(2026, 11, 1))
    with db.uow() as uow:
        inside = refusals_by_rule(uow, since=day.start, until=day.end)
        ever = refusals_by_rule(uow)
    assert (inside["OB-WINDOW"], inside["OB-NOTIFY"], sum(inside.values())) == (1, 1, 2)
    assert (ever["OB-WINDOW"], sum(ever.values())) == (2, 3)


def test_the_charts_page_and_csv_read_today_by_the_clock(
    client: TestClient, db: Database, clock: FixedClock
) -> None:
    zone = NEW_YORK
    clock.set(at("2026-11-01T15:00:00+00:00"))  # 10:00 EST on the fall-back day
    write_events(db, "requested", ["2026-11-01T05:15:00+00:00", "2026-11-01T06:15:00+00:00"])
    leader = signed_in(db, Role.LEADER)
    page = client.get(f"/lead/charts?zone={zone}", headers=leader.cookie)
    assert page.status_code == 200, page.text
    assert page.text.count('<th scope="row">01:00 ') == 2
    assert "01:00 EDT" in page.text and "01:00 EST" in page.text
    assert 'value="2026-11-01"' in page.text
    sheet = client.get(f"/lead/charts/hours.csv?zone={zone}", headers=leader.cookie)
    assert sheet.status_code == 200
    assert sheet.headers["content-type"] == "text/csv; charset=utf-8"
    assert sheet.headers["content-disposition"].startswith('attachment; filename="caredesk-')
    rows = list(csv.DictReader(io.StringIO(sheet.text)))
    assert len(rows) == 25
    assert [(r["local_hour"][-9:], r["requested"]) for r in rows[1:3]] == [
        ("01:00 EDT", "1"),
        ("01:00 EST", "1"),
    ]
    assert rows[1]["hour_start_utc"] == "2026-11-01T05:00:00+00:00"
    assert rows[2]["local_start"] == "2026-11-01T01:00:00-05:00"
    # Each count links to its records: the hour's events.
    bucket = client.get(
        "/lead/activity",
        params={
            "kind": "requested",
            "start": rows[2]["hour_start_utc"],
            "end": rows[2]["hour_end_utc"],
        },
        headers=leader.cookie,
    )
    assert bucket.status_code == 200
    assert bucket.text.count('href="/lead/callbacks/') == 1
