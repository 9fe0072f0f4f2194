"""Engines and the unit of work: one use case, one transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from caredesk.clock import Clock


def make_engine(url: str, *, echo: bool = False, pool_size: int = 10) -> Engine:
    """Every engine hides bound parameters from its errors and echo: they hold PIN and SSN
    hashes, names and addresses, and an error's text ends up in logs."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            hide_parameters=True,
            connect_args={"check_same_thread": False, "timeout": 30},
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(
        url,
        echo=echo,
        hide_parameters=True,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
    )


@dataclass
class Database:
    """What a process needs to open units of work."""

    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock

    @classmethod
    def connect(cls, url: str, clock: Clock) -> Database:
        engine = make_engine(url)
        return cls(engine, sessionmaker(engine, expire_on_commit=False), clock)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory(), self.clock)

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        with self.uow() as uow:
            yield uow

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


class UnitOfWork:
    """A session plus the clock. Use cases call ``commit()`` once, at the end; leaving the
    ``with`` block without it rolls everything back, so nothing is ever half written."""

    def __init__(self, session: Session, clock: Clock) -> None:
        self.session = session
        self.clock = clock
        self.after_commit: list[Any] = []

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()

    def commit(self) -> None:
        self.session.commit()
        callbacks, self.after_commit = self.after_commit, []
        for callback in callbacks:
            callback()

    def flush(self) -> None:
        self.session.flush()

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name
