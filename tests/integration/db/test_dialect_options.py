"""Dialect options given at creation (``db.base.created_with``) hold on both engines: in the
migrated schema, in the schema assembled from the models, and when a table is created from its
model alone. The partial indexes' conditions are what let a second row in (a second person who
is not the account holder, a second offer once the first has ended) while the concurrency
guarantees stand on the index; SQLite's AUTOINCREMENT keeps the live events' ids from being
given again after pruning."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Index, Integer, MetaData, String, Table, insert, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.schema import Column

from caredesk.db.base import created_with, partial_index
from caredesk.db.registry import load_all_models
from caredesk.db.session import Database


def _partial_indexes() -> dict[str, tuple[Index, str]]:
    """Each partial index by name, with its condition as written in the model."""
    found = {}
    for table in load_all_models().tables.values():
        for index in table.indexes:
            where = index.info.get("created_with", {}).get("sqlite_where")
            if where is not None:
                found[str(index.name)] = (index, str(where))
    return found


def _definition(db: Database, kind: str, name: str) -> str:
    """The engine's own CREATE statement of the index (or SQLite table) ``name``."""
    catalog = (
        "SELECT indexdef FROM pg_indexes WHERE indexname = :name"
        if db.dialect == "postgresql"
        else "SELECT sql FROM sqlite_master WHERE type = :kind AND name = :name"
    )
    with db.engine.connect() as connection:
        found = connection.execute(text(catalog), {"name": name, "kind": kind}).scalar()
    assert found, f"no {kind} {name}"
    return str(found)


def test_the_models_declare_the_partial_indexes_the_guarantees_need() -> None:
    assert set(_partial_indexes()) >= {
        "uq_people_one_holder",
        "uq_inbound_offers_open_walk",
        "uq_inbound_offers_open_agent",
        "ix_inbound_wrap_ups_open_due",
    }


def test_the_assembled_schema_gives_both_engines_their_options() -> None:
    for index, where in _partial_indexes().values():
        for dialect in ("sqlite", "postgresql"):
            assert str(index.dialect_options[dialect]["where"]) == where
    assert load_all_models().tables["live_events"].dialect_options["sqlite"]["autoincrement"]


def test_the_migrated_indexes_are_partial(db: Database) -> None:
    for name, (_index, where) in _partial_indexes().items():
        definition = _definition(db, "index", name)
        # PostgreSQL writes the condition in its own spelling ("WHERE ((role)::text = ..."), so
        # the column it reads is what is looked for after the WHERE.
        _, found, condition = definition.partition(" WHERE ")
        assert found and where.split()[0] in condition, definition
    if db.dialect == "sqlite":
        assert "AUTOINCREMENT" in _definition(db, "table", "live_events")


@pytest.fixture
def probe(db: Database) -> Iterator[tuple[Database, Table]]:
    """A table of these tests only, made from its model alone with ``create_all``."""
    metadata = MetaData()
    table = Table(
        "dialect_option_probe",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("owner", Integer),
        Column("state", String(10)),
        partial_index("uq_dialect_option_probe_open", "owner", unique=True, where="state = 'open'"),
        info=created_with(sqlite_autoincrement=True),
    )
    metadata.create_all(db.engine)
    try:
        yield db, table
    finally:
        metadata.drop_all(db.engine)


def test_a_table_created_from_its_model_alone_has_its_options(
    probe: tuple[Database, Table],
) -> None:
    db, table = probe
    assert " WHERE " in _definition(db, "index", "uq_dialect_option_probe_open")
    if db.dialect == "sqlite":
        assert "AUTOINCREMENT" in _definition(db, "table", table.name)
    with db.engine.begin() as connection:
        connection.execute(insert(table), [{"owner": 1, "state": "closed"}] * 2)
        connection.execute(insert(table), [{"owner": 1, "state": "open"}])
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(insert(table), [{"owner": 1, "state": "open"}])
