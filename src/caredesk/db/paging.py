"""Cursor paging: stable under inserts, because the cursor is the last id seen. Services page
their lists here; the web layer wraps a page in its ``Page[T]`` schema."""

from __future__ import annotations

import base64
from typing import Any

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from caredesk.db.session import UnitOfWork
from caredesk.errors import ValidationFailed
from caredesk.limits import MAX_ID
from caredesk.limits import MAX_LIMIT as MAX_LIMIT


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        kind, _, value = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        last_id = int(value)
        if kind != "id" or not 0 <= last_id <= MAX_ID:
            raise ValueError(kind)
        return last_id
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed("is not a cursor this API issued", field="cursor") from exc


def fetch_page(
    uow: UnitOfWork,
    query: Select[Any],
    id_column: InstrumentedAttribute[Any],
    *,
    limit: int,
    cursor: str | None,
) -> tuple[list[Any], str | None]:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"must be between 1 and {MAX_LIMIT}", field="limit")
    if cursor:
        query = query.where(id_column > decode_cursor(cursor))
    rows = list(uow.session.scalars(query.order_by(id_column).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(getattr(rows[-1], id_column.key)) if more and rows else None
    return rows, next_cursor
