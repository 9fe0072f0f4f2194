"""Rows the case, memo and interaction tests stand on.

Accounts and agents are inserted with every required column given a plain value, read from the
table definition, so these tests keep working while those tables grow."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Integer, Numeric, String, insert

from caredesk.audit.service import Actor
from caredesk.db.registry import load_all_models
from caredesk.db.session import Database
from caredesk.tickets import service as tickets
from caredesk.tickets.models import Ticket

STAFF = Actor.system("test")
_serial = itertools.count(1)


def _plain_value(column: Any, serial: int) -> Any:
    kind = column.type
    if isinstance(kind, String):
        text = f"t{serial}-{column.name}"
        return text[-(kind.length or 40) :]
    if isinstance(kind, Boolean):
        return False
    if isinstance(kind, Numeric):
        return Decimal("0")
    if isinstance(kind, Integer):
        return 0
    if isinstance(getattr(kind, "impl", kind), DateTime):
        return datetime(2026, 1, 1, tzinfo=UTC)
    if isinstance(kind, Date):
        return date(2026, 1, 1)
    raise TypeError(f"no plain value for {column.table.name}.{column.name} ({kind!r})")


def insert_row(db: Database, table_name: str, **values: Any) -> int:
    table = load_all_models().tables[table_name]
    serial = next(_serial)
    row = dict(values)
    for column in table.columns:
        if column.name in row or column.primary_key or column.nullable:
            continue
        if column.default is not None or column.server_default is not None:
            continue
        row[column.name] = _plain_value(column, serial)
    with db.engine.begin() as connection:
        result = connection.execute(insert(table).values(**row).returning(table.c.id))
        return int(result.scalar_one())


def make_account(db: Database) -> int:
    return insert_row(db, "accounts", number=f"AC{next(_serial):08d}")


def make_agent(db: Database) -> int:
    return insert_row(db, "agents", login=f"agent{next(_serial)}")


def make_ticket(db: Database, account_id: int, **fields: Any) -> Ticket:
    with db.uow() as uow:
        return tickets.create_ticket(
            uow,
            actor=STAFF,
            account_id=account_id,
            subject=fields.pop("subject", "Phone drops calls at home"),
            description=fields.pop("description", "Calls drop after a minute indoors."),
            **fields,
        )


def counts(db: Database, *tables: str) -> dict[str, int]:
    """Row counts, to show that a refused request wrote nothing."""
    from sqlalchemy import func, select

    metadata = load_all_models()
    names = tables or ("tickets", "ticket_updates", "audit_events", "memos", "interactions")
    with db.engine.connect() as connection:
        return {
            name: connection.execute(
                select(func.count()).select_from(metadata.tables[name])
            ).scalar_one()
            for name in names
        }
