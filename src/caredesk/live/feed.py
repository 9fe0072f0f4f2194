"""Reading live events: where a reader stands, and what it may see after that.

A reader's position is the (txid, id) of the last event it has taken, sent to the browser as
the SSE event id and handed back on reconnection (Last-Event-ID), so catching up is one query.
On PostgreSQL a reader takes only events of transactions older than every transaction still
running in the database: an event committed later can then never sort before the position. On
SQLite there is one writer, ids follow commit order and txid is always 0."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnClause,
    ColumnElement,
    Select,
    false,
    func,
    literal_column,
    or_,
    select,
    tuple_,
)

from caredesk.db.session import UnitOfWork
from caredesk.live.models import LiveEvent

MAX_TOKEN = 41
_TOKEN = re.compile(r"^([0-9]{1,19})-([0-9]{1,19})$")
# Older than every transaction still running in this database (PostgreSQL): rows of these
# are all committed. The snapshot's xmin would do, but it counts every database of the cluster,
# so another database's long transaction would hold the events back. A running transaction's
# 64-bit id is the snapshot's xmax less its age; reading them in one statement can only make
# the bound lower (safer), never higher.
_SETTLED_BELOW: ColumnClause[int] = literal_column(
    "LEAST(pg_snapshot_xmax(pg_current_snapshot())::text::bigint, "
    "(SELECT min(pg_snapshot_xmax(pg_current_snapshot())::text::bigint - age(backend_xid)) "
    "FROM pg_stat_activity "
    "WHERE datname = current_database() AND backend_xid IS NOT NULL))"
)
DEFAULT_BATCH = 200
# Events about the reader's own session (it ended), sent by the stream itself.
SESSION_FAMILY = "session"


@dataclass(frozen=True, order=True)
class Position:
    txid: int = 0
    id: int = 0

    @property
    def token(self) -> str:
        return f"{self.txid}-{self.id}"

    @classmethod
    def parse(cls, token: str | None) -> Position | None:
        """The position of a token this module made; None for anything else."""
        if not token or len(token) > MAX_TOKEN:
            return None
        match = _TOKEN.match(token.strip())
        if match is None:
            return None
        return cls(int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True)
class Viewer:
    """What one reader may see: a customer their account's events; staff the events for all
    staff, for their agent and, as leaders, for leaders."""

    account_id: int | None = None
    agent_id: int | None = None
    staff: bool = False
    leader: bool = False

    def condition(self) -> ColumnElement[bool]:
        if not self.staff:
            if self.account_id is None:
                return false()
            return LiveEvent.account_id == self.account_id
        seen: list[ColumnElement[bool]] = [LiveEvent.staff.is_(True)]
        if self.agent_id is not None:
            seen.append(LiveEvent.agent_id == self.agent_id)
        if self.leader:
            seen.append(LiveEvent.leaders.is_(True))
        return or_(*seen)

    def sees(self, item: Addressed) -> bool:
        """``condition()`` for one event already read (the two must agree: a test holds it)."""
        if not self.staff:
            return self.account_id is not None and item.account_id == self.account_id
        return (
            item.staff
            or (self.agent_id is not None and item.agent_id == self.agent_id)
            or (self.leader and item.leaders)
        )


@dataclass(frozen=True)
class Delivered:
    id: int
    kind: str
    payload: dict[str, Any]
    created_at: str
    position: Position

    @property
    def family(self) -> str:
        return self.kind.split(".", 1)[0]


@dataclass(frozen=True)
class Batch:
    events: list[Delivered]
    position: Position
    more: bool
    """More events are waiting past this batch: read again at once."""
    held: bool
    """Events past the position belong to transactions still running (PostgreSQL): read
    again shortly, since their commit may be the only thing that changes."""


def _settled(uow: UnitOfWork, query: Select[int, int]) -> Select[int, int]:
    if uow.dialect == "postgresql":
        return query.where(LiveEvent.txid < _SETTLED_BELOW)
    return query


def head(uow: UnitOfWork) -> Position:
    """The position just past every event readable now: a page rendered now shows all of
    them, so its live stream starts here."""
    query = _settled(uow, select(LiveEvent.txid, LiveEvent.id))
    row = uow.session.execute(
        query.order_by(LiveEvent.txid.desc(), LiveEvent.id.desc()).limit(1)
    ).first()
    return Position(int(row.txid), int(row.id)) if row is not None else Position()


def _read(
    uow: UnitOfWork, position: Position, where: ColumnElement[bool] | None, limit: int
) -> tuple[list[LiveEvent], Position, bool, bool]:
    top = head(uow)
    after = tuple_(LiveEvent.txid, LiveEvent.id) > tuple_(position.txid, position.id)
    upto = tuple_(LiveEvent.txid, LiveEvent.id) <= tuple_(top.txid, top.id)
    query = select(LiveEvent).where(after, upto)
    if where is not None:
        query = query.where(where)
    rows = list(uow.session.scalars(query.order_by(LiveEvent.txid, LiveEvent.id).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    reached = Position(rows[-1].txid, rows[-1].id) if more else max(position, top)
    held = False
    if uow.dialect == "postgresql":
        held = bool(
            uow.session.scalar(
                select(select(LiveEvent.id).where(LiveEvent.txid >= _SETTLED_BELOW).exists())
            )
        )
    # Nothing to keep open between reads: the stream waits outside any transaction.
    uow.session.expunge_all()
    uow.session.rollback()
    return rows, reached, more, held


def _delivered(row: LiveEvent) -> Delivered:
    return Delivered(
        row.id,
        row.kind,
        dict(row.payload or {}),
        row.created_at.isoformat(),
        Position(row.txid, row.id),
    )


def read_after(
    uow: UnitOfWork, viewer: Viewer, position: Position, *, limit: int = DEFAULT_BATCH
) -> Batch:
    """The events ``viewer`` may see after ``position``, oldest first, at most ``limit``; the
    position moves past the events nobody asked this reader to see too, so the next read
    starts near the head whatever the reader's audience."""
    rows, reached, more, held = _read(uow, position, viewer.condition(), limit)
    return Batch([_delivered(row) for row in rows], reached, more, held)


@dataclass(frozen=True)
class Addressed:
    """An event with its audience, as read once for every stream of a process."""

    event: Delivered
    account_id: int | None
    agent_id: int | None
    staff: bool
    leaders: bool


@dataclass(frozen=True)
class SharedBatch:
    """Every event after a position (whoever may see it): one read that the streams at that
    position share, each taking what its viewer may see (``for_viewer``)."""

    events: list[Addressed]
    position: Position
    more: bool
    held: bool

    def for_viewer(self, viewer: Viewer) -> Batch:
        """Exactly what ``read_after`` gives ``viewer`` from the same position."""
        seen = [item.event for item in self.events if viewer.sees(item)]
        return Batch(seen, self.position, self.more, self.held)


def read_all_after(
    uow: UnitOfWork, position: Position, *, limit: int = DEFAULT_BATCH
) -> SharedBatch:
    rows, reached, more, held = _read(uow, position, None, limit)
    events = [
        Addressed(_delivered(row), row.account_id, row.agent_id, bool(row.staff), bool(row.leaders))
        for row in rows
    ]
    return SharedBatch(events, reached, more, held)


def newest_id(uow: UnitOfWork) -> int:
    """A cheap sign that something was written (the wake-up poll compares it)."""
    value = uow.session.scalar(select(func.max(LiveEvent.id)))
    uow.session.rollback()
    return int(value or 0)
