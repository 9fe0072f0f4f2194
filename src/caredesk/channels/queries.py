"""Reading the outbox: what was owed to whom, and what became of it. Only the messages' table:
listing them loads none of the delivery, audit or policy code."""

from __future__ import annotations

from sqlalchemy import select

from caredesk.channels.models import OutboxMessage, OutboxStatus
from caredesk.db.session import UnitOfWork


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
