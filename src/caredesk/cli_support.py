"""What every CLI command shares: the console, the database, and one-line errors."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError

from caredesk.bootstrap import connect_database
from caredesk.config import get_settings
from caredesk.db.session import Database
from caredesk.errors import DomainError

console = Console()
err_console = Console(stderr=True)


def fail(message: str) -> typer.Exit:
    """Prints one line saying what to change and gives the exit to raise."""
    err_console.print(f"error: {message}", markup=False, highlight=False, soft_wrap=True)
    return typer.Exit(code=2)


@contextmanager
def run_command() -> Iterator[None]:
    try:
        yield
    except DomainError as exc:
        where = f"{exc.field}: " if exc.field else ""
        raise fail(f"{where}{exc.detail}") from None
    except IntegrityError as exc:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise fail(f"nothing was stored: {first}") from None
    except (OperationalError, ProgrammingError) as exc:
        first = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise fail(
            f"database: {first} (run `caredesk db upgrade`, check CAREDESK_DATABASE_URL)"
        ) from None


@contextmanager
def open_database() -> Iterator[Database]:
    db = connect_database(get_settings())
    try:
        yield db
    finally:
        db.engine.dispose()


def is_interactive() -> bool:
    return sys.stderr.isatty()
