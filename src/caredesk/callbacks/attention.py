"""Messages that go astray: a callback's notice (OB-NOTIFY) or Service Assurance scheduling email
(OB-SA-EMAIL-FIRST) that the outbox gave up on ("dead") puts the callback into NEEDS_ATTENTION,
where leaders see it and requeue the message or cancel; a cancelled callback withdraws the
messages it still owed, in the cancel's own transaction, so they are never sent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, or_, select

from caredesk.audit.service import Actor
from caredesk.callbacks.models import Callback, CallbackEvent, CallbackStatus
from caredesk.callbacks.records import Event, change, load_callback
from caredesk.channels.models import OutboxMessage, OutboxStatus
from caredesk.channels.outbox import requeue_message, withdraw_message
from caredesk.db.session import UnitOfWork
from caredesk.errors import DomainError, InvalidTransition

S = CallbackStatus
WATCHER = Actor.system("notifications")
# Where a callback waits on a message the customer has not been sent yet.
WAITING = (S.AWAITING_NOTIFICATION.value, S.AWAITING_SCHEDULE.value, S.SCHEDULED.value)
BATCH = 500


def _message_ids(callback: Callback) -> list[int]:
    ids = [callback.notification_message_id, callback.scheduling_email_message_id]
    return [message_id for message_id in ids if message_id is not None]


def withdraw_owed_messages(
    uow: UnitOfWork, callback: Callback, *, actor: Actor, reason: str
) -> dict[str, str]:
    """Withdraws the callback's messages not yet sent, in the caller's transaction; message
    id -> its status afterwards ("withdrawn", or "sent"/"sending" when it was too late)."""
    return {
        str(message_id): withdraw_message(
            uow, actor=actor, message_id=message_id, reason=f"callback {callback.id}: {reason}"
        )
        for message_id in _message_ids(callback)
    }


def dead_messages_query() -> Select[int]:
    """Callbacks waiting on a notice or scheduling email that the outbox marked dead."""
    notice = and_(
        Callback.notified_at.is_(None),
        OutboxMessage.id == Callback.notification_message_id,
    )
    email = and_(
        Callback.scheduling_email_sent_at.is_(None),
        OutboxMessage.id == Callback.scheduling_email_message_id,
    )
    return (
        select(Callback.id)
        .join(OutboxMessage, or_(notice, email))
        .where(Callback.status.in_(WAITING), OutboxMessage.status == OutboxStatus.DEAD.value)
        .order_by(Callback.id)
        .limit(BATCH)
    )


def _dead(uow: UnitOfWork, callback: Callback) -> list[OutboxMessage]:
    rows = [uow.session.get(OutboxMessage, message_id) for message_id in _message_ids(callback)]
    return [row for row in rows if row is not None and row.status == OutboxStatus.DEAD.value]


def flag_dead_messages(uow: UnitOfWork) -> int:
    """Moves every callback whose owed message died into NEEDS_ATTENTION (an event and an audit
    record naming the message and the outbox's reason). One transaction per callback."""
    flagged = 0
    for callback_id in list(uow.session.scalars(dead_messages_query())):
        try:
            with uow.atomic():
                moved = _flag(uow, callback_id)
        except DomainError:
            continue  # changed meanwhile (nothing written); the next pass sees it afresh
        flagged += moved
    return flagged


def _flag(uow: UnitOfWork, callback_id: int) -> bool:
    callback = load_callback(uow, callback_id)
    dead = _dead(uow, callback)
    if not dead or callback.status not in WAITING:
        return False
    change(
        uow,
        callback,
        actor=WATCHER,
        kind=Event.NEEDS_ATTENTION,
        to=S.NEEDS_ATTENTION,
        facts={
            "messages": [
                {"message_id": row.id, "kind": row.kind, "error": row.last_error} for row in dead
            ],
            "waiting_in": callback.status,
        },
        detail=(
            f"the outbox gave up on {dead[0].kind} (message {dead[0].id}): "
            f"{dead[0].last_error or 'no reason recorded'}; requeue it or cancel"
        ),
    )
    return True


def _waited_in(uow: UnitOfWork, callback: Callback) -> CallbackStatus:
    """The status the callback waited in when its message died."""
    event = uow.session.scalar(
        select(CallbackEvent)
        .where(
            CallbackEvent.callback_id == callback.id,
            CallbackEvent.kind == Event.NEEDS_ATTENTION,
        )
        .order_by(CallbackEvent.id.desc())
        .limit(1)
    )
    facts: dict[str, Any] = (event.facts or {}) if event is not None else {}
    waited = facts.get("waiting_in")
    if waited in WAITING:
        return S(waited)
    if callback.scheduling_email_message_id and callback.scheduling_email_sent_at is None:
        return S.AWAITING_SCHEDULE
    return S.AWAITING_NOTIFICATION


def requeue_notice(uow: UnitOfWork, *, actor: Actor, callback_id: int) -> Callback:
    """A leader gives the dead message a fresh start (after fixing the cause, e.g. the address):
    the callback waits for it again where it waited before."""
    with uow.atomic():
        callback = load_callback(uow, callback_id)
        if callback.status != S.NEEDS_ATTENTION.value:
            raise InvalidTransition(
                f"callback {callback.id} is {callback.status}; only a callback that needs "
                "attention has a message to requeue",
                field="callback_id",
            )
        dead = _dead(uow, callback)
        for row in dead:
            requeue_message(uow, actor=actor, message_id=row.id)
        change(
            uow,
            callback,
            actor=actor,
            kind=Event.NOTICE_REQUEUED,
            to=_waited_in(uow, callback),
            facts={"message_ids": [row.id for row in dead]},
            detail="the message is queued again",
        )
    return callback
