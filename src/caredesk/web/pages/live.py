"""``GET /live``: the signed-in person's stream of live events (server-sent events).

One stream per open page. It starts where the page's render left off (or where the browser
says it last was: the Last-Event-ID header, or ``last_event_id`` when htmx opens a new stream
after an error), sends what that person may see (caredesk.live.feed.Viewer), then waits for the
process's hub to say something was written. A comment line keeps idle connections open; the
session is checked at each keep-alive, and a stream whose session has ended says so and stops.
A stream also ends after ``MAX_STREAM_SECONDS``: the browser reconnects at once, from its place."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Annotated

import anyio
from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse
from sqlalchemy.exc import SQLAlchemyError

from caredesk.db.session import Database
from caredesk.live.feed import (
    MAX_TOKEN,
    SESSION_FAMILY,
    Delivered,
    Position,
    Viewer,
    head,
)
from caredesk.live.hub import Hub
from caredesk.users.sessions import SessionRules, SignedIn, find_session
from caredesk.web.deps import principal_of
from caredesk.web.sessions import SESSION_COOKIE

log = logging.getLogger("caredesk.live")
router = APIRouter(include_in_schema=False)
RETRY_MILLISECONDS = 1000
# A stream whose last read found events of transactions still running reads again this soon.
HELD_RETRY_SECONDS = 0.25
MAX_STREAM_SECONDS = 600.0
HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


# Streams read the database in worker threads of their own, a few at a time: however many
# streams a wake-up sets reading, the pages keep the shared worker threads to themselves.
STREAM_READERS = 8


def readers_of(request: Request) -> anyio.CapacityLimiter:
    limiter: anyio.CapacityLimiter | None = getattr(request.app.state, "live_readers", None)
    if limiter is None:
        limiter = anyio.CapacityLimiter(STREAM_READERS)
        request.app.state.live_readers = limiter
    return limiter


def hub_of(request: Request) -> Hub:
    hub: Hub | None = getattr(request.app.state, "live_hub", None)
    if hub is None:
        settings = request.app.state.settings
        hub = Hub(request.app.state.db, poll_seconds=settings.live_poll_seconds)
        request.app.state.live_hub = hub
    return hub


def viewer_of(signed: SignedIn) -> Viewer:
    principal = principal_of(signed.user)
    return Viewer(
        account_id=principal.account_id,
        agent_id=principal.agent_id,
        staff=principal.is_staff,
        leader=principal.is_leader,
    )


def _session(db: Database, token: str | None, rules: SessionRules) -> SignedIn | None:
    if not token:
        return None
    with db.uow() as uow:
        return find_session(uow, token=token, rules=rules, touch=False)


def _message(event: Delivered) -> str:
    data = json.dumps(
        {"id": event.id, "kind": event.kind, "payload": event.payload, "at": event.created_at},
        separators=(",", ":"),
    )
    return f"id: {event.position.token}\nevent: {event.family}\ndata: {data}\n\n"


def _ended() -> str:
    data = json.dumps({"kind": f"{SESSION_FAMILY}.ended", "payload": {}})
    return f"event: {SESSION_FAMILY}\ndata: {data}\n\n"


async def _only_ended() -> AsyncIterator[str]:
    yield _ended()


@router.get("/live")
async def live(
    request: Request,
    last_event_id: Annotated[str | None, Query(max_length=MAX_TOKEN)] = None,
) -> StreamingResponse:
    db: Database = request.app.state.db
    settings = request.app.state.settings
    rules = SessionRules.from_settings(settings)
    token = request.cookies.get(SESSION_COOKIE)
    readers = readers_of(request)
    signed = await anyio.to_thread.run_sync(_session, db, token, rules, limiter=readers)
    if signed is None:
        return StreamingResponse(_only_ended(), media_type="text/event-stream", headers=HEADERS)
    start = Position.parse(request.headers.get("last-event-id")) or Position.parse(last_event_id)
    stream = _stream(
        db,
        hub_of(request),
        viewer_of(signed),
        start,
        check=lambda: _session(db, token, rules) is not None,
        keepalive=settings.live_keepalive_seconds,
        readers=readers,
    )
    return StreamingResponse(stream, media_type="text/event-stream", headers=HEADERS)


async def _stream(
    db: Database,
    hub: Hub,
    viewer: Viewer,
    start: Position | None,
    *,
    check: Callable[[], bool],
    keepalive: float,
    readers: anyio.CapacityLimiter | None = None,
) -> AsyncIterator[str]:
    def first() -> Position:
        with db.uow() as uow:
            return head(uow)

    loop = asyncio.get_running_loop()
    yield f"retry: {RETRY_MILLISECONDS}\n\n"
    try:
        position = (
            start if start is not None else await anyio.to_thread.run_sync(first, limiter=readers)
        )
        next_beat = loop.time() + keepalive
        ends = loop.time() + MAX_STREAM_SECONDS
        async with hub.subscribe() as woken:
            while True:
                woken.clear()
                batch = await hub.read(viewer, position, limiter=readers)
                for event in batch.events:
                    yield _message(event)
                position = batch.position
                if batch.more:
                    continue
                if loop.time() >= ends:
                    return
                wait = next_beat - loop.time()
                if batch.held:
                    wait = min(wait, HELD_RETRY_SECONDS)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(woken.wait(), timeout=max(0.0, wait))
                if loop.time() >= next_beat:
                    if not await anyio.to_thread.run_sync(check, limiter=readers):
                        yield _ended()
                        return
                    yield ": keep-alive\n\n"
                    next_beat = loop.time() + keepalive
    except SQLAlchemyError as exc:
        # The database is away: end the stream; the browser comes back from its place.
        log.warning("live stream ended: %s", exc)
