"""Declarative base and column types shared by every domain."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, DateTime, Index, MetaData, Table, event, text
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Stable constraint names keep migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware instants as UTC; SQLite hands back naive values, so UTC is re-attached."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# The engines caredesk runs on.
DIALECTS = ("sqlite", "postgresql")
_CREATED_WITH = "created_with"


def created_with(**options: Any) -> dict[str, Any]:
    """The ``info`` of a table or an index that takes dialect options (``sqlite_autoincrement=
    True``, ``postgresql_where=...``): each is given to its dialect when the table or index is
    created on a connection of that dialect, and to both when the whole schema is assembled
    (``db.registry``, which Alembic reads).

    Named in the model itself, an option imports its dialect whenever the model is imported:
    SQLAlchemy's PostgreSQL dialect, with its drivers' modules, in every command on SQLite."""
    return {_CREATED_WITH: options}


def partial_index(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    """An index over the rows matching ``where`` (SQL), on SQLite and PostgreSQL alike."""
    condition = text(where)
    return Index(
        name,
        *columns,
        unique=unique,
        info=created_with(sqlite_where=condition, postgresql_where=condition),
    )


def give_dialect_options(item: Table | Index, dialects: tuple[str, ...] = DIALECTS) -> None:
    """Gives ``item`` its ``created_with`` options of these dialects."""
    for key, value in item.info.get(_CREATED_WITH, {}).items():
        if key.partition("_")[0] in dialects:
            item.dialect_kwargs[key] = value


@event.listens_for(Table, "before_create")
@event.listens_for(Index, "before_create")
def _options_at_creation(item: Table | Index, connection: Connection, **_kw: Any) -> None:
    give_dialect_options(item, (connection.dialect.name,))
