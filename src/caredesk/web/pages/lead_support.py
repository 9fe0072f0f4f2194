"""What the leader's dashboard pages share: the reader's zone (their agent profile's, else UTC;
any page can be read in another), the period parameters, a page that refreshes its live part
(the route answers the part alone to htmx), names of the agents a page mentions, and CSV
answers."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import Query, Request, Response
from sqlalchemy import Select, select
from sqlalchemy.orm import InstrumentedAttribute

from caredesk.agents.models import Agent
from caredesk.db.session import UnitOfWork
from caredesk.reports.export import Cell, to_csv
from caredesk.reports.periods import MAX_ZONE, Period, period_of, zone_named, zone_names
from caredesk.web.deps import Principal
from caredesk.web.pages.rendering import is_htmx, render

PER_PAGE = 50
Cursor = Annotated[str | None, Query(max_length=200)]
Zone = Annotated[str | None, Query(max_length=MAX_ZONE)]
From = Annotated[date | None, Query(alias="from")]
To = Annotated[date | None, Query(alias="to")]
DEFAULT_ZONE = "UTC"

# The dashboard's own navigation, shown under the header on every /lead page.
SECTIONS = (
    ("Overview", "/lead"),
    ("Queues", "/lead/queues"),
    ("Agents", "/lead/agents"),
    ("Callbacks", "/lead/callbacks"),
    ("Refusals", "/lead/refusals"),
    ("Outbox", "/lead/outbox"),
    ("Cases past SLA", "/lead/cases"),
    ("Charts", "/lead/charts"),
)


def leader_zone(uow: UnitOfWork, principal: Principal) -> str:
    """The zone the leader works in: their agent profile's, else UTC."""
    agent = uow.session.get(Agent, principal.agent_id) if principal.agent_id else None
    return agent.time_zone if agent is not None else DEFAULT_ZONE


def chosen_zone(uow: UnitOfWork, principal: Principal, zone: str | None) -> str:
    """The zone asked for (refused, naming ``zone``, when it is not one), else the leader's."""
    if zone:
        zone_named(zone)
        return zone
    return leader_zone(uow, principal)


def chosen_period(
    uow: UnitOfWork,
    principal: Principal,
    *,
    zone: str | None,
    first: date | None,
    last: date | None,
    default_days: int = 1,
) -> Period:
    return period_of(
        zone=chosen_zone(uow, principal, zone),
        first=first,
        last=last,
        now=uow.clock.now(),
        default_days=default_days,
    )


def overdue_after(request: Request) -> timedelta:
    """The grace an owner has before a due callback counts as overdue (OB-SA-OWNERSHIP's)."""
    return timedelta(minutes=request.app.state.settings.owned_overdue_to_pool_minutes)


def here(request: Request) -> str:
    """This page's path and query: where its live part fetches itself from."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def section_of(path: str) -> str:
    best = max(
        (href for _, href in SECTIONS if path == href or path.startswith(href + "/")), key=len
    )
    return best


def lead_page(
    request: Request, page: str, part: str, context: Mapping[str, Any], *, status_code: int = 200
) -> Response:
    """The whole page, or to htmx (the live part refreshing itself) the part alone."""
    shared = {
        "sections": SECTIONS,
        "section": section_of(request.url.path),
        "here": here(request),
        "zone_names": zone_names(),
        **context,
    }
    response = render(request, part if is_htmx(request) else page, shared, status_code=status_code)
    response.headers["Vary"] = "HX-Request"
    return response


def agent_names(uow: UnitOfWork, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = {agent_id for agent_id in ids if agent_id is not None}
    if not wanted:
        return {}
    rows = uow.session.execute(select(Agent.id, Agent.name).where(Agent.id.in_(wanted)))
    return {int(agent_id): name for agent_id, name in rows}


def csv_response(
    name: str, header: Sequence[str], rows: Iterable[Sequence[Cell]], *, now: datetime
) -> Response:
    """A download named after what it holds and when it was read."""
    filename = f"caredesk-{name}-{now.strftime('%Y%m%dT%H%M%SZ')}.csv"
    return Response(
        to_csv(header, rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


EXPORT_BATCH = 1000


def every_row(
    uow: UnitOfWork, query: Select[Any], id_column: InstrumentedAttribute[Any]
) -> Iterator[Any]:
    """Every record of ``query`` for an export, read in batches by id (never all at once)."""
    last = 0
    while True:
        batch = list(
            uow.session.scalars(
                query.where(id_column > last).order_by(id_column).limit(EXPORT_BATCH)
            )
        )
        yield from batch
        if len(batch) < EXPORT_BATCH:
            return
        last = getattr(batch[-1], id_column.key)
