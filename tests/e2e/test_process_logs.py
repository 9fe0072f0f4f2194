"""Every process logs the same scrubbed JSON, whatever starts it: `caredesk serve` with one or
several workers, uvicorn importing the app factory, `caredesk dispatcher run`. Real processes
on a free loopback port, a real SQLite file, real requests including one that fails inside the
database while storing a PIN."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from caredesk.audit.service import Actor
from caredesk.clock import SystemClock
from caredesk.db import migrate
from caredesk.db.session import Database
from caredesk.users import service as users
from caredesk.users.models import Role

ROOT = Path(__file__).resolve().parents[2]
FIRST_NAME = "Quillfeather"
PIN = "73920518"
SSN_LAST4 = "6093"
SECRETS = (FIRST_NAME, "Vondermarck", PIN, SSN_LAST4, "$argon2", "[parameters:", "Failing row")
START_TIMEOUT = 120.0


@dataclass
class Site:
    directory: Path
    env: dict[str, str]
    token: str


@pytest.fixture
def site(tmp_path: Path) -> Site:
    """A migrated SQLite store with an admin token and a trigger that refuses one person."""
    database = tmp_path / "caredesk.db"
    url = f"sqlite:///{database}"
    migrate.upgrade(url)
    db = Database.connect(url, SystemClock())
    with db.uow() as uow, uow.atomic():
        user = users.create_user(
            uow,
            actor=Actor.system("test"),
            login="root",
            display_name="Root",
            role=Role.ADMIN,
        )
        token = users.issue_token(uow, actor=Actor.system("test"), user=user).token
    db.engine.dispose()
    with sqlite3.connect(database) as connection:
        connection.execute(
            "CREATE TRIGGER test_refused BEFORE INSERT ON people "
            f"WHEN NEW.first_name = '{FIRST_NAME}' "
            "BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END"
        )
    env = {key: value for key, value in os.environ.items() if not key.startswith("CAREDESK_")} | {
        "CAREDESK_DATABASE_URL": url,
        "CAREDESK_LOG_JSON": "true",
        "CAREDESK_LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    return Site(tmp_path, env, token)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def port() -> int:
    """A free port whose number holds none of the planted secrets: the server names its port in
    its first log line, and port 60937 holds the SSN's last four digits."""
    while True:
        candidate = _free_port()
        if not any(secret in str(candidate) for secret in SECRETS):
            return candidate


def _commands(port: int) -> dict[str, list[str]]:
    serve = [sys.executable, "-m", "caredesk.cli", "serve", "--port", str(port)]
    uvicorn = [
        sys.executable,
        "-m",
        "uvicorn",
        "caredesk.web.app:create_app",
        "--factory",
        "--port",
        str(port),
    ]
    return {
        "serve-2-workers": [*serve, "--workers", "2"],
        "serve-1-worker": serve,
        "uvicorn-factory": uvicorn,
        "uvicorn-factory-2-workers": [
            *uvicorn,
            "--workers",
            "2",
            "--timeout-worker-healthcheck",
            "30",
            "--log-config",
            str(ROOT / "config" / "logging.json"),
        ],
    }


@pytest.fixture
def server(
    request: pytest.FixtureRequest, site: Site, port: int
) -> Iterator[tuple[subprocess.Popen[str], Path]]:
    stderr_path = site.directory / "stderr.log"
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            _commands(port)[request.param],
            cwd=site.directory,
            env=site.env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, stderr_path.read_text()
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield process, stderr_path
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def _requests(port: int, token: str) -> list[int]:
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}
    person = {
        "first_name": FIRST_NAME,
        "last_name": "Vondermarck",
        "role": "account_holder",
        "pin": PIN,
        "ssn_last4": SSN_LAST4,
        "contact_points": [{"kind": "email", "value": "quill.vonder@example.com"}],
    }
    account = {
        "number": "ACC-0044551",
        "type": "consumer",
        "plan_name": "Unlimited Plus",
        "balance": "0.00",
        "service_address": {
            "street": "1 Main St",
            "city": "New York",
            "region": "NY",
            "postal_code": "10001",
            "country": "US",
            "time_zone": "America/New_York",
        },
        "people": [person],
    }
    # One connection per request: keeping a connection alive after a 500 is another matter.
    with httpx.Client(base_url=base, timeout=30, headers={"Connection": "close"}) as client:
        statuses = [
            client.get("/v1/me", headers=headers).status_code,
            client.get("/v1/accounts/999999", headers=headers).status_code,
            client.post("/v1/accounts", json=account, headers=headers).status_code,
        ]
        statuses += [client.get("/healthz").status_code for _ in range(6)]
    return statuses


def _json_lines(output: str) -> list[dict[str, Any]]:
    records = []
    for line in output.splitlines():
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            pytest.fail(f"not a JSON log line: {line!r}\n--- stderr ---\n{output}")
        assert isinstance(record, dict) and {"ts", "level", "logger", "msg"} <= set(record)
        records.append(record)
    return records


# Fields the process writes itself, never from a request: a four-digit secret may appear in
# a timestamp's microseconds or a process id by chance.
OWN_FIELDS = ("ts", "pid", "duration_ms")


def _assert_clean(output: str) -> None:
    for line in output.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if isinstance(record, dict):
            own = {k: v for k, v in record.items() if k not in OWN_FIELDS}
            line = json.dumps(own, ensure_ascii=False)
        for secret in SECRETS:
            assert secret not in line, f"{secret!r} in the log: {line}"


@pytest.mark.parametrize(
    "server",
    # `serve` with one worker is the in-process case of the same app factory; left out to keep
    # the suite's time down.
    ["serve-2-workers", "uvicorn-factory", "uvicorn-factory-2-workers"],
    indirect=True,
)
def test_every_server_process_logs_scrubbed_json(
    server: tuple[subprocess.Popen[str], Path], site: Site, port: int
) -> None:
    process, stderr_path = server
    statuses = _requests(port, site.token)
    assert statuses[:3] == [200, 404, 500], statuses
    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)
    output = stderr_path.read_text()

    records = _json_lines(output)
    access = [r for r in records if r["logger"] == "caredesk.access"]
    assert {(r["path"], r["status"]) for r in access} >= {
        ("/v1/me", 200),
        ("/v1/accounts/999999", 404),
        ("/v1/accounts", 500),
        ("/healthz", 200),
    }, access
    failures = [r for r in records if "IntegrityError" in r.get("exc", "")]
    assert failures, "the failed INSERT was not logged with its traceback"
    _assert_clean(output)


def test_dispatcher_logs_scrubbed_json(site: Site) -> None:
    stderr_path = site.directory / "dispatcher.log"
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [sys.executable, "-m", "caredesk.cli", "dispatcher", "run"],
            cwd=site.directory,
            env=site.env | {"CAREDESK_DISPATCHER_POLL_SECONDS": "0.2"},
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            text=True,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while "dispatcher started" not in stderr_path.read_text():
            assert process.poll() is None, stderr_path.read_text()
            assert time.monotonic() < deadline, "the dispatcher did not start"
            time.sleep(0.2)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
    output = stderr_path.read_text()
    loggers = {record["logger"] for record in _json_lines(output)}
    assert "caredesk.callbacks.dispatcher" in loggers, output
    _assert_clean(output)
