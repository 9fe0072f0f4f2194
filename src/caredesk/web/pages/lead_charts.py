"""The dashboard over a period, in a zone the leader chooses (theirs by default): callbacks by
local hour and refusals by rule as charts (Chart.js) with the same figures as tables, every
count a link to its records (``/lead/activity``, ``/lead/refusals``), every figure in CSV."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request, Response

from caredesk.callbacks.models import CallbackEvent
from caredesk.db.paging import fetch_page
from caredesk.db.session import UnitOfWork
from caredesk.errors import ValidationFailed
from caredesk.reports.export import Cell
from caredesk.reports.hours import (
    ACTIVITY_TITLES,
    Activity,
    HourRow,
    activity_query,
    callbacks_by_hour,
)
from caredesk.reports.periods import MAX_DAYS, Period
from caredesk.reports.refusals import (
    MAX_RULE,
    explain,
    known_rule,
    refusal_reasons,
    refusals_by_rule,
    refusals_query,
    rule_title,
)
from caredesk.web.deps import Principal, UoW
from caredesk.web.pages.lead_lists import next_url
from caredesk.web.pages.lead_support import (
    PER_PAGE,
    Cursor,
    From,
    To,
    Zone,
    chosen_period,
    chosen_zone,
    csv_response,
    every_row,
    lead_page,
)
from caredesk.web.pages.routing import SignedLeader, page_router

router = page_router()
Rule = Annotated[str | None, Query(max_length=MAX_RULE)]
Instant = Annotated[datetime | None, Query()]
# Beyond two days, the hour table lists only the hours with something in them.
FULL_TABLE_DAYS = 2


def _period(
    uow: UnitOfWork, principal: Principal, zone: str | None, first: Any, last: Any
) -> Period:
    return chosen_period(uow, principal, zone=zone, first=first, last=last)


def _period_query(period: Period, **extra: str) -> str:
    values = {"zone": period.zone, "from": period.first.isoformat(), "to": period.last.isoformat()}
    return urlencode({**values, **{k: v for k, v in extra.items() if v}})


def _refused(uow: UnitOfWork, period: Period) -> list[dict[str, Any]]:
    counts = refusals_by_rule(uow, since=period.start, until=period.end)
    return [
        {"rule_id": rule, "title": rule_title(rule), "count": count}
        for rule, count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        if count
    ]


def _chart(period: Period, hours: list[HourRow], refused: list[dict[str, Any]]) -> dict[str, Any]:
    with_day = period.days > 1
    return {
        "hours": {
            "labels": [row.bucket.label(with_day=with_day) for row in hours],
            "series": [
                {"label": ACTIVITY_TITLES[a], "key": a.value, "data": [r.counts[a] for r in hours]}
                for a in Activity
            ],
        },
        "rules": {
            "labels": [item["rule_id"] for item in refused],
            "series": [
                {"label": "Refusals", "key": "refused", "data": [i["count"] for i in refused]}
            ],
        },
    }


def _activity_url(activity: Activity, row: HourRow, period: Period) -> str:
    """The records behind one count of the hour table."""
    query = {
        "kind": activity.value,
        "start": row.bucket.start.isoformat(),
        "end": row.bucket.end.isoformat(),
        "zone": period.zone,
    }
    return f"/lead/activity?{urlencode(query)}"


@router.get("/lead/charts")
def lead_charts(
    request: Request,
    principal: SignedLeader,
    uow: UoW,
    zone: Zone = None,
    first: From = None,
    last: To = None,
) -> Response:
    period = _period(uow, principal, zone, first, last)
    hours = callbacks_by_hour(uow, period)
    refused = _refused(uow, period)
    shown = hours if period.days <= FULL_TABLE_DAYS else [row for row in hours if row.total]
    context = {
        "period": period,
        "zone": period.zone,
        "hours": shown,
        "all_hours": len(shown) == len(hours),
        "activities": [(a, ACTIVITY_TITLES[a]) for a in Activity],
        "totals": {a: sum(row.counts[a] for row in hours) for a in Activity},
        "refused": refused,
        "chart": _chart(period, hours, refused),
        "with_day": period.days > 1,
        "query": _period_query(period),
        "activity_url": lambda a, row: _activity_url(a, row, period),
        "period_url": lambda a: f"/lead/activity?{_period_query(period, kind=a.value)}",
        "rule_url": lambda rule: f"/lead/refusals?{_period_query(period, rule=rule)}",
    }
    return lead_page(request, "lead/charts.html", "lead/_charts.html", context)


@router.get("/lead/charts/hours.csv")
def lead_hours_csv(
    principal: SignedLeader, uow: UoW, zone: Zone = None, first: From = None, last: To = None
) -> Response:
    period = _period(uow, principal, zone, first, last)
    header = ("hour_start_utc", "hour_end_utc", "local_start", "local_hour", *Activity)
    rows: list[tuple[Cell, ...]] = [
        (row.bucket.start, row.bucket.end, row.bucket.local,
         row.bucket.label(with_day=True), *(row.counts[a] for a in Activity))
        for row in callbacks_by_hour(uow, period)
    ]  # fmt: skip
    return csv_response("callbacks-by-hour", [str(h) for h in header], rows, now=uow.clock.now())


@router.get("/lead/charts/rules.csv")
def lead_rules_csv(
    principal: SignedLeader, uow: UoW, zone: Zone = None, first: From = None, last: To = None
) -> Response:
    period = _period(uow, principal, zone, first, last)
    counts = refusals_by_rule(uow, since=period.start, until=period.end)
    header = ("rule_id", "title", "refusals", "from_utc", "until_utc", "zone")
    rows = [
        (rule, rule_title(rule), count, period.start, period.end, period.zone)
        for rule, count in counts.items()
    ]
    return csv_response("refusals-by-rule", header, rows, now=uow.clock.now())


@router.get("/lead/refusals")
def lead_refusals(
    request: Request,
    principal: SignedLeader,
    uow: UoW,
    rule: Rule = None,
    zone: Zone = None,
    first: From = None,
    last: To = None,
    cursor: Cursor = None,
) -> Response:
    period = _period(uow, principal, zone, first, last)
    chosen = known_rule(rule) if rule else None
    query = refusals_query(rule=chosen, since=period.start, until=period.end)
    events, after = fetch_page(uow, query, CallbackEvent.id, limit=PER_PAGE, cursor=cursor)
    context = {
        "period": period,
        "zone": period.zone,
        "rule": chosen,
        "rule_title": rule_title(chosen) if chosen else None,
        "refused": _refused(uow, period),
        "refusals": [explain(event) for event in events],
        "query": _period_query(period),
        "csv_query": _period_query(period, rule=chosen or ""),
        "rule_url": lambda r: f"/lead/refusals?{_period_query(period, rule=r)}",
        "next_url": next_url(request, after),
    }
    return lead_page(request, "lead/refusals.html", "lead/_refusals.html", context)


def _sentences(event: CallbackEvent) -> str:
    return " | ".join(f"{r.rule_id}: {r.sentence}" for r in refusal_reasons(event))


@router.get("/lead/refusals.csv")
def lead_refusals_csv(
    principal: SignedLeader,
    uow: UoW,
    rule: Rule = None,
    zone: Zone = None,
    first: From = None,
    last: To = None,
) -> Response:
    period = _period(uow, principal, zone, first, last)
    query = refusals_query(
        rule=known_rule(rule) if rule else None, since=period.start, until=period.end
    )
    header = ("event_id", "callback_id", "at", "step", "rule_ids", "sentences", "actor", "page")
    rows = (
        (e.id, e.callback_id, e.at, explain(e).step,
         " ".join(e.rule_ids or []), _sentences(e), e.actor, f"/lead/callbacks/{e.callback_id}")
        for e in every_row(uow, query, CallbackEvent.id)
    )  # fmt: skip
    return csv_response("refusals", header, rows, now=uow.clock.now())


def _interval(
    uow: UnitOfWork,
    principal: Principal,
    *,
    start: datetime | None,
    end: datetime | None,
    zone: str | None,
    first: Any,
    last: Any,
) -> tuple[datetime, datetime, str]:
    """[start, end) as asked (an hour of a chart), else the period's."""
    if start is None and end is None:
        period = _period(uow, principal, zone, first, last)
        return period.start, period.end, period.zone
    for name, value in (("start", start), ("end", end)):
        if value is None or value.tzinfo is None:
            raise ValidationFailed("must be an instant with its UTC offset", field=name)
    assert start is not None and end is not None
    if end <= start:
        raise ValidationFailed("must be after start", field="end")
    if end - start > timedelta(days=MAX_DAYS + 1):
        raise ValidationFailed(f"an interval is at most {MAX_DAYS} days", field="end")
    return start, end, chosen_zone(uow, principal, zone)


@router.get("/lead/activity")
def lead_activity(
    request: Request,
    principal: SignedLeader,
    uow: UoW,
    kind: Activity,
    start: Instant = None,
    end: Instant = None,
    zone: Zone = None,
    first: From = None,
    last: To = None,
    cursor: Cursor = None,
) -> Response:
    since, until, chosen = _interval(
        uow, principal, start=start, end=end, zone=zone, first=first, last=last
    )
    query = activity_query(kind, since=since, until=until)
    events, after = fetch_page(uow, query, CallbackEvent.id, limit=PER_PAGE, cursor=cursor)
    context = {
        "kind": kind,
        "title": ACTIVITY_TITLES[kind],
        "since": since,
        "until": until,
        "zone": chosen,
        "events": events,
        "csv_query": urlencode(
            {
                "kind": kind.value,
                "start": since.isoformat(),
                "end": until.isoformat(),
                "zone": chosen,
            }
        ),
        "next_url": next_url(request, after),
    }
    return lead_page(request, "lead/activity.html", "lead/_activity.html", context)


@router.get("/lead/activity.csv")
def lead_activity_csv(
    principal: SignedLeader,
    uow: UoW,
    kind: Activity,
    start: Instant = None,
    end: Instant = None,
    zone: Zone = None,
    first: From = None,
    last: To = None,
) -> Response:
    since, until, _ = _interval(
        uow, principal, start=start, end=end, zone=zone, first=first, last=last
    )
    header = ("event_id", "callback_id", "kind", "at", "from_status", "to_status", "actor", "page")
    rows = (
        (e.id, e.callback_id, e.kind, e.at, e.from_status, e.to_status, e.actor,
         f"/lead/callbacks/{e.callback_id}")
        for e in every_row(uow, activity_query(kind, since=since, until=until), CallbackEvent.id)
    )  # fmt: skip
    return csv_response(f"callbacks-{kind.value}", header, rows, now=uow.clock.now())
