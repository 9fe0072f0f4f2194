"""A long schemathesis run against a live `caredesk serve`, with every answer checked against
/openapi.json: no 5xx, only documented status codes, content types, headers and bodies.

    .venv/bin/python scripts/fuzz_live.py --minutes 5
    .venv/bin/python scripts/fuzz_live.py --minutes 5 \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/caredesk_fuzz

It migrates the database (a fresh SQLite file by default; a PostgreSQL database is created if
missing), makes an administrator and a token, starts the server as a separate process, and
sweeps every operation round after round until the time is up. It prints the operations, the
requests sent, the status codes seen and every distinct failure; the exit status is 1 when
there was any. Not part of `make test`: the bounded run in tests/api/test_openapi_fuzz.py is.
"""

from __future__ import annotations

import argparse
import collections
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import create_engine, make_url, text

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _prepare_database(url: str) -> None:
    if url.startswith("postgresql"):
        parsed = make_url(url)
        admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": parsed.database}
            )
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{parsed.database}"'))
        admin.dispose()
    from caredesk.db import migrate

    migrate.upgrade(url)


def _admin_token(url: str) -> str:
    from caredesk.audit.service import Actor
    from caredesk.clock import SystemClock
    from caredesk.db.session import Database
    from caredesk.users import service as users
    from caredesk.users.models import Role

    db = Database.connect(url, SystemClock())
    with db.uow() as uow, uow.atomic():
        user = users.create_user(
            uow,
            actor=Actor.system("fuzz"),
            login=f"fuzz-{uuid.uuid4().hex[:8]}",
            display_name="Fuzz run",
            role=Role.ADMIN,
        )
        issued = users.issue_token(uow, actor=Actor.system("fuzz"), user=user)
    db.engine.dispose()
    return str(issued.token)


def _serve(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CAREDESK_DATABASE_URL": url}
    caredesk = Path(sys.executable).with_name("caredesk")
    with log.open("wb") as out:
        server = subprocess.Popen(
            [str(caredesk), "serve", "--port", str(port)], env=env, stdout=out, stderr=out
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return server
        except httpx.TransportError:
            pass
        if server.poll() is not None:
            raise SystemExit(f"caredesk serve exited; see {log}")
        time.sleep(0.2)
    server.terminate()
    raise SystemExit(f"caredesk serve did not answer /healthz; see {log}")


def fuzz(base: str, token: str, minutes: float, examples: int) -> int:
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    statuses: collections.Counter[int] = collections.Counter()
    failures: dict[str, str] = {}
    requests = 0
    rounds = 0
    deadline = time.monotonic() + minutes * 60
    while time.monotonic() < deadline:
        rounds += 1
        for operation in operations:
            if time.monotonic() >= deadline:
                break

            @given(case=operation.as_strategy())
            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def exercise(case: Any) -> None:
                nonlocal requests
                requests += 1
                response = case.call(headers=headers, timeout=30)
                statuses[response.status_code] += 1
                case.validate_response(response, checks=CHECKS)

            name = f"{operation.method.upper()} {operation.path}"
            try:
                exercise()
            except (Exception, BaseExceptionGroup) as exc:
                failures.setdefault(name, str(exc)[:3000])
    print(f"operations: {len(operations)}")
    print(f"rounds: {rounds}")
    print(f"requests: {requests}")
    print("status codes: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    print(f"5xx answers: {sum(v for k, v in statuses.items() if k >= 500)}")
    print(f"failing operations: {len(failures)}")
    for name, text_ in failures.items():
        print(f"\n--- {name}\n{text_}")
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--examples", type=int, default=25, help="Examples per operation a round.")
    parser.add_argument("--database-url", default=None, help="Default: a fresh SQLite file.")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="caredesk-fuzz-"))
    url = args.database_url or f"sqlite:///{workdir / 'caredesk.db'}"
    _prepare_database(url)
    token = _admin_token(url)
    port = _free_port()
    server = _serve(url, port, workdir / "serve.log")
    print(f"database: {make_url(url).get_backend_name()}; server log: {workdir / 'serve.log'}")
    try:
        return fuzz(f"http://127.0.0.1:{port}", token, args.minutes, args.examples)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    raise SystemExit(main())
