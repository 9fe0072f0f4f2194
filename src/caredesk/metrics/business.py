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
from sqlalchemy import func, select

from caredesk.agents.models import Agent
from caredesk.callbacks.dispatch.report import dispatcher_totals
from caredesk.callbacks.models import Callback, CallbackStatus
from caredesk.channels.models import OutboxMessage, OutboxStatus
from caredesk.db.session import Database, UnitOfWork
from caredesk.inbound.accuracy import wait_accuracy
from caredesk.inbound.models import InboundOffer, OfferStatus
from caredesk.policy import AgentState
from caredesk.reports.floor import callback_figures, tickets_past_sla
from caredesk.reports.refusals import refusals_by_rule
from caredesk.routing.wait import Predictor
from caredesk.routing.wait_accuracy import AccuracyReport

OTHER = "other"
# The estimated wait's accuracy is read over the callers answered in this last stretch.
ACCURACY_WINDOW = timedelta(hours=24)


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
    inbound_offers_by_status: dict[str, int]
    wait_estimate: AccuracyReport
    wait_predictors: dict[str, dict[Predictor, AccuracyReport]]


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


def read_figures(uow: UnitOfWork, *, now: datetime, overdue_after: timedelta) -> BusinessFigures:
    """Every business figure at ``now``. A callback is due when it waits to be dialled and its
    due time has come, overdue when it has waited longer than ``overdue_after`` past it."""
    callbacks = callback_figures(uow, now=now, overdue_after=overdue_after)
    totals = dispatcher_totals(uow)
    waits = wait_accuracy(uow, since=now - ACCURACY_WINDOW, until=now)
    return BusinessFigures(
        callbacks_by_status=_counts(uow, Callback.status, (s.value for s in CallbackStatus)),
        callbacks_due=callbacks.due,
        callbacks_overdue=callbacks.overdue,
        oldest_due_seconds=callbacks.oldest_due_seconds,
        refusals_by_rule=refusals_by_rule(uow),
        outbox_by_status=_counts(uow, OutboxMessage.status, (s.value for s in OutboxStatus)),
        agents_by_state=_counts(
            uow, Agent.state, (s.value for s in AgentState), Agent.active.is_(True)
        ),
        tickets_past_sla=tickets_past_sla(uow, now=now),
        dispatcher_rounds=totals.rounds,
        dispatcher_failed_steps=totals.failed_steps,
        dispatcher_offers=totals.offers,
        dispatcher_offer_lag_seconds=totals.offer_lag_seconds,
        dispatcher_last_round_at=totals.last_round_at,
        inbound_offers_by_status=_counts(uow, InboundOffer.status, (s.value for s in OfferStatus)),
        wait_estimate=waits.overall,
        wait_predictors=waits.by_predictor,
    )


def _labelled(
    family: GaugeMetricFamily | CounterMetricFamily, values: dict[str, int]
) -> GaugeMetricFamily | CounterMetricFamily:
    for label, value in values.items():
        family.add_metric([label], value)
    return family


def _predictor_families(
    found: dict[str, dict[Predictor, AccuracyReport]],
) -> list[Metric]:
    """Every predictor's figures per queue, on the callers they all had an estimate for, last
    24 h (why each queue is told by the predictor it is); absent while nothing is measured."""
    labels = ["queue", "predictor"]
    families = {
        "count": GaugeMetricFamily(
            "caredesk_wait_predictor_measured",
            "Callers answered in the last 24 h each predictor is compared on, by queue",
            labels=labels,
        ),
        "rase": GaugeMetricFamily(
            "caredesk_wait_predictor_rase", "RASE of each predictor, last 24 h", labels=labels
        ),
        "bias_seconds": GaugeMetricFamily(
            "caredesk_wait_predictor_bias_seconds",
            "Mean of each predictor's estimate - actual wait, last 24 h",
            labels=labels,
        ),
        "within_20": GaugeMetricFamily(
            "caredesk_wait_predictor_within_20_ratio",
            "Share of each predictor's estimates within 20% of the actual wait, last 24 h",
            labels=labels,
        ),
    }
    for queue, reports in found.items():
        for predictor, report in reports.items():
            for field, family in families.items():
                value = getattr(report, field)
                if value is not None:
                    family.add_metric([queue, predictor.value], value)
    return list(families.values())


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
    families.append(
        _labelled(
            GaugeMetricFamily(
                "caredesk_inbound_offers",
                "Offers of waiting callers to agents by status",
                labels=["status"],
            ),
            f.inbound_offers_by_status,
        )
    )
    accuracy = f.wait_estimate
    families.append(
        GaugeMetricFamily(
            "caredesk_wait_estimate_measured",
            "Callers answered in the last 24 h whose estimated wait is measured",
            accuracy.count,
        )
    )
    # Absent rather than a made-up 0 while nothing has been measured.
    measured = (
        ("caredesk_wait_estimate_rase", "RASE of the wait told at entry, last 24 h", accuracy.rase),
        (
            "caredesk_wait_estimate_bias_seconds",
            "Mean of estimate - actual wait, last 24 h",
            accuracy.bias_seconds,
        ),
        (
            "caredesk_wait_estimate_within_20_ratio",
            "Share of estimates within 20% of the actual wait, last 24 h",
            accuracy.within_20,
        ),
    )
    for name, text, value in measured:
        if value is not None:
            families.append(GaugeMetricFamily(name, text, value))
    families.extend(_predictor_families(f.wait_predictors))
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
