"""What the benchmarks that start real servers share: a free loopback port, and a fresh database
(a file on SQLite, a new database on the PostgreSQL server) dropped again afterwards."""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

PG_ADMIN = os.environ.get(
    "CAREDESK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fresh_database(engine: str, workdir: Path, *, prefix: str) -> tuple[str, str | None]:
    """The database URL, and the PostgreSQL database's name to drop (None on SQLite)."""
    if engine == "sqlite":
        return f"sqlite:///{workdir / 'bench.db'}", None
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", name


def drop_database(name: str) -> None:
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
