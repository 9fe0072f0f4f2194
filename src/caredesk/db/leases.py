"""Leased claims: any number of workers, on any number of machines, share a table of work without
a broker and without doing a row twice.

A claim reads up to ``batch`` candidate rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so rows
another worker is claiming right now are skipped, not waited for), then updates them with one
UPDATE that names the ids read and repeats a guard, so a row somebody else took since it was read
is left alone. The caller commits, once per batch. A lease is such a claim that writes who holds
the row, under which fresh token and until when: a holder that dies loses nothing (the lease
expires and the row is claimable again), and whatever a holder writes later names its token, so
one whose lease was taken over changes nothing.

Never one ``UPDATE ... WHERE id IN (SELECT ... LIMIT n FOR UPDATE SKIP LOCKED)``: PostgreSQL may
plan it as a semi join that re-runs the limited subquery for every row and update far more than
``n`` rows.

On SQLite there is one writer at a time: the candidate read runs before this transaction holds
the write lock, so it may be stale (another worker claimed some of it first). The guard leaves
those rows alone, and a second read, now under the write lock, fills the batch."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Row, and_, inspect, or_, select, update
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute

from caredesk.db.session import UnitOfWork

Predicate = ColumnElement[bool]
Column = InstrumentedAttribute[Any]
Table = type[DeclarativeBase]


@dataclass(frozen=True)
class Claimed:
    """One row a claim updated. ``after``: its key and the ``returning`` columns as the update
    left them. ``before``: its key and the ``before`` columns as they were just before it."""

    id: Any
    after: Row[Any]
    before: Row[Any]


def claim_rows(
    uow: UnitOfWork,
    table: Table,
    *,
    candidates: Sequence[Predicate],
    order_by: Sequence[Any],
    values: Mapping[str, Any],
    batch: int,
    guard: Sequence[Predicate] | None = None,
    before: Sequence[Column] = (),
    returning: Sequence[Column] = (),
) -> list[Claimed]:
    """Updates with ``values`` up to ``batch`` rows of ``table`` that match ``candidates``, first
    in ``order_by`` (no commit). The UPDATE repeats ``guard`` (by default the candidate
    predicate), so a row that no longer matches it is left out. Each ``before`` column must still
    hold the value read with the candidates, which makes it the value just before the update.
    Returns the rows updated, read order first, then those a second read added."""
    if batch < 1:
        raise ValueError("a claim takes at least one row")
    key = _primary_key(table)
    guarded = tuple(candidates if guard is None else guard)
    claimed: list[Claimed] = []
    for _ in range(2):
        query = (
            select(key, *before).where(*candidates).order_by(*order_by).limit(batch - len(claimed))
        )
        if uow.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=table)
        read = uow.session.execute(query).all()
        if not read:
            break
        updated = uow.session.execute(
            update(table)
            .where(_as_read(key, before, read), *guarded)
            .values(dict(values))
            .returning(key, *returning)
            .execution_options(synchronize_session=False)
        ).all()
        after = {row[0]: row for row in updated}
        claimed.extend(Claimed(row[0], after[row[0]], row) for row in read if row[0] in after)
        # Every candidate taken: the read was current, so the batch is full or nothing is left.
        if len(updated) == len(read):
            break
    return claimed


@dataclass(frozen=True)
class Lease:
    """A claim's hold on its rows: ``owner`` holds them under ``token`` until ``expires_at``."""

    owner: str
    token: str
    taken_at: datetime
    expires_at: datetime

    @classmethod
    def take(cls, owner: str, *, now: datetime, seconds: float) -> Lease:
        """A new lease with a token nobody else holds."""
        return cls(owner, uuid.uuid4().hex, now, now + timedelta(seconds=seconds))


@dataclass(frozen=True)
class LeaseColumns:
    """Where a table keeps a row's lease: who holds it, under which token, until when."""

    owner: Column
    token: Column
    expires: Column

    def free(self, now: datetime) -> Predicate:
        """Nobody holds the row at ``now``: never leased, released, or the lease ran out."""
        return or_(self.expires.is_(None), self.expires < now)

    def held_by(self, lease: Lease) -> dict[str, Any]:
        return {
            self.owner.key: lease.owner,
            self.token.key: lease.token,
            self.expires.key: lease.expires_at,
        }

    def cleared(self) -> dict[str, Any]:
        return {self.owner.key: None, self.token.key: None, self.expires.key: None}


def lease_rows(
    uow: UnitOfWork,
    table: Table,
    columns: LeaseColumns,
    lease: Lease,
    *,
    candidates: Sequence[Predicate],
    order_by: Sequence[Any],
    batch: int,
    values: Mapping[str, Any] | None = None,
    guard: Sequence[Predicate] | None = None,
    returning: Sequence[Column] = (),
) -> list[Claimed]:
    """Leases up to ``batch`` rows matching ``candidates`` whose lease is free at
    ``lease.taken_at`` (no commit), writing ``values`` with the lease. A row whose earlier lease
    ran out is claimable again."""
    free = columns.free(lease.taken_at)
    return claim_rows(
        uow,
        table,
        candidates=(*candidates, free),
        guard=None if guard is None else (*guard, free),
        order_by=order_by,
        values={**(values or {}), **columns.held_by(lease)},
        batch=batch,
        returning=returning,
    )


def release_lease(
    uow: UnitOfWork,
    table: Table,
    columns: LeaseColumns,
    row_id: Any,
    token: str,
    *,
    guard: Sequence[Predicate] = (),
    values: Mapping[str, Any] | None = None,
) -> bool:
    """Ends the lease on one row and writes ``values`` with it (no commit), if ``token`` still
    holds the row and ``guard`` matches. False, with nothing written, when either does not: the
    holder's lease ran out and somebody else took the row, or it was never this token's."""
    result = cast(
        "CursorResult[Any]",
        uow.session.execute(
            update(table)
            .where(_primary_key(table) == row_id, columns.token == token, *guard)
            .values({**columns.cleared(), **(values or {})})
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount == 1


def _primary_key(table: Table) -> ColumnElement[Any]:
    keys = inspect(table).primary_key
    if len(keys) != 1:
        raise ValueError(f"{table.__name__}: a claimed table needs a one-column primary key")
    return keys[0]


def _as_read(
    key: ColumnElement[Any], before: Sequence[Column], read: Sequence[Row[Any]]
) -> Predicate:
    """The rows read, each still holding its ``before`` values (a NULL still NULL)."""
    ids = key.in_([row[0] for row in read])
    if not before:
        return ids
    unchanged = [
        and_(
            key == row[0],
            *(column.is_not_distinct_from(row[i + 1]) for i, column in enumerate(before)),
        )
        for row in read
    ]
    return and_(ids, or_(*unchanged))
