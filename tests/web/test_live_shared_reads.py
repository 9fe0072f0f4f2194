"""Live streams share their reads: one read of every event after a position, each stream
keeping what its viewer may see, gives every viewer exactly what its own filtered read gives
(SQLite and PostgreSQL, batches cut short included); the streams at one position in one
wake-up cost one database read, and a wake-up makes the next read fresh."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from caredesk.db.session import Database
from caredesk.live import Audience, publish
from caredesk.live import hub as hub_module
from caredesk.live.feed import Position, Viewer, read_after, read_all_after
from caredesk.live.hub import Hub

AUDIENCES = [
    Audience(account_id=7),
    Audience(account_id=8),
    Audience(agent_id=3),
    Audience(agent_id=4, leaders=True),
    Audience(staff=True),
    Audience(leaders=True),
    Audience(account_id=7, agent_id=3, staff=True),
    Audience(account_id=8, leaders=True),
]
VIEWERS = [
    Viewer(account_id=7),
    Viewer(account_id=8),
    Viewer(),  # a customer user with no account sees nothing
    Viewer(agent_id=3, staff=True),
    Viewer(agent_id=4, staff=True),
    Viewer(staff=True),
    Viewer(staff=True, leader=True),
    Viewer(agent_id=4, staff=True, leader=True),
]


def _publish_all(db: Database) -> None:
    with db.uow() as uow:
        for n, audience in enumerate(AUDIENCES * 3):
            publish(uow, "ticket.updated", audience=audience, payload={"n": n})
        uow.commit()


@pytest.mark.parametrize("limit", [5, 200])
def test_a_shared_read_gives_each_viewer_its_own_read(db: Database, limit: int) -> None:
    _publish_all(db)
    with db.uow() as uow:
        everything = read_all_after(uow, Position(), limit=1000).events
    positions = [Position(), *(item.event.position for item in everything[::5])]
    for viewer, position in itertools.product(VIEWERS, positions):
        with db.uow() as uow:
            own = read_after(uow, viewer, position, limit=limit)
        with db.uow() as uow:
            shared = read_all_after(uow, position, limit=limit).for_viewer(viewer)
        # The same events in the same order; the shared read may stop earlier when the
        # batch is cut short (it counts every event), never later, and never skips one.
        assert shared.events == own.events[: len(shared.events)], (viewer, position)
        assert shared.position <= own.position
        if not shared.more:
            assert (shared.events, shared.position) == (own.events, own.position)


def test_streams_at_one_position_share_one_read_per_wake_up(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _publish_all(db)
    reads: list[Position] = []
    real = hub_module.read_all_after

    def counted(uow: object, position: Position, **kwargs: object) -> object:
        reads.append(position)
        return real(uow, position)  # type: ignore[arg-type]

    monkeypatch.setattr(hub_module, "read_all_after", counted)
    monkeypatch.setattr(hub_module, "SHARE_SECONDS", 3600.0)
    hub = Hub(db, poll_seconds=60)

    async def run() -> None:
        batches = await asyncio.gather(
            *(hub.read(VIEWERS[i % len(VIEWERS)], Position()) for i in range(50))
        )
        assert len(reads) == 1
        for i, batch in enumerate(batches):
            with db.uow() as uow:
                own = read_after(uow, VIEWERS[i % len(VIEWERS)], Position())
            assert batch.events == own.events
        await hub.read(VIEWERS[0], Position(1, 1))  # another position: its own read
        assert len(reads) == 2
        hub._wake()  # something was written: the next read is fresh
        await hub.read(VIEWERS[0], Position())
        assert len(reads) == 3

    asyncio.run(run())
