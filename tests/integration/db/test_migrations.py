"""The migrations build exactly the schema the models describe, on both engines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from caredesk.db import migrate
from caredesk.db.registry import load_all_models
from caredesk.db.session import Database


def test_migrated_schema_matches_the_models(db: Database) -> None:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, load_all_models())
    assert differences == []


def test_database_is_at_the_newest_revision(db: Database) -> None:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(
        migrate.alembic_config(str(db.engine.url))
    ).get_current_head()
    with db.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == head


def test_memos_refuse_update_in_the_database(db: Database) -> None:
    with db.engine.connect() as connection:
        names = (
            "SELECT tgname FROM pg_trigger WHERE tgname = 'memos_append_only'"
            if db.dialect == "postgresql"
            else "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'memos'"
        )
        assert list(connection.execute(text(names)))
