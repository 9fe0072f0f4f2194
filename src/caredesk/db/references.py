"""Checking that an id given for another record names a row that exists."""

from __future__ import annotations

from sqlalchemy import column, select, table

from caredesk.db.session import UnitOfWork
from caredesk.errors import NotFound
from caredesk.limits import MAX_ID


def require_reference(uow: UnitOfWork, name: str, value: int | None, *, field: str) -> None:
    """NotFound naming ``field`` unless table ``name`` has a row with id ``value`` (None is no
    reference, and passes). The table is named, not its model: no other domain's classes are
    loaded to check one id."""
    if value is None:
        return
    ids = table(name, column("id")).c.id
    found = 1 <= value <= MAX_ID and uow.session.execute(select(ids).where(ids == value)).first()
    if not found:
        raise NotFound(f"no {name.removesuffix('s')} with id {value}", field=field)
