"""The transactional outbox. A use case calls ``enqueue`` inside its own transaction, so the
state change and the message it owes commit together or not at all; ``deliver_due`` (in
``caredesk.channels.delivery``, which an enqueueing use case never loads) sends them after
commit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, Table, func, select, update

from caredesk.audit.service import Actor, record
from caredesk.channels.messages import check_payload, message_to_payload
from caredesk.channels.models import OPEN_STATUSES, OutboxMessage, OutboxStatus
from caredesk.channels.ports import OutboundMessage
from caredesk.channels.queries import list_messages
from caredesk.db.dialects import upsert_insert
from caredesk.db.session import UnitOfWork
from caredesk.errors import Conflict, InvalidTransition, NotFound, ValidationFailed

__all__ = [
    "enqueue",
    "enqueue_message",
    "find_message",
    "list_messages",
    "pending_count",
    "requeue_message",
    "withdraw_message",
]

MAX_KIND = 60


def enqueue(
    uow: UnitOfWork,
    *,
    kind: str,
    payload: Mapping[str, Any],
    idempotency_key: str,
    available_at: datetime | None = None,
) -> OutboxMessage:
    """Adds a message to the caller's transaction (no commit). The same idempotency key again
    returns the row already there, untouched: the first write wins."""
    if not kind or len(kind) > MAX_KIND or not kind.isprintable():
        raise ValidationFailed(f"must be 1 to {MAX_KIND} printable characters", field="kind")
    if available_at is not None and available_at.tzinfo is None:
        raise ValidationFailed("must include a UTC offset", field="available_at")
    message = check_payload(payload, idempotency_key=idempotency_key)
    existing = _find(uow, idempotency_key)
    if existing is not None:
        return existing
    now = uow.clock.now()
    values = {
        "kind": kind,
        "idempotency_key": idempotency_key,
        "channel": message.channel.value,
        "payload": dict(payload),
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "available_at": available_at or now,
        "created_at": now,
    }
    table = OutboxMessage.__table__
    assert isinstance(table, Table)
    # A racing transaction with the same key makes this insert a no-op instead of an error that
    # would abort the caller's whole transaction.
    insert = upsert_insert(uow.dialect, table)
    statement = (
        insert.values(**values)
        .on_conflict_do_nothing(index_elements=["idempotency_key"])
        .returning(table.c.id)
    )
    new_id = uow.session.execute(statement).scalar_one_or_none()
    row = uow.session.get(OutboxMessage, new_id) if new_id is not None else None
    row = row or _find(uow, idempotency_key)
    if row is None:  # pragma: no cover - the conflicting row vanished between two statements
        raise Conflict(
            "the message is being written by another request; try again", field="idempotency_key"
        )
    return row


def enqueue_message(
    uow: UnitOfWork, *, kind: str, message: OutboundMessage, available_at: datetime | None = None
) -> OutboxMessage:
    return enqueue(
        uow,
        kind=kind,
        payload=message_to_payload(message),
        idempotency_key=message.idempotency_key,
        available_at=available_at,
    )


def _find(uow: UnitOfWork, idempotency_key: str) -> OutboxMessage | None:
    return uow.session.scalar(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == idempotency_key)
    )


def pending_count(uow: UnitOfWork, *, due_by: datetime | None = None) -> int:
    """Messages not yet sent nor given up on; with ``due_by``, only those due by then."""
    query = select(func.count(OutboxMessage.id)).where(OutboxMessage.status.in_(OPEN_STATUSES))
    if due_by is not None:
        query = query.where(OutboxMessage.available_at <= due_by)
    return uow.session.scalar(query) or 0


def find_message(uow: UnitOfWork, *, idempotency_key: str) -> OutboxMessage | None:
    """The message written under that key, e.g. to check that a notification was sent
    (OB-NOTIFY) before a call may start."""
    return _find(uow, idempotency_key)


def withdraw_message(uow: UnitOfWork, *, actor: Actor, message_id: int, reason: str) -> str:
    """Marks a message that has not gone out as withdrawn, in the caller's transaction (no
    commit): it is never sent. Returns the message's status afterwards: "withdrawn", or what it
    already was ("sent", "dead", or "sending" while a worker holds it — too late to stop)."""
    result = cast(
        "CursorResult[Any]",
        uow.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id == message_id,
                OutboxMessage.status.in_((OutboxStatus.PENDING.value, OutboxStatus.DEAD.value)),
            )
            .values(status=OutboxStatus.WITHDRAWN.value, leased_until=None, leased_by=None)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        status = uow.session.scalar(
            select(OutboxMessage.status).where(OutboxMessage.id == message_id)
        )
        return str(status or "missing")
    record(
        uow,
        actor=actor,
        action="message.withdrawn",
        subject_type="outbox_message",
        subject_id=message_id,
        after={"status": OutboxStatus.WITHDRAWN.value},
        details={"reason": reason[:200]},
    )
    return OutboxStatus.WITHDRAWN.value


def requeue_message(uow: UnitOfWork, *, actor: Actor, message_id: int) -> OutboxMessage:
    """Gives a dead message a fresh start (after an operator fixed the cause)."""
    with uow.atomic():
        row = uow.session.get(OutboxMessage, message_id)
        if row is None:
            raise NotFound(f"no outbox message with id {message_id}", field="message_id")
        if row.status != OutboxStatus.DEAD.value:
            raise InvalidTransition(
                f"only a dead message can be requeued; this one is {row.status}",
                field="message_id",
            )
        before = {"status": row.status, "attempts": row.attempts, "last_error": row.last_error}
        row.status = OutboxStatus.PENDING.value
        row.attempts = 0
        row.available_at = uow.clock.now()
        record(
            uow,
            actor=actor,
            action="message.requeued",
            subject_type="outbox_message",
            subject_id=row.id,
            before=before,
            after={"status": row.status, "attempts": 0},
        )
    return row
