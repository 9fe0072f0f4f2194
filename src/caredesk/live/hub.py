"""One wake-up source per server process for all its live streams.

Streams wait on the hub instead of each asking the database: on PostgreSQL the hub LISTENs on
the events channel (a NOTIFY arrives when a transaction that published commits, whichever
process or machine it ran in); on SQLite, and as a fallback on PostgreSQL, it polls the newest
event id every ``poll_seconds``. The hub runs only while some stream waits on it.

Woken streams also read through the hub (``read``): the streams at one position share one read
of every event after it, each keeping what its viewer may see, so a wake-up costs the database
one query per position, not one per stream. A read is shared only within the wake-up it
started in (and briefly): anything committed after it started wakes every stream again."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import anyio

from caredesk.db.session import Database
from caredesk.live.feed import Batch, Position, SharedBatch, Viewer, newest_id, read_all_after
from caredesk.live.publish import CHANNEL

log = logging.getLogger("caredesk.live")
# How long a finished read may still serve streams arriving late to the same wake-up.
SHARE_SECONDS = 0.1


class Hub:
    def __init__(self, db: Database, *, poll_seconds: float) -> None:
        self.db = db
        self.poll_seconds = poll_seconds
        self._waiting: set[asyncio.Event] = set()
        self._task: asyncio.Task[None] | None = None
        self._generation = 0
        self._reads: dict[Position, tuple[int, float, asyncio.Future[SharedBatch]]] = {}

    @contextlib.asynccontextmanager
    async def subscribe(self) -> AsyncIterator[asyncio.Event]:
        """An event set whenever new live events may have been written; the caller clears it
        before it reads, then waits on it."""
        woken = asyncio.Event()
        self._waiting.add(woken)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="caredesk-live-hub")
        try:
            yield woken
        finally:
            self._waiting.discard(woken)

    def _wake(self) -> None:
        self._generation += 1
        self._reads.clear()
        for woken in self._waiting:
            woken.set()

    async def read(
        self, viewer: Viewer, position: Position, *, limiter: anyio.CapacityLimiter | None = None
    ) -> Batch:
        """What ``viewer`` may see after ``position`` (as ``read_after`` gives it), from a
        read shared with the other streams at that position in this wake-up."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        entry = self._reads.get(position)
        if entry is None or entry[0] != self._generation or now - entry[1] > SHARE_SECONDS:

            def read_all() -> SharedBatch:
                with self.db.uow() as uow:
                    return read_all_after(uow, position)

            future = asyncio.ensure_future(anyio.to_thread.run_sync(read_all, limiter=limiter))
            entry = (self._generation, now, future)
            self._reads[position] = entry
        # A stream that goes away while waiting must not cancel the read the others share.
        shared = await asyncio.shield(entry[2])
        return shared.for_viewer(viewer)

    async def _newest(self) -> int:
        def read() -> int:
            with self.db.uow() as uow:
                return newest_id(uow)

        return await anyio.to_thread.run_sync(read)

    async def _run(self) -> None:
        listener: Any = None
        try:
            last = await self._newest()
            # A stream subscribes, reads, then waits: an event committed after its read but
            # before this first look would count as already seen and wake nobody (until the next
            # event, or the keep-alive). Every stream reads once more from here.
            self._wake()
            while self._waiting:
                if self.db.dialect == "postgresql" and listener is None:
                    listener = await self._listen()
                notified = False
                if listener is not None:
                    try:
                        async for _ in listener.notifies(timeout=self.poll_seconds, stop_after=1):
                            notified = True
                    except Exception as exc:  # a lost connection: poll until it is back
                        log.warning("live events listener lost: %s", exc)
                        with contextlib.suppress(Exception):
                            await listener.close()
                        listener = None
                        await asyncio.sleep(self.poll_seconds)
                else:
                    await asyncio.sleep(self.poll_seconds)
                try:
                    current = await self._newest()
                except Exception as exc:  # the database is away; the streams will say so
                    log.warning("live events poll failed: %s", exc)
                    continue
                if notified or current != last:
                    last = current
                    self._wake()
        finally:
            if listener is not None:
                with contextlib.suppress(Exception):
                    await listener.close()

    async def _listen(self) -> Any:
        import psycopg

        url = self.db.engine.url.set(drivername="postgresql")
        try:
            connection = await psycopg.AsyncConnection.connect(
                url.render_as_string(hide_password=False), autocommit=True
            )
            await connection.execute(f"LISTEN {CHANNEL}")
        except Exception as exc:
            log.warning("cannot listen for live events (polling instead): %s", exc)
            return None
        return connection
