"""Shared fixtures. Tests taking ``db`` or ``client`` run on SQLite and again on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.orm import sessionmaker

from caredesk.audit.service import Actor
from caredesk.clock import FixedClock
from caredesk.config import Settings
from caredesk.db.registry import load_all_models
from caredesk.db.session import Database, make_engine
from caredesk.memos.models import MEMO_APPEND_ONLY_DDL_SQLITE, MEMO_APPEND_ONLY_DROP_SQLITE
from caredesk.users import service as users
from caredesk.users.models import Role

PG_ADMIN_URL = os.environ.get(
    "CAREDESK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
# A Tuesday afternoon on the US east coast; tests move the clock when time matters.
T0 = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgres),
]


def pytest_configure(config: pytest.Config) -> None:
    # Rich reads COLUMNS once, when a console is made: the command line's consoles are made
    # here, with none set, so that they read it on every print and a test can give a command
    # its terminal's width with `invoke(..., env={"COLUMNS": ...})`.
    os.environ.pop("COLUMNS", None)
    import caredesk.cli_support  # noqa: F401

    # Each `caredesk` process a test starts runs its command itself and leaves no command server
    # behind; tests/integration/cli/test_command_server.py starts its own.
    os.environ["CAREDESK_COMMAND_SERVER"] = "off"


def _build_schema(url: str) -> None:
    if os.environ.get("CAREDESK_TEST_SCHEMA") == "metadata":
        # For work in progress on models before their migration is written.
        engine = make_engine(url)
        load_all_models().create_all(engine)
        engine.dispose()
        return
    from caredesk.db import migrate

    migrate.upgrade(url)


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'caredesk.db'}"
        _build_schema(url)
        yield url
        return
    name = f"caredesk_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    _build_schema(url)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def _engines() -> Iterator[dict[str, Engine]]:
    engines: dict[str, Engine] = {}
    yield engines
    for engine in engines.values():
        engine.dispose()


_MOVED_SEQUENCES = text(
    """
    SELECT DISTINCT owner.relname FROM pg_sequences AS used
    JOIN pg_class AS sequence ON sequence.relname = used.sequencename AND sequence.relkind = 'S'
    JOIN pg_depend AS link ON link.objid = sequence.oid AND link.deptype IN ('a', 'i')
    JOIN pg_class AS owner ON owner.oid = link.refobjid
    WHERE used.schemaname = current_schema() AND used.last_value IS NOT NULL
    """
)


def _touched_tables(connection: Connection, names: list[str]) -> list[str]:
    holding = " UNION ALL ".join(
        f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in names
    )
    touched = {row[0] for row in connection.execute(text(holding))}
    touched |= {row[0] for row in connection.execute(_MOVED_SEQUENCES)}
    return [name for name in names if name in touched]


def _wipe(engine: Engine) -> None:
    metadata = load_all_models()
    names = [table.name for table in metadata.sorted_tables]
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            # TRUNCATE costs per table whether or not it holds rows; a test touches a few of
            # them, so only those holding rows or whose id sequence has moved are emptied.
            touched = _touched_tables(connection, names)
            if touched:
                quoted = ", ".join(f'"{name}"' for name in touched)
                connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:
            # The append-only triggers on memos refuse DELETE; lift them for the wipe only.
            for statement in MEMO_APPEND_ONLY_DROP_SQLITE:
                connection.execute(text(statement))
            for name in reversed(names):
                connection.execute(text(f'DELETE FROM "{name}"'))
            for statement in MEMO_APPEND_ONLY_DDL_SQLITE:
                connection.execute(text(statement))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def db(database_url: str, _engines: dict[str, Engine], clock: FixedClock) -> Database:
    engine = _engines.get(database_url)
    if engine is None:
        engine = _engines[database_url] = make_engine(database_url)
    _wipe(engine)
    return Database(engine, sessionmaker(engine, expire_on_commit=False), clock)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, log_json=False)


@pytest.fixture
def client(db: Database, settings: Settings) -> Iterator[TestClient]:
    from caredesk.web.app import create_app

    app = create_app(settings, database=db)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


TokenMaker = Callable[..., dict[str, str]]


@pytest.fixture
def auth(db: Database) -> TokenMaker:
    """``auth(Role.ADMIN)`` -> headers for a fresh user of that role."""

    def _make(
        role: Role,
        *,
        account_id: int | None = None,
        agent_id: int | None = None,
        login: str | None = None,
    ) -> dict[str, str]:
        with db.uow() as uow, uow.atomic():
            user = users.create_user(
                uow,
                actor=Actor.system("test"),
                login=login or f"{role.value}-{uuid.uuid4().hex[:8]}",
                display_name=f"Test {role.value}",
                role=role,
                account_id=account_id,
                agent_id=agent_id,
            )
            issued = users.issue_token(uow, actor=Actor.system("test"), user=user)
        return {"Authorization": f"Bearer {issued.token}"}

    return _make
