"""The leader's dashboard home (``/lead``): the floor now (agents by state and the longest time
in each, callbacks due, overdue, offered and needing attention, today's refusals by rule, the
outbox, cases past SLA), each figure a link to the records behind it, all of them in one CSV.
The figures refresh live on agent, callback and case events, and every half minute for the
ones time alone changes (a callback falling due, a case passing its SLA)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import Request, Response

from caredesk.db.session import UnitOfWork
from caredesk.reports.floor import (
    STANDING_TITLES,
    OutboxView,
    Standing,
    agents_by_state,
    callback_figures,
    outbox_figures,
    tickets_past_sla,
)
from caredesk.reports.periods import period_of
from caredesk.reports.refusals import refusals_by_rule, rule_title
from caredesk.web.deps import UoW
from caredesk.web.pages.lead_support import (
    csv_response,
    lead_page,
    leader_zone,
    overdue_after,
)
from caredesk.web.pages.rendering import render
from caredesk.web.pages.routing import SignedLeader, page_router

router = page_router()


def figures(uow: UnitOfWork, *, zone: str, grace: timedelta) -> dict[str, Any]:
    now = uow.clock.now()
    today = period_of(zone=zone, first=None, last=None, now=now)
    refusals = refusals_by_rule(uow, since=today.start, until=today.end)
    refused = sorted(
        ((rule, count) for rule, count in refusals.items() if count),
        key=lambda item: (-item[1], item[0]),
    )
    return {
        "zone": zone,
        "today": today,
        "states": agents_by_state(uow, now=now),
        "callbacks": callback_figures(uow, now=now, overdue_after=grace),
        "standings": [(s, STANDING_TITLES[s]) for s in Standing],
        "grace_minutes": int(grace.total_seconds() // 60),
        "refused": [
            {"rule_id": rule, "title": rule_title(rule), "count": count} for rule, count in refused
        ],
        "refused_total": sum(refusals.values()),
        "outbox": outbox_figures(uow),
        "past_sla": tickets_past_sla(uow, now=now),
        "now": now,
    }


@router.get("/lead")
def lead_home(request: Request, principal: SignedLeader, uow: UoW) -> Response:
    context = figures(uow, zone=leader_zone(uow, principal), grace=overdue_after(request))
    return lead_page(request, "lead/home.html", "lead/_figures.html", context)


@router.get("/lead/summary")
def lead_summary(request: Request, principal: SignedLeader, uow: UoW) -> Response:
    """The live figures of the dashboard home (htmx refreshes them on events)."""
    context = figures(uow, zone=leader_zone(uow, principal), grace=overdue_after(request))
    return render(request, "lead/_figures.html", context)


@router.get("/lead/figures.csv")
def lead_figures_csv(principal: SignedLeader, request: Request, uow: UoW) -> Response:
    """Every figure of the home as one row each: what it counts, the count, and the page
    listing the records behind it."""
    f = figures(uow, zone=leader_zone(uow, principal), grace=overdue_after(request))
    rows: list[tuple[str, str, int | float, str]] = []
    for state in f["states"]:
        rows.append(("agents", state.state, state.count, f"/lead/agents?state={state.state}"))
    for state in f["states"]:
        rows.append(("longest_in_state_seconds", state.state, round(state.longest_seconds), ""))
    for standing in Standing:
        link = f"/lead/callbacks?show={standing.value}"
        rows.append(("callbacks", standing.value, f["callbacks"].count(standing), link))
    rows.append(("callbacks", "oldest_due_seconds", round(f["callbacks"].oldest_due_seconds), ""))
    for item in f["refused"]:
        link = f"/lead/refusals?rule={item['rule_id']}&zone={f['zone']}"
        rows.append(("refusals_today", item["rule_id"], item["count"], link))
    for view in OutboxView:
        link = f"/lead/outbox?show={view.value}"
        rows.append(("outbox", view.value, f["outbox"][view], link))
    rows.append(("cases", "past_sla", f["past_sla"], "/lead/cases"))
    return csv_response("figures", ("figure", "key", "value", "records"), rows, now=f["now"])
