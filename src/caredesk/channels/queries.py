"""Reading the outbox: what was owed to whom, and what became of it. Only the messages' table:
listing them loads none of the delivery, audit or policy code."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select

from caredesk.channels.models import OPEN_STATUSES, OutboxMessage, OutboxStatus
from caredesk.db.session import UnitOfWork


class Delivery(NamedTuple):
    """Where one message is: its status, when it is (or was) to go, when it went."""

    status: str
    available_at: datetime
    sent_at: datetime | None

    @property
    def went_at(self) -> datetime | None:
        """When it went out; None while it is still to go, or once dead or withdrawn."""
        return self.sent_at if self.status == OutboxStatus.SENT.value else None

    @property
    def goes_at(self) -> datetime | None:
        """When it is to go while it is still to go (held for later, or due); None otherwise."""
        return self.available_at if self.status in OPEN_STATUSES else None


def delivery_of(uow: UnitOfWork, message_id: int | None) -> Delivery | None:
    """The message's `Delivery`, in one statement; None without a message."""
    if message_id is None:
        return None
    row = uow.session.execute(
        select(OutboxMessage.status, OutboxMessage.available_at, OutboxMessage.sent_at).where(
            OutboxMessage.id == message_id
        )
    ).first()
    return Delivery(row.status, row.available_at, row.sent_at) if row is not None else None


def list_messages(
    uow: UnitOfWork,
    *,
    status: OutboxStatus | None = None,
    kind: str | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> list[OutboxMessage]:
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if status is not None:
        query = query.where(OutboxMessage.status == status.value)
    if kind is not None:
        query = query.where(OutboxMessage.kind == kind)
    if after_id is not None:
        query = query.where(OutboxMessage.id > after_id)
    return list(uow.session.scalars(query.limit(max(1, min(limit, 500)))))
