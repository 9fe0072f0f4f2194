"""Faults answered well, with a real server and real databases: a database that goes away answers
503 with Retry-After and comes back by itself; an unexpected error answers a 500 problem
document and keeps the keep-alive connection open for the client's next request."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, make_url, text

from caredesk.clock import FixedClock
from caredesk.config import Settings
from caredesk.db.session import Database
from caredesk.users.models import Role
from caredesk.web.app import create_app
from caredesk.web.deps import current_principal
from tests.conftest import PG_ADMIN_URL, T0, TokenMaker


def _assert_unavailable(response: object) -> None:
    assert getattr(response, "status_code") == 503, getattr(response, "text")  # noqa: B009
    headers = getattr(response, "headers")  # noqa: B009
    assert headers["content-type"].startswith("application/problem+json")
    assert int(headers["retry-after"]) > 0
    assert getattr(response, "json")()["field"] == "database"  # noqa: B009


def test_an_unreachable_database_answers_503_with_retry_after(
    database_url: str, tmp_path: Path
) -> None:
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'no-such-directory' / 'caredesk.db'}"
    else:
        # A port nobody listens on: the connection is refused, as when the server is down.
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            free_port = probe.getsockname()[1]
        url = str(make_url(database_url).set(port=free_port))
    settings = Settings(database_url=url, log_json=False)
    app = create_app(settings, database=Database.connect(url, FixedClock(T0)))
    with TestClient(app, raise_server_exceptions=False) as client:
        headers = {"Authorization": "Bearer some-token"}
        _assert_unavailable(client.get("/v1/tickets", headers=headers))
        _assert_unavailable(client.post("/v1/tickets", headers=headers, json={}))
        _assert_unavailable(client.get("/healthz"))


def test_postgres_backends_terminated_answer_503_then_recover(
    client: TestClient, auth: TokenMaker, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("terminating server backends is a PostgreSQL fault; SQLite has no server")
    headers = auth(Role.ADMIN)
    assert client.get("/v1/tickets", headers=headers).status_code == 200
    name = make_url(database_url).database
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'))
            connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            )
        _assert_unavailable(client.get("/v1/tickets", headers=headers))
        _assert_unavailable(client.post("/v1/tickets", headers=headers, json={"subject": "x"}))
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'))
        admin.dispose()
    assert client.get("/v1/tickets", headers=headers).status_code == 200


@contextmanager
def _serving(app: FastAPI) -> Iterator[int]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", timeout_keep_alive=30))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        listener.close()


def test_a_500_answers_a_problem_and_keeps_the_connection_open(db: Database) -> None:
    app = create_app(Settings(database_url=str(db.engine.url), log_json=False), database=db)

    def broken() -> None:
        raise RuntimeError("a bug nobody foresaw")

    # A real route whose authentication step breaks: an error no handler expects.
    app.dependency_overrides[current_principal] = broken
    with _serving(app) as port:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.auto_open = 0  # a dropped connection must show, not be silently reopened
        connection.connect()
        connection.request("GET", "/v1/tickets")
        first = connection.getresponse()
        body = json.loads(first.read())
        assert first.status == 500
        assert first.getheader("content-type", "").startswith("application/problem+json")
        assert body["status"] == 500 and "a bug nobody foresaw" not in json.dumps(body)
        connection.request("GET", "/healthz")
        second = connection.getresponse()
        assert second.status == 200, second.read()
        second.read()
        connection.close()
