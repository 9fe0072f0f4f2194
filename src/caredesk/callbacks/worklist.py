"""An agent's callback work: what is offered to them now, their calls in progress (dialling, on
the line, in wrap-up) and the scheduled callbacks due that they may take (theirs, or unowned in
their line of business). Read-only; taking one is ``calls.start_call``."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select

from caredesk.agents.models import Agent
from caredesk.callbacks.models import Callback, CallbackAttempt, CallbackStatus
from caredesk.db.session import UnitOfWork

S = CallbackStatus
ON_A_CALL = (S.DIALING.value, S.IN_CALL.value, S.WRAP_UP.value)
MAX_ITEMS = 50


def offered_to(uow: UnitOfWork, *, agent_id: int) -> list[Callback]:
    """Callbacks offered to the agent, the offer running out first at the top."""
    return list(
        uow.session.scalars(
            select(Callback)
            .where(Callback.offered_to_agent_id == agent_id, Callback.status == S.OFFERED.value)
            .order_by(Callback.lease_expires_at, Callback.id)
            .limit(MAX_ITEMS)
        )
    )


def calls_of(uow: UnitOfWork, *, agent_id: int) -> list[Callback]:
    """Callbacks on a call the agent placed (dialling, on the line or in wrap-up): those whose
    latest attempt is theirs, in one statement."""
    latest = (
        select(func.max(CallbackAttempt.id))
        .where(CallbackAttempt.callback_id == Callback.id)
        .correlate(Callback)
        .scalar_subquery()
    )
    return list(
        uow.session.scalars(
            select(Callback)
            .join(CallbackAttempt, CallbackAttempt.id == latest)
            .where(Callback.status.in_(ON_A_CALL), CallbackAttempt.agent_id == agent_id)
            .order_by(Callback.updated_at, Callback.id)
            .limit(MAX_ITEMS)
        )
    )


def due_for(uow: UnitOfWork, *, agent: Agent, now: datetime) -> list[Callback]:
    """Scheduled callbacks due by ``now`` and not held by a dispatcher's lease, that the agent
    owns or that nobody owns in their line of business; the longest overdue first."""
    free = or_(Callback.lease_expires_at.is_(None), Callback.lease_expires_at <= now)
    takers = or_(
        Callback.owner_agent_id == agent.id,
        (Callback.owner_agent_id.is_(None)) & (Callback.line_of_business == agent.line_of_business),
    )
    return list(
        uow.session.scalars(
            select(Callback)
            .where(
                Callback.status == S.SCHEDULED.value,
                Callback.due_at.is_not(None),
                Callback.due_at <= now,
                # A queue callback holding the caller's place waits for its turn in line.
                Callback.held_in_queue.is_(False),
                free,
                takers,
            )
            .order_by(Callback.due_at, Callback.id)
            .limit(MAX_ITEMS)
        )
    )
