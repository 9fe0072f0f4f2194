"""The command line names records through plain table clauses (``caredesk.cli_refs``), not the
models; every column it reads is a column of the model's table, so a renamed column fails here
and not in front of a user."""

from __future__ import annotations

import pytest
from sqlalchemy import TableClause

from caredesk import cli_refs
from caredesk.db.registry import load_all_models


@pytest.mark.parametrize("clause", [cli_refs.ACCOUNTS, cli_refs.PEOPLE, cli_refs.AGENTS])
def test_every_column_named_is_one_of_the_models(clause: TableClause) -> None:
    model = load_all_models().tables[clause.name]
    assert {c.name for c in clause.columns} <= {c.name for c in model.columns}


def test_every_table_referred_to_is_found_where_its_model_is() -> None:
    """A command that writes loads the tables its rows may refer to through REFERRED_TABLES."""
    from caredesk.db.base import Base
    from caredesk.db.registry import REFERRED_TABLES

    metadata = load_all_models()
    declared_in = {
        mapper.local_table.name: mapper.class_.__module__ for mapper in Base.registry.mappers
    }
    referred = {
        key.target_fullname.split(".")[0]
        for table in metadata.tables.values()
        for key in table.foreign_keys
    }
    assert {name: declared_in[name] for name in referred} == REFERRED_TABLES
