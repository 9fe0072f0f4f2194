"""Counting the SQL statements a request runs, so a page's cost in queries is pinned by a test
(each statement costs driver and ORM time in the server, whichever database answers it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, event


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The statements ``engine`` runs inside the block, in order (their text, not their
    parameters); connection set-up (SQLite pragmas, a pool's ping) is not counted."""
    seen: list[str] = []

    def _record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", _record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", _record)
