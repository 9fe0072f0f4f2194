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
