"""Pruning tables that only grow: live events and idempotency keys are kept for a while (a
browser catching up after a disconnect, a client retrying a create), then dropped, so that a
long-running installation does not keep every one for ever.

Rows are taken oldest id first and at most ``limit`` at a time, reading only those ``limit``
rows of the primary key: a table's ids grow with its rows' times, so the oldest ids are the old
rows, and a round with nothing to drop costs one short index read, not a scan of the table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import InstrumentedAttribute

from caredesk.db.session import UnitOfWork

MAX_PRUNE = 10_000


def prune_oldest(
    uow: UnitOfWork,
    key: InstrumentedAttribute[Any],
    written_at: InstrumentedAttribute[Any],
    *,
    before: datetime,
    limit: int,
) -> int:
    """Deletes rows written before ``before`` among the ``limit`` oldest ids of the table that
    ``key`` belongs to (no commit). Returns how many went."""
    if not 1 <= limit <= MAX_PRUNE:
        raise ValueError(f"a prune takes 1 to {MAX_PRUNE} rows")
    oldest = select(key, written_at).order_by(key).limit(limit).subquery()
    doomed = list(uow.session.scalars(select(oldest.c[0]).where(oldest.c[1] < before)))
    if not doomed:
        return 0
    uow.session.execute(
        delete(key.class_).where(key.in_(doomed)).execution_options(synchronize_session=False)
    )
    return len(doomed)
