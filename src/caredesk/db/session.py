"""Engines and the unit of work: one use case, one transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterator
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
        # No ceiling on connections to a file: a web request holds its connection while it
        # waits for a worker thread, so with a ceiling every thread could end up waiting for a
        # connection held by a request waiting for a thread (seen with a few hundred live
        # streams). A SQLite connection is only an open file; ``pool_size`` stay open.
        engine = create_engine(
            url,
            echo=echo,
            hide_parameters=True,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=pool_size,
            max_overflow=-1,
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
    # Runs as each unit of work starts writing (its outermost ``atomic()`` block). The command
    # line loads there the models of the tables that the loaded ones refer to, which a flush
    # needs and a read does not.
    before_write: Callable[[], None] | None = None

    @classmethod
    def connect(cls, url: str, clock: Clock) -> Database:
        engine = make_engine(url)
        return cls(engine, sessionmaker(engine, expire_on_commit=False), clock)

    def uow(self) -> UnitOfWork:
        return UnitOfWork(self.session_factory(), self.clock, before_write=self.before_write)

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        with self.uow() as uow:
            yield uow

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name


class TransactionBroken(RuntimeError):
    """A nested block failed and its error was caught: the outer block cannot commit half of it."""


class UnitOfWork:
    """A session plus the clock. A use case runs inside ``with uow.atomic():``; blocks nest, and
    only the outermost commits, so a use case that calls another stays one transaction. Leaving
    the ``with uow`` block without a commit rolls everything back: nothing is ever half written."""

    def __init__(
        self, session: Session, clock: Clock, *, before_write: Callable[[], None] | None = None
    ) -> None:
        self.session = session
        self.clock = clock
        self.before_write = before_write
        self.after_commit: list[Any] = []
        self._depth = 0
        self._broken = False

    @property
    def in_transaction(self) -> bool:
        """True inside an ``atomic()`` block."""
        return self._depth > 0

    @contextmanager
    def atomic(self, *, durable: bool = False) -> Iterator[UnitOfWork]:
        """One transaction around a use case. Nested blocks join the outermost one, which commits
        when it ends without an error (then runs the after-commit work) and rolls back when it
        ends with one. An error inside a nested block that the outer block catches still rolls
        the whole transaction back (``TransactionBroken``): the outer block cannot know what
        half of the inner work was written.

        ``durable=True`` marks a use case that must be committed when it returns, because what
        follows calls the outside world (a dial): it refuses to run inside another transaction,
        where its commit would be deferred."""
        if durable and self._depth:
            raise TransactionBroken(
                "a durable use case commits before the outside world is called; "
                "it cannot run inside another transaction"
            )
        if not self._depth and self.before_write is not None:
            self.before_write()
        self._depth += 1
        try:
            yield self
        except BaseException:
            self._depth -= 1
            if self._depth:
                self._broken = True
            else:
                self._reset()
            raise
        self._depth -= 1
        if self._depth:
            return
        if self._broken:
            self._reset()
            raise TransactionBroken("a step of this transaction failed; nothing was written")
        try:
            self.commit()
        except BaseException:
            # A commit the database refused (a unique rule another request broke first)
            # leaves nothing written and nothing to run after it.
            self._reset()
            raise

    def _reset(self) -> None:
        self._broken = False
        self.after_commit = []
        self.session.rollback()

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
        """Commits now. Use cases use ``atomic()``; this is for loops that commit item by item."""
        self.session.commit()
        callbacks, self.after_commit = self.after_commit, []
        for callback in callbacks:
            callback()

    def flush(self) -> None:
        self.session.flush()

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name
