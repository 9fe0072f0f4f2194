"""``publish``: how a use case tells the signed-in people concerned that something changed.

Call it inside the use case, before its commit: the event row is written in the same
transaction as the change, so it exists exactly when the change does. Readers are woken after
the commit (PostgreSQL delivers a NOTIFY sent inside a transaction only when it commits; SQLite
readers poll), and a reader that was away catches up with a query on the table.

The payload is for the page to know what to refresh: ids, statuses, a kind. Never a secret,
a memo or a note; it is scrubbed all the same."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import ColumnClause, func, insert, literal_column, select

from caredesk.db.session import UnitOfWork
from caredesk.live.models import LiveEvent
from caredesk.privacy import scrub

# PostgreSQL's LISTEN/NOTIFY channel every server process listens on.
CHANNEL = "caredesk_live"
# The first part of every kind: the SSE event name a page listens for (hx-trigger="sse:ticket").
# A new family is added here so that the browser listens for it (static/js/live.js).
FAMILIES = ("agent", "callback", "ticket")
MAX_KIND = 60
# Bounded so that a match costs a constant: a kind is at most MAX_KIND characters anyway.
_KIND = re.compile(r"^[a-z][a-z_]{0,59}(\.[a-z][a-z_]{0,59}){1,30}$")
# The transaction writing the row (PostgreSQL): see LiveEvent.txid.
_CURRENT_TXID: ColumnClause[int] = literal_column("pg_current_xact_id()::text::bigint")


@dataclass(frozen=True)
class Audience:
    """Who may see an event: the customers of ``account_id``, the agent ``agent_id``, every
    staff user (``staff``), leaders and admins (``leaders``). Any combination; at least one."""

    account_id: int | None = None
    agent_id: int | None = None
    staff: bool = False
    leaders: bool = False

    def __post_init__(self) -> None:
        if self.account_id is None and self.agent_id is None and not (self.staff or self.leaders):
            raise ValueError("an event needs an audience")


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(item) for item in value]
    return value


def publish(
    uow: UnitOfWork,
    kind: str,
    *,
    audience: Audience,
    payload: Mapping[str, Any] | None = None,
) -> None:
    """Writes one event (no commit): ``kind`` is ``family.what`` in lower case
    (``callback.offered``); pages refresh on the family (``sse:callback``)."""
    if len(kind) > MAX_KIND or not _KIND.match(kind):
        raise ValueError(f"event kind {kind!r} must look like 'family.what' (a-z and _)")
    if kind.split(".", 1)[0] not in FAMILIES:
        raise ValueError(f"event kind {kind!r} is of no known family; add it to FAMILIES")
    values: dict[str, Any] = {
        "kind": kind,
        "account_id": audience.account_id,
        "agent_id": audience.agent_id,
        "staff": audience.staff,
        "leaders": audience.leaders,
        "payload": scrub(_plain(dict(payload or {}))),
        "created_at": uow.clock.now(),
    }
    postgres = uow.dialect == "postgresql"
    values["txid"] = _CURRENT_TXID if postgres else 0
    uow.session.execute(insert(LiveEvent).values(**values))
    if postgres:
        # Delivered at commit, and once per transaction however many events it writes.
        uow.session.execute(select(func.pg_notify(CHANNEL, "")))
