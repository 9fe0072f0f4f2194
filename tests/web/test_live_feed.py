"""Live events: written in the transaction of the change (or not at all), read back by each
reader filtered to what it may see, from any position (catch-up is a query), never stepping
over an event that commits late, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.live import Audience, publish
from caredesk.live.feed import Position, Viewer, head, read_after
from caredesk.live.hub import Hub
from caredesk.live.models import LiveEvent
from caredesk.web.pages.live import _stream
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import Desk

CUSTOMER_OF_7 = Viewer(account_id=7)
AGENT_3 = Viewer(agent_id=3, staff=True)
LEADER = Viewer(staff=True, leader=True)


def _publish(db: Database, kind: str, audience: Audience, **payload: Any) -> None:
    with db.uow() as uow:
        publish(uow, kind, audience=audience, payload=payload)
        uow.commit()


def _kinds(db: Database, viewer: Viewer, position: Position | None = None) -> list[str]:
    with db.uow() as uow:
        batch = read_after(uow, viewer, position or Position())
    return [event.kind for event in batch.events]


def test_an_event_exists_exactly_when_its_transaction_commits(db: Database) -> None:
    with db.uow() as uow:
        publish(uow, "ticket.created", audience=Audience(account_id=7), payload={"n": 1})
        assert _kinds(db, CUSTOMER_OF_7) == []  # not committed yet: nobody sees it
    assert _kinds(db, CUSTOMER_OF_7) == []  # rolled back with its transaction
    _publish(db, "ticket.created", Audience(account_id=7), n=2)
    assert _kinds(db, CUSTOMER_OF_7) == ["ticket.created"]


def test_each_reader_sees_only_its_audience(db: Database) -> None:
    _publish(db, "ticket.created", Audience(account_id=7, staff=True))
    _publish(db, "ticket.updated", Audience(account_id=8, staff=True))
    _publish(db, "callback.offered", Audience(agent_id=3, leaders=True))
    _publish(db, "agent.state_changed", Audience(agent_id=4, leaders=True))
    assert _kinds(db, CUSTOMER_OF_7) == ["ticket.created"]
    assert _kinds(db, Viewer(account_id=9)) == []
    assert _kinds(db, Viewer()) == []  # a customer with no account sees nothing
    assert _kinds(db, AGENT_3) == ["ticket.created", "ticket.updated", "callback.offered"]
    assert _kinds(db, LEADER) == [
        "ticket.created",
        "ticket.updated",
        "callback.offered",
        "agent.state_changed",
    ]


def test_catch_up_starts_after_the_position_and_moves_past_the_unseen(db: Database) -> None:
    _publish(db, "ticket.created", Audience(account_id=7), n=1)
    with db.uow() as uow:
        first = read_after(uow, CUSTOMER_OF_7, Position())
    assert [e.payload["n"] for e in first.events] == [1]
    for n in range(2, 5):
        _publish(db, "ticket.updated", Audience(account_id=7), n=n)
    _publish(db, "agent.state_changed", Audience(agent_id=3, leaders=True))
    with db.uow() as uow:
        later = read_after(uow, CUSTOMER_OF_7, first.position)
        top = head(uow)
    assert [e.payload["n"] for e in later.events] == [2, 3, 4]
    # The position moved past the leaders' event too, so the next read starts at the head.
    assert later.position == top and not later.more
    with db.uow() as uow:
        assert read_after(uow, CUSTOMER_OF_7, later.position).events == []
    # A position sent back by a browser reads the same.
    token = later.events[0].position.token
    assert _kinds(db, CUSTOMER_OF_7, Position.parse(token)) == ["ticket.updated"] * 2


def test_a_long_catch_up_comes_in_batches(db: Database) -> None:
    with db.uow() as uow:
        for n in range(5):
            publish(uow, "ticket.updated", audience=Audience(account_id=7), payload={"n": n})
        uow.commit()
    with db.uow() as uow:
        batch = read_after(uow, CUSTOMER_OF_7, Position(), limit=3)
        assert batch.more and len(batch.events) == 3
        rest = read_after(uow, CUSTOMER_OF_7, batch.position, limit=3)
    assert [e.payload["n"] for e in rest.events] == [3, 4] and not rest.more


@pytest.mark.parametrize("token", ["", "x", "1-", "-1", "1-2-3", "9" * 20 + "-1", " 1-2"])
def test_a_position_token_not_made_here_is_ignored(token: str) -> None:
    assert Position.parse(token) is None or token.strip() == "1-2"


def test_kinds_and_audiences_are_checked(db: Database) -> None:
    with db.uow() as uow:
        with pytest.raises(ValueError, match="family"):
            publish(uow, "ticket", audience=Audience(staff=True))
        with pytest.raises(ValueError, match="no known family"):
            publish(uow, "memo.added", audience=Audience(staff=True))
    with pytest.raises(ValueError, match="audience"):
        Audience()


def test_payloads_are_scrubbed_of_secrets(db: Database) -> None:
    _publish(db, "ticket.updated", Audience(account_id=7), pin="1234", note="card 4111111111111111")
    with db.uow() as uow:
        payload = uow.session.scalars(select(LiveEvent.payload)).one()
    assert "1234" not in json.dumps(payload) and "4111111111111111" not in json.dumps(payload)


def test_an_event_committed_late_is_not_stepped_over(db: Database) -> None:
    """PostgreSQL hands out ids when rows are written, not when they commit: an older
    transaction can commit a smaller id after a reader moved past a larger one. The reader
    takes only events of transactions older than every running one, so it waits for it."""
    if db.dialect != "postgresql":
        pytest.skip("SQLite has one writer: ids follow commit order")
    slow = db.uow()
    publish(slow, "ticket.updated", audience=Audience(account_id=7), payload={"n": 1})
    slow.flush()
    _publish(db, "ticket.updated", Audience(account_id=7), n=2)
    with db.uow() as uow:
        early = read_after(uow, CUSTOMER_OF_7, Position())
    assert early.events == [] and early.held
    slow.commit()
    slow.__exit__(None, None, None)
    with db.uow() as uow:
        late = read_after(uow, CUSTOMER_OF_7, early.position)
    assert [e.payload["n"] for e in late.events] == [1, 2] and not late.held


def test_the_stream_sends_what_was_missed_then_what_comes(db: Database) -> None:
    _publish(db, "ticket.created", Audience(account_id=7), n=1)
    with db.uow() as uow:
        start = head(uow)
    _publish(db, "ticket.updated", Audience(account_id=7), n=2)  # missed while away

    async def until(stream: Any, text: str) -> list[str]:
        seen = []
        while not any(text in item for item in seen):
            seen.append(await asyncio.wait_for(anext(stream), timeout=20))
        return seen

    async def run() -> tuple[list[str], list[str]]:
        hub = Hub(db, poll_seconds=0.05)
        stream = _stream(db, hub, CUSTOMER_OF_7, start, check=lambda: True, keepalive=30)
        missed = await until(stream, '"n":2')
        await asyncio.to_thread(_publish, db, "ticket.comment", Audience(account_id=7), n=3)
        live = await until(stream, '"n":3')
        await stream.aclose()
        return missed, live

    missed, live = asyncio.run(run())
    assert missed[0].startswith("retry:")
    # (On PostgreSQL the head may stop short of an event whose transaction was still settling
    # somewhere in the cluster; it is then sent once more, never lost.)
    assert missed[-1].startswith("id: ") and "event: ticket\n" in missed[-1]
    assert '"kind":"ticket.comment"' in live[-1]


def test_an_event_committed_as_the_hub_starts_is_sent_at_once(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stream has read; the event commits just before the hub first looks at the newest id,
    so that look already counts it: the stream must still be woken to send it."""
    with db.uow() as uow:
        start = head(uow)
    first_look, first_read = Hub._newest, Hub.read
    stream_has_read = asyncio.Event()

    async def reads(hub: Hub, *args: Any, **kwargs: Any) -> Any:
        batch = await first_read(hub, *args, **kwargs)
        stream_has_read.set()
        return batch

    async def commits_just_before(hub: Hub) -> int:
        if not getattr(hub, "looked", False):
            hub.looked = True  # type: ignore[attr-defined]
            await stream_has_read.wait()
            await asyncio.to_thread(_publish, db, "ticket.comment", Audience(account_id=7), n=9)
        return await first_look(hub)

    monkeypatch.setattr(Hub, "_newest", commits_just_before)
    monkeypatch.setattr(Hub, "read", reads)

    async def run() -> list[str]:
        nonlocal stream_has_read
        stream_has_read = asyncio.Event()  # of this loop
        hub = Hub(db, poll_seconds=0.05)
        # A keep-alive far beyond the wait: only a wake-up can bring the event in time.
        stream = _stream(db, hub, CUSTOMER_OF_7, start, check=lambda: True, keepalive=600)
        seen = [await anext(stream)]  # retry:
        seen.append(await asyncio.wait_for(anext(stream), timeout=10))
        await stream.aclose()
        return seen

    sent = asyncio.run(run())
    assert '"n":9' in sent[-1]


def test_an_ended_session_ends_the_stream(db: Database) -> None:
    async def run() -> list[str]:
        stream = _stream(
            db, Hub(db, poll_seconds=0.05), LEADER, None, check=lambda: False, keepalive=0.1
        )
        return [item async for item in stream]

    sent = asyncio.run(run())
    assert "session.ended" in sent[-1]


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


def test_changes_publish_in_their_transaction(desk: Desk) -> None:
    account = desk.account()
    agent_id, agent = desk.agent()
    desk.follow_up(agent_id, agent)
    case = desk.ticket(account)
    desk.client.post(f"/v1/tickets/{case}/updates", json={"body": "On it."}, headers=agent)
    desk.request(
        agent,
        account_id=account["id"],
        origin="follow_up",
        reason="device_troubleshooting",
        line_of_business="care",
    )
    staff = _kinds(desk.db, LEADER)
    assert "agent.state_changed" in staff
    assert {"ticket.created", "ticket.comment"} <= set(staff)
    assert {"callback.requested", "callback.notification_queued"} <= set(staff)
    customer = _kinds(desk.db, Viewer(account_id=account["id"]))
    assert "callback.status_changed" in customer and "ticket.comment" in customer
    assert "agent.state_changed" not in customer
