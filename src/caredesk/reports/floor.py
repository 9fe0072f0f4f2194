"""The floor now: agents by state (and how long the longest has been in it), callbacks due,
overdue, offered and needing attention, messages pending or dead in the outbox, cases past
their SLA. One aggregate query per figure family, and for each figure the query of the records
behind it (ordering and paging are the caller's)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, Select, func, select

from caredesk.agents.models import Agent
from caredesk.callbacks.models import Callback, CallbackStatus
from caredesk.channels.models import OutboxMessage, OutboxStatus
from caredesk.db.session import UnitOfWork
from caredesk.policy.vocabulary import AGENT_STATE_LABELS, AgentState
from caredesk.tickets.models import SLA_STOPPED, Ticket

S = CallbackStatus
# Waiting to be dialled: scheduled, or offered to an agent who has not dialled yet.
WAITING = (S.SCHEDULED.value, S.OFFERED.value)
_STOPPED = [status.value for status in SLA_STOPPED]


def state_label(state: str) -> str:
    try:
        return AGENT_STATE_LABELS[AgentState(state)]
    except ValueError:
        return state


@dataclass(frozen=True)
class StateFigure:
    state: str
    label: str
    count: int
    longest_seconds: float
    """How long the agent longest in this state has been in it (0 when nobody is)."""


def agents_by_state(uow: UnitOfWork, *, now: datetime) -> list[StateFigure]:
    """Active agents per state, every state listed (in the vocabulary's order)."""
    rows = {
        state: (int(count), since)
        for state, count, since in uow.session.execute(
            select(Agent.state, func.count(), func.min(Agent.state_since))
            .where(Agent.active.is_(True))
            .group_by(Agent.state)
        )
    }
    known = [state.value for state in AgentState]
    figures = []
    for state in [*known, *sorted(set(rows) - set(known))]:
        count, since = rows.get(state, (0, None))
        longest = (now - since).total_seconds() if since is not None else 0.0
        figures.append(StateFigure(state, state_label(state), count, max(0.0, longest)))
    return figures


def agents_query(*, state: str | None = None) -> Select[Agent]:
    query = select(Agent).where(Agent.active.is_(True))
    if state is not None:
        query = query.where(Agent.state == state)
    return query


class Standing(StrEnum):
    """Where a callback stands, as the dashboard counts it."""

    DUE = "due"
    """Waiting to be dialled (scheduled or offered) and its due time has come."""
    OVERDUE = "overdue"
    """Due for longer than the grace the owner has (``overdue_after``)."""
    OFFERED = "offered"
    """Offered to an agent in Not Ready - Follow-Up, not yet dialled."""
    ATTENTION = "attention"
    """Its notice or scheduling email died in the outbox: a leader requeues it or cancels."""


STANDING_TITLES = {
    Standing.DUE: "Callbacks due",
    Standing.OVERDUE: "Callbacks overdue",
    Standing.OFFERED: "Callbacks offered",
    Standing.ATTENTION: "Callbacks needing attention",
}


@dataclass(frozen=True)
class CallbackFigures:
    due: int
    overdue: int
    offered: int
    needs_attention: int
    oldest_due_seconds: float
    """How long the longest-waiting due callback has been due (0 when none)."""

    def count(self, standing: Standing) -> int:
        return {
            Standing.DUE: self.due,
            Standing.OVERDUE: self.overdue,
            Standing.OFFERED: self.offered,
            Standing.ATTENTION: self.needs_attention,
        }[standing]


def _standing(standing: Standing, now: datetime, overdue_after: timedelta) -> ColumnElement[bool]:
    # A queue callback holding the caller's place is not late: it waits for its turn in line
    # (the queue's own figures show it), and counts here once its turn came.
    waiting = Callback.status.in_(WAITING) & Callback.held_in_queue.is_(False)
    if standing is Standing.DUE:
        return waiting & (Callback.due_at <= now)
    if standing is Standing.OVERDUE:
        return waiting & (Callback.due_at <= now - overdue_after)
    if standing is Standing.OFFERED:
        return Callback.status == S.OFFERED.value
    return Callback.status == S.NEEDS_ATTENTION.value


def callback_figures(
    uow: UnitOfWork, *, now: datetime, overdue_after: timedelta
) -> CallbackFigures:
    """Every callback figure in one pass over the open callbacks."""
    due = _standing(Standing.DUE, now, overdue_after)
    due_count, overdue, offered, attention, oldest = uow.session.execute(
        select(
            func.count().filter(due),
            func.count().filter(_standing(Standing.OVERDUE, now, overdue_after)),
            func.count().filter(_standing(Standing.OFFERED, now, overdue_after)),
            func.count().filter(_standing(Standing.ATTENTION, now, overdue_after)),
            func.min(Callback.due_at).filter(due),
        ).where(Callback.status.in_([*WAITING, S.NEEDS_ATTENTION.value]))
    ).one()
    return CallbackFigures(
        due=int(due_count),
        overdue=int(overdue),
        offered=int(offered),
        needs_attention=int(attention),
        oldest_due_seconds=(now - oldest).total_seconds() if oldest is not None else 0.0,
    )


def callbacks_query(
    standing: Standing, *, now: datetime, overdue_after: timedelta
) -> Select[Callback]:
    return select(Callback).where(_standing(standing, now, overdue_after))


class OutboxView(StrEnum):
    PENDING = "pending"
    """Waiting for delivery, or being delivered now."""
    DEAD = "dead"
    """Given up on: never tried again unless a leader requeues it."""


OUTBOX_STATUSES = {
    OutboxView.PENDING: (OutboxStatus.PENDING.value, OutboxStatus.SENDING.value),
    OutboxView.DEAD: (OutboxStatus.DEAD.value,),
}


def outbox_figures(uow: UnitOfWork) -> dict[OutboxView, int]:
    counts = dict(
        uow.session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.status.in_([s for v in OUTBOX_STATUSES.values() for s in v]))
            .group_by(OutboxMessage.status)
        ).all()
    )
    return {
        view: sum(int(counts.get(status, 0)) for status in statuses)
        for view, statuses in OUTBOX_STATUSES.items()
    }


def outbox_query(view: OutboxView) -> Select[OutboxMessage]:
    return select(OutboxMessage).where(OutboxMessage.status.in_(OUTBOX_STATUSES[view]))


def _past_sla(now: datetime) -> ColumnElement[bool]:
    return (Ticket.sla_due_at <= now) & Ticket.status.not_in(_STOPPED)


def tickets_past_sla(uow: UnitOfWork, *, now: datetime) -> int:
    return int(uow.session.scalar(select(func.count()).where(_past_sla(now))) or 0)


def past_sla_query(*, now: datetime) -> Select[Ticket]:
    return select(Ticket).where(_past_sla(now))
