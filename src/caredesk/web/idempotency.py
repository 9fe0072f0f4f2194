"""``Idempotency-Key`` on every POST that creates a record (answers 201), wired once for the app
so that a new create route honours it without doing anything.

- ``honour_idempotency_key`` (an app-wide dependency) claims the key in the request's own unit
  of work, so the claim commits with the record or not at all, or answers a replay;
- ``IdempotencyMiddleware`` makes requests with one key from one client take turns within a
  process (waiting without holding a worker thread), and attaches the answer to the claim
  before it goes out.

A replay answers 200 with the first answer's body and ``Idempotent-Replayed: true``.
Routes whose answer carries a secret (a bearer token) are left out: the answer would have to be
stored to be replayed, and a live token is never stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from caredesk.db.idempotency import (
    HEADER,
    StoredAnswer,
    check_key,
    claim_key,
    digest,
    fingerprint_request,
    store_answer,
)
from caredesk.web.deps import UoW
from caredesk.web.problems import PROBLEM_MEDIA_TYPE

# Create routes whose answer holds a bearer token: never stored, so never replayed.
SECRET_ANSWERS = frozenset({"/v1/auth/token", "/v1/users/{login}/tokens"})
REPLAYED_HEADER = "Idempotent-Replayed"
_CLAIM = "idempotency_claim"


def honours_key(method: str, template: str | None, status_code: int | None) -> bool:
    return method == "POST" and status_code == 201 and template not in SECRET_ANSWERS


def _applies(request: Request) -> bool:
    route = request.scope.get("route")
    return honours_key(
        request.method, getattr(route, "path", None), getattr(route, "status_code", None)
    )


class Replay(Exception):
    def __init__(self, answer: StoredAnswer) -> None:
        super().__init__("replayed")
        self.answer = answer


def _scope_of(request: Request | Scope) -> str:
    headers = request.headers if isinstance(request, Request) else _headers(request)
    return digest("credential", headers.get("authorization", ""))


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}


async def _fingerprint(request: Request) -> str:
    if not _applies(request) or HEADER not in request.headers:
        return ""
    return fingerprint_request(request.method, request.url.path, await request.body())


def honour_idempotency_key(
    request: Request, uow: UoW, fingerprint: Annotated[str, Depends(_fingerprint)]
) -> None:
    if not fingerprint:
        return
    key = check_key(request.headers.get(HEADER))
    if key is None:
        return
    scope = _scope_of(request)
    answer = claim_key(uow, scope=scope, key=key, fingerprint=fingerprint)
    if answer is not None:
        raise Replay(answer)
    setattr(request.state, _CLAIM, (scope, key))


def install_idempotency(app: FastAPI) -> None:
    @app.exception_handler(Replay)
    async def _replay(request: Request, exc: Replay) -> Response:
        status = 200 if exc.answer.status_code == 201 else exc.answer.status_code
        return Response(
            exc.answer.body,
            status_code=status,
            media_type=PROBLEM_MEDIA_TYPE if status >= 400 else "application/json",
            headers={REPLAYED_HEADER: "true"},
        )


class _KeyLocks:
    """One asyncio lock per (client, key) in flight, dropped when nobody waits on it."""

    def __init__(self) -> None:
        self._locks: dict[tuple[int, str], tuple[asyncio.Lock, int]] = {}

    @contextmanager
    def _entry(self, name: str) -> Iterator[asyncio.Lock]:
        # Keyed by loop too: a test client may run requests on more than one event loop.
        slot = (id(asyncio.get_running_loop()), name)
        lock, users = self._locks.get(slot, (asyncio.Lock(), 0))
        self._locks[slot] = (lock, users + 1)
        try:
            yield lock
        finally:
            lock, users = self._locks[slot]
            if users == 1:
                del self._locks[slot]
            else:
                self._locks[slot] = (lock, users - 1)

    async def run(self, name: str, work: Any) -> None:
        with self._entry(name) as lock:
            async with lock:
                await work()


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.locks = _KeyLocks()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        key = _headers(scope).get(HEADER.lower())
        if key is None:
            await self.app(scope, receive, send)
            return

        async def work() -> None:
            held: list[Message] = []

            async def hold(message: Message) -> None:
                held.append(message)

            await self.app(scope, receive, hold)
            claim = scope.get("state", {}).get(_CLAIM)
            start = next((m for m in held if m["type"] == "http.response.start"), None)
            # Refusals are answers too (a callback refused for good is stored with its 409);
            # a claim rolled back with its request is simply not found.
            if claim is not None and start is not None and start["status"] < 500:
                body = b"".join(
                    m.get("body", b"") for m in held if m["type"] == "http.response.body"
                )
                await anyio.to_thread.run_sync(
                    lambda: store_answer(
                        scope["app"].state.db,
                        scope=claim[0],
                        key=claim[1],
                        status_code=start["status"],
                        body=body.decode(),
                    )
                )
            for message in held:
                await send(message)

        await self.locks.run(digest(_scope_of(scope), key), work)
