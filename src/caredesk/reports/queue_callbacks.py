""" "Call me back, keep my place" per queue, as a leader watches it: the queue callbacks holding
their callers' places now (those the policy put off until later, by rule, and when the first of
them may be dialled; those whose notice has not gone out yet), and today's: accepted, dialled,
connected, expired (their turn never came, `inbound.queue_callbacks.expire_held`) and cancelled.

A queue callback is the callback of a walk whose caller took the queue's offer (the walk ended
in a callback after the "keep my place" offer); it counts in the queue that walk waited in. Two
statements for every queue at once, however many callbacks there are."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, CompoundSelect, Select, case, func, literal, select, union_all

from caredesk.callbacks.models import Callback, CallbackAttempt, CallbackEvent, CallbackStatus
from caredesk.callbacks.records import Event
from caredesk.db.session import UnitOfWork
from caredesk.inbound.models import IvrWalk, WalkOutcome
from caredesk.inbound.offers import QUEUE_OFFER
from caredesk.inbound.queue_callbacks import HELD_STATUSES
from caredesk.policy import AttemptResult

# How `expire_held` words the cancel of a callback whose turn never came.
EXPIRED_PREFIX = "expired:"
TODAY_KINDS = ("accepted", "dialled", "connected", "expired", "cancelled")


@dataclass(frozen=True)
class QueueCallbacks:
    held: int = 0
    """Holding a caller's place now."""
    put_off: tuple[tuple[str, int], ...] = ()
    """Of the held, (rules, how many) the policy put off until a later instant: OB-WINDOW in
    the customer's zone, OB-NOTIFY's lead after the notice, attempts spacing."""
    next_turn_at: datetime | None = None
    """The first instant one of those put off rejoins the line."""
    awaiting_notice: int = 0
    """Of the held, those whose announcing notice has not gone out yet (OB-NOTIFY)."""
    today: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TODAY_KINDS, 0))
    """`TODAY_KINDS` -> callbacks today."""

    @property
    def put_off_count(self) -> int:
        return sum(count for _, count in self.put_off)


def _queue_callback() -> tuple[ColumnElement[bool], ...]:
    return (
        IvrWalk.offer == QUEUE_OFFER,
        IvrWalk.outcome == WalkOutcome.CALLBACK.value,
        IvrWalk.callback_id.is_not(None),
    )


def _held(uow: UnitOfWork, now: datetime) -> dict[str, QueueCallbacks]:
    last_put_off = (
        select(CallbackEvent.rule_ids)
        .where(
            CallbackEvent.callback_id == Callback.id,
            CallbackEvent.kind == Event.QUEUE_PUT_OFF,
        )
        .order_by(CallbackEvent.at.desc(), CallbackEvent.id.desc())
        .limit(1)
        .correlate(Callback)
        .scalar_subquery()
    )
    rows = uow.session.execute(
        select(IvrWalk.queue, Callback.status, Callback.held_until, last_put_off)
        .join(Callback, Callback.id == IvrWalk.callback_id)
        .where(
            *_queue_callback(),
            Callback.held_in_queue.is_(True),
            Callback.status.in_(HELD_STATUSES),
        )
    ).all()
    held: Counter[str] = Counter()
    waiting_notice: Counter[str] = Counter()
    put_off: dict[str, Counter[str]] = defaultdict(Counter)
    first: dict[str, datetime] = {}
    for queue, status, until, rules in rows:
        name = queue or ""
        held[name] += 1
        if status == CallbackStatus.AWAITING_NOTIFICATION.value:
            waiting_notice[name] += 1
        if until is not None and until > now:
            put_off[name][" ".join(rules or ()) or "policy"] += 1
            first[name] = min(first.get(name, until), until)
    return {
        name: QueueCallbacks(
            held=count,
            put_off=tuple(sorted(put_off[name].items())),
            next_turn_at=first.get(name),
            awaiting_notice=waiting_notice[name],
        )
        for name, count in held.items()
    }


def _today(uow: UnitOfWork, since: datetime, until: datetime) -> dict[str, dict[str, int]]:
    walks = _queue_callback()
    accepted = (
        select(IvrWalk.queue, literal("accepted").label("kind"), func.count(Callback.id))
        .join(Callback, Callback.id == IvrWalk.callback_id)
        .where(*walks, Callback.created_at >= since, Callback.created_at < until)
        .group_by(IvrWalk.queue)
    )

    def dialled(label: str, *extra: ColumnElement[bool]) -> Select[str | None, str, int]:
        return (
            select(
                IvrWalk.queue,
                literal(label).label("kind"),
                func.count(func.distinct(CallbackAttempt.callback_id)),
            )
            .join(CallbackAttempt, CallbackAttempt.callback_id == IvrWalk.callback_id)
            .where(
                *walks,
                CallbackAttempt.started_at >= since,
                CallbackAttempt.started_at < until,
                *extra,
            )
            .group_by(IvrWalk.queue)
        )

    closed_as = case(
        (CallbackEvent.detail.like(f"{EXPIRED_PREFIX}%"), literal("expired")),
        else_=literal("cancelled"),
    )
    closed = (
        select(IvrWalk.queue, closed_as.label("kind"), func.count(CallbackEvent.id))
        .join(CallbackEvent, CallbackEvent.callback_id == IvrWalk.callback_id)
        .where(
            *walks,
            CallbackEvent.kind == Event.CANCELLED,
            CallbackEvent.at >= since,
            CallbackEvent.at < until,
        )
        .group_by(IvrWalk.queue, closed_as)
    )
    statement: CompoundSelect[str | None, str, int] = union_all(
        accepted,
        dialled("dialled"),
        dialled("connected", CallbackAttempt.result == AttemptResult.CONTACT.value),
        closed,
    )
    found: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(TODAY_KINDS, 0))
    for queue, kind, count in uow.session.execute(statement).all():
        found[queue or ""][kind] += int(count)
    return found


def queue_callbacks(
    uow: UnitOfWork, *, now: datetime, since: datetime, until: datetime
) -> dict[str, QueueCallbacks]:
    """Queue -> its queue callbacks now and over [since, until) (queues with none are left
    out: `QueueCallbacks()` is their figure)."""
    held = _held(uow, now)
    today = _today(uow, since, until)
    return {
        name: QueueCallbacks(
            held=figures.held,
            put_off=figures.put_off,
            next_turn_at=figures.next_turn_at,
            awaiting_notice=figures.awaiting_notice,
            today=today.get(name, dict.fromkeys(TODAY_KINDS, 0)),
        )
        for name in held.keys() | today.keys()
        for figures in (held.get(name, QueueCallbacks()),)
    }
