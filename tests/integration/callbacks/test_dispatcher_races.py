"""What another process does between the dispatcher's read of a row and its guarded write: the
write leaves the row alone when the row no longer qualifies. The other process is played by a
statement run on the dispatcher's own connection just before its first UPDATE of callbacks."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from caredesk.callbacks.dispatch.claims import claim_due_callbacks
from caredesk.callbacks.dispatch.offers import expire_offers
from caredesk.callbacks.dispatch.pooling import pool_overdue_owned
from caredesk.callbacks.dispatch.worker import run_once
from caredesk.callbacks.models import Callback, CallbackStatus
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.policy import AgentState
from tests.integration.callbacks.dispatch_support import (
    audit_actions,
    callback,
    event_kinds,
    make_account,
    make_agent,
    make_callbacks,
    make_runtime,
)

S = CallbackStatus
STARTED = "UPDATE callbacks SET status = 'dialing' WHERE id = :id"  # an agent dials it directly


_PARAMETER = re.compile(r":(\w+)")


@contextmanager
def meanwhile(db: Database, sql: str, **values: Any) -> Iterator[list[bool]]:
    """Runs `sql` once, right before the first UPDATE of callbacks. Its :name parameters are
    callbacks columns' values, stored as the column's type stores them."""
    done: list[bool] = []

    def before(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if done or not statement.lstrip().upper().startswith("UPDATE CALLBACKS"):
            return
        done.append(True)
        stored = {}
        for name, value in values.items():
            column = Callback.__table__.c.get(name)
            process = column.type.bind_processor(conn.dialect) if column is not None else None
            stored[name] = process(value) if process else value
        if conn.dialect.paramstyle == "qmark":
            names = _PARAMETER.findall(sql)
            cursor.execute(_PARAMETER.sub("?", sql), [stored[name] for name in names])
        else:
            cursor.execute(_PARAMETER.sub(r"%(\1)s", sql), stored)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield done
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def test_an_owned_callback_its_owner_starts_meanwhile_is_not_pooled(
    db: Database, clock: FixedClock
) -> None:
    owner = make_agent(db, state=AgentState.NOT_READY_BREAK)
    [callback_id] = make_callbacks(
        db,
        account_id=make_account(db),
        due_at=clock.now() - timedelta(hours=1),
        owner_agent_id=owner,
    )
    with meanwhile(
        db, "UPDATE callbacks SET status = 'dialing' WHERE id = :id", id=callback_id
    ) as done:
        pooled = pool_overdue_owned(db, now=clock.now(), overdue_minutes=30, worker_id="w")
    assert done and pooled == 0
    dialing = callback(db, callback_id)
    assert dialing.status == S.DIALING and not dialing.in_assignment_pool
    assert dialing.pooled_at is None and dialing.version == 0
    assert event_kinds(db, callback_id) == [] and audit_actions(db, callback_id) == []


def test_an_owned_callback_pooled_by_another_worker_meanwhile_is_pooled_once(
    db: Database, clock: FixedClock
) -> None:
    owner = make_agent(db, state=AgentState.NOT_READY_BREAK)
    [callback_id] = make_callbacks(
        db,
        account_id=make_account(db),
        due_at=clock.now() - timedelta(hours=1),
        owner_agent_id=owner,
    )
    sql = "UPDATE callbacks SET in_assignment_pool = :in_assignment_pool WHERE id = :id"
    with meanwhile(db, sql, in_assignment_pool=True, id=callback_id):
        assert pool_overdue_owned(db, now=clock.now(), overdue_minutes=30, worker_id="w") == 0
    assert event_kinds(db, callback_id) == []


def test_an_offer_started_meanwhile_is_not_expired(db: Database, clock: FixedClock) -> None:
    make_agent(db)
    [callback_id] = make_callbacks(
        db, account_id=make_account(db), due_at=clock.now() - timedelta(minutes=1)
    )
    runtime = make_runtime(db, dispatcher_lease_seconds=60)
    assert run_once(db, runtime, now=clock.now(), worker_id="w").offered == 1
    clock.advance(timedelta(seconds=61))
    with meanwhile(
        db, "UPDATE callbacks SET status = 'dialing' WHERE id = :id", id=callback_id
    ) as done:
        assert expire_offers(db, now=clock.now(), worker_id="w") == 0
    assert done
    started = callback(db, callback_id)
    assert started.status == S.DIALING and started.offered_to_agent_id is not None
    assert event_kinds(db, callback_id) == ["offered"]


def test_a_callback_leased_by_another_worker_meanwhile_is_not_claimed_twice(
    db: Database, clock: FixedClock
) -> None:
    make_agent(db)
    first, second = make_callbacks(
        db, account_id=make_account(db), due_at=clock.now() - timedelta(minutes=1), count=2
    )
    sql = (
        "UPDATE callbacks SET lease_owner = :lease_owner, lease_token = :lease_token, "
        "lease_expires_at = :lease_expires_at WHERE id = :id"
    )
    with meanwhile(
        db,
        sql,
        lease_owner="other",
        lease_token="t" * 32,
        lease_expires_at=clock.now() + timedelta(minutes=5),
        id=first,
    ):
        claims = claim_due_callbacks(db, now=clock.now(), worker_id="me")
    assert [claim.id for claim in claims] == [second]
    assert callback(db, first).lease_owner == "other"
    assert callback(db, second).lease_owner == "me"
