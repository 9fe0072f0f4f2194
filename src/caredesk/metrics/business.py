"""The business figures, computed from the database when /metrics is scraped.

Nothing here is kept in process memory: with several server processes and several dispatcher
processes, any server answers with the same values because they all read the one database.
Counters (refusals, dispatcher rounds) are sums of append-only or only-growing rows, so they
never go down between scrapes. Every label takes its values from a closed set (the statuses,
states and rule IDs of the code), so no input can grow the series."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select, text

from caredesk.agents.models import Agent
from caredesk.callbacks.dispatch.report import dispatcher_totals
from caredesk.callbacks.models import Callback, CallbackStatus
from caredesk.channels.models import OutboxMessage, OutboxStatus
from caredesk.db.session import Database, UnitOfWork
from caredesk.policy import RULES_BY_ID, AgentState
from caredesk.tickets.models import SLA_STOPPED, Ticket

OTHER = "other"
# Waiting to be dialled: scheduled, or offered to an agent who has not dialled yet.
WAITING = (CallbackStatus.SCHEDULED.value, CallbackStatus.OFFERED.value)
_REFUSALS_SQL = {
    # rule_ids is a JSON array; a JSON null (no rules) counts for nothing.
    "postgresql": """
        SELECT rule, count(*) FROM callback_events,
            json_array_elements_text(
                CASE WHEN json_typeof(rule_ids) = 'array' THEN rule_ids ELSE '[]'::json END
            ) AS rule
        WHERE kind = 'refused' GROUP BY rule
    """,
    "sqlite": """
        SELECT rules.value, count(*) FROM callback_events,
            json_each(CASE WHEN json_type(rule_ids) = 'array' THEN rule_ids ELSE '[]' END) AS rules
        WHERE kind = 'refused' GROUP BY rules.value
    """,
}


@dataclass(frozen=True)
class BusinessFigures:
    """One reading of every business figure; the collector turns it into metric families."""

    callbacks_by_status: dict[str, int]
    callbacks_due: int
    callbacks_overdue: int
    oldest_due_seconds: float
    refusals_by_rule: dict[str, int]
    outbox_by_status: dict[str, int]
    agents_by_state: dict[str, int]
    tickets_past_sla: int
    dispatcher_rounds: int
    dispatcher_failed_steps: int
    dispatcher_offers: int
    dispatcher_offer_lag_seconds: float
    dispatcher_last_round_at: datetime | None


def _counts(
    uow: UnitOfWork, column: object, known: Iterable[str], *where: object
) -> dict[str, int]:
    """Rows per value of ``column``, zero for every known value, unknown values as "other"."""
    counts = dict.fromkeys(known, 0)
    query = select(column, func.count()).group_by(column)  # type: ignore[call-overload]
    for value, count in uow.session.execute(query.where(*where)):
        key = value if value in counts else OTHER
        counts[key] = counts.get(key, 0) + int(count)
    return counts


def _refusals(uow: UnitOfWork) -> dict[str, int]:
    counts = dict.fromkeys(sorted(RULES_BY_ID), 0)
    sql = _REFUSALS_SQL[uow.session.get_bind().dialect.name]
    for rule, count in uow.session.execute(text(sql)):
        key = rule if rule in counts else OTHER
        counts[key] = counts.get(key, 0) + int(count)
    return counts


def read_figures(uow: UnitOfWork, *, now: datetime, overdue_after: timedelta) -> BusinessFigures:
    """Every business figure at ``now``. A callback is due when it waits to be dialled and its
    due time has come, overdue when it has waited longer than ``overdue_after`` past it."""
    waiting = Callback.status.in_(WAITING)
    due, overdue, oldest = uow.session.execute(
        select(
            func.count().filter(Callback.due_at <= now),
            func.count().filter(Callback.due_at <= now - overdue_after),
            func.min(Callback.due_at).filter(Callback.due_at <= now),
        ).where(waiting)
    ).one()
    stopped = [status.value for status in SLA_STOPPED]
    past_sla = uow.session.scalar(
        select(func.count())
        .select_from(Ticket)
        .where(Ticket.sla_due_at <= now, Ticket.status.not_in(stopped))
    )
    totals = dispatcher_totals(uow)
    return BusinessFigures(
        callbacks_by_status=_counts(uow, Callback.status, (s.value for s in CallbackStatus)),
        callbacks_due=int(due),
        callbacks_overdue=int(overdue),
        oldest_due_seconds=(now - oldest).total_seconds() if oldest is not None else 0.0,
        refusals_by_rule=_refusals(uow),
        outbox_by_status=_counts(uow, OutboxMessage.status, (s.value for s in OutboxStatus)),
        agents_by_state=_counts(
            uow, Agent.state, (s.value for s in AgentState), Agent.active.is_(True)
        ),
        tickets_past_sla=int(past_sla or 0),
        dispatcher_rounds=totals.rounds,
        dispatcher_failed_steps=totals.failed_steps,
        dispatcher_offers=totals.offers,
        dispatcher_offer_lag_seconds=totals.offer_lag_seconds,
        dispatcher_last_round_at=totals.last_round_at,
    )


def _labelled(
    family: GaugeMetricFamily | CounterMetricFamily, values: dict[str, int]
) -> GaugeMetricFamily | CounterMetricFamily:
    for label, value in values.items():
        family.add_metric([label], value)
    return family


def metric_families(figures: BusinessFigures) -> list[Metric]:
    f = figures
    families: list[Metric] = [
        _labelled(
            GaugeMetricFamily("caredesk_callbacks", "Callbacks by status", labels=["status"]),
            f.callbacks_by_status,
        ),
        GaugeMetricFamily(
            "caredesk_callbacks_due", "Callbacks waiting to be dialled, due", f.callbacks_due
        ),
        GaugeMetricFamily(
            "caredesk_callbacks_overdue",
            "Callbacks waiting to be dialled, overdue",
            f.callbacks_overdue,
        ),
        GaugeMetricFamily(
            "caredesk_callbacks_oldest_due_seconds",
            "How long the longest-waiting due callback has been due (0 when none)",
            f.oldest_due_seconds,
        ),
        _labelled(
            CounterMetricFamily(
                "caredesk_policy_refusals", "Policy refusals by rule ID", labels=["rule"]
            ),
            f.refusals_by_rule,
        ),
        _labelled(
            GaugeMetricFamily(
                "caredesk_outbox_messages", "Outbox messages by status", labels=["status"]
            ),
            f.outbox_by_status,
        ),
        _labelled(
            GaugeMetricFamily("caredesk_agents", "Active agents by state", labels=["state"]),
            f.agents_by_state,
        ),
        GaugeMetricFamily(
            "caredesk_tickets_past_sla", "Open cases past their SLA due time", f.tickets_past_sla
        ),
        CounterMetricFamily(
            "caredesk_dispatcher_rounds", "Dispatcher rounds, all workers", f.dispatcher_rounds
        ),
        CounterMetricFamily(
            "caredesk_dispatcher_failed_steps",
            "Dispatcher round steps that failed, all workers",
            f.dispatcher_failed_steps,
        ),
        CounterMetricFamily(
            "caredesk_dispatcher_offers", "Callbacks offered to agents", f.dispatcher_offers
        ),
        CounterMetricFamily(
            "caredesk_dispatcher_offer_lag_seconds",
            "Sum over offers of how long after its due time each callback was offered",
            f.dispatcher_offer_lag_seconds,
        ),
    ]
    if f.dispatcher_last_round_at is not None:
        families.append(
            GaugeMetricFamily(
                "caredesk_dispatcher_last_round_timestamp_seconds",
                "When a dispatcher last finished a round (Unix time)",
                f.dispatcher_last_round_at.timestamp(),
            )
        )
    return families


class BusinessCollector(Collector):
    """Reads the figures in one read-only unit of work per scrape."""

    def __init__(self, db: Database, *, overdue_after: timedelta) -> None:
        self._db = db
        self._overdue_after = overdue_after

    def collect(self) -> Iterator[Metric]:
        with self._db.uow() as uow:
            figures = read_figures(uow, now=uow.clock.now(), overdue_after=self._overdue_after)
        yield from metric_families(figures)
