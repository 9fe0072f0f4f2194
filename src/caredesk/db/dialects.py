"""INSERT ... ON CONFLICT, which SQLAlchemy spells per dialect. The dialect is imported when first
needed: loading PostgreSQL's costs a command on SQLite a tenth of a second for nothing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table


def upsert_insert(dialect: str, table: Table) -> Any:
    """An INSERT on ``table`` that takes ``on_conflict_do_nothing`` / ``on_conflict_do_update``,
    for the session's dialect ("postgresql" or "sqlite")."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)
