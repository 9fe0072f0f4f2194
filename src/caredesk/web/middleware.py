"""ASGI middleware: request size limit, structured access logs, Prometheus metrics, and a last
answer for unexpected errors that keeps the connection open."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from caredesk.web.problems import internal_error_problem

log = logging.getLogger("caredesk.access")

REQUESTS = Counter(
    "caredesk_http_requests_total", "HTTP requests served", ["method", "route", "status_class"]
)
LATENCY = Histogram(
    "caredesk_http_request_duration_seconds", "HTTP request latency", ["method", "route"]
)
# Every label value comes from a closed set, so no request can add a series: a method outside
# this set is "other", a path no route matched is "unmatched", a status is its class ("4xx").
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "other"
UNMATCHED_ROUTE = "unmatched"


def method_label(method: str) -> str:
    return method if method in KNOWN_METHODS else OTHER_METHOD


def status_class(status: int) -> str:
    return f"{status // 100}xx" if 100 <= status <= 599 else "other"


def _problem_body(limit: int, path: str) -> bytes:
    return json.dumps(
        {
            "type": "/problems/body-too-large",
            "title": "Request body too large",
            "status": 413,
            "detail": f"body: the request body exceeds {limit} bytes",
            "field": "body",
            "instance": path,
            "errors": [{"field": "body", "message": f"must be at most {limit} bytes"}],
        }
    ).encode()


class BodyLimitMiddleware:
    """Refuses bodies over the limit before any handler runs, whether or not a Content-Length
    was sent, so that a huge upload can never be half stored."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, send)
            return

        # Read the whole body up front (it is bounded), then replay it to the app.
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        body = _problem_body(self.max_bytes, scope.get("path", ""))
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class UnexpectedErrorMiddleware:
    """Answers an exception no handler took with a 500 problem document and does not re-raise
    it. Starlette's outermost error middleware re-raises after answering, which makes the server
    drop the keep-alive connection, so the client's next request would fail as well."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            if started:
                raise  # half an answer is out; only closing the connection can say so
            logging.getLogger("caredesk.web").exception(
                "unhandled error on %s %s", scope.get("method"), scope.get("path")
            )
            await internal_error_problem(scope.get("path", ""))(scope, receive, send)


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status_holder: dict[str, Any] = {"status": 500}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            # The route's template ("/v1/accounts/{account_id}"), never the path itself.
            template = getattr(route, "path", None) or UNMATCHED_ROUTE
            method = scope.get("method", "")
            status = status_holder["status"]
            shown_method = method_label(method)
            REQUESTS.labels(shown_method, template, status_class(status)).inc()
            LATENCY.labels(shown_method, template).observe(elapsed)
            log.info(
                "request",
                extra={
                    "method": method,
                    "path": scope.get("path"),
                    "route": template,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                },
            )
