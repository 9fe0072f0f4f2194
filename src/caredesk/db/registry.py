"""Imports every domain's tables so that the metadata (and Alembic) sees the whole schema, with
the dialect options of its tables and indexes (``db.base.created_with``) for both engines; or,
for a process that writes with only some models loaded, the tables those refer to."""

from __future__ import annotations

import importlib

from sqlalchemy import MetaData

from caredesk.db.base import Base, give_dialect_options


def load_all_models() -> MetaData:
    # Imported for their side effect: each module registers its tables on Base.metadata.
    import caredesk.accounts.models
    import caredesk.agents.models
    import caredesk.audit.models
    import caredesk.callbacks.dispatch.report
    import caredesk.callbacks.models
    import caredesk.channels.models
    import caredesk.db.idempotency
    import caredesk.inbound.models
    import caredesk.interactions.models
    import caredesk.live.models
    import caredesk.memos.models
    import caredesk.tickets.models
    import caredesk.users.models  # noqa: F401

    for table in Base.metadata.tables.values():
        give_dialect_options(table)
        for index in table.indexes:
            give_dialect_options(index)
    return Base.metadata


# Where each table that another refers to (by a foreign key) is declared; a test holds this to
# the models.
REFERRED_TABLES = {
    "accounts": "caredesk.accounts.account_models",
    "agents": "caredesk.agents.agent_models",
    "callbacks": "caredesk.callbacks.models",
    "interactions": "caredesk.interactions.models",
    "ivr_walks": "caredesk.inbound.models",
    "lines": "caredesk.accounts.account_models",
    "people": "caredesk.accounts.account_models",
    "tickets": "caredesk.tickets.models",
    "users": "caredesk.users.models",
}


def load_tables_referred_to() -> None:
    """Imports the models of the tables that the loaded ones refer to, and of those they refer
    to in turn, and nothing else: a flush orders its writes by the foreign keys of every mapped
    table, and fails on a key naming a table whose model is not loaded."""
    tables = Base.metadata.tables
    while True:
        named = {
            key.target_fullname.split(".")[0] for t in tables.values() for key in t.foreign_keys
        }
        missing = sorted(named - set(tables))
        if not missing:
            return
        for name in missing:
            importlib.import_module(REFERRED_TABLES[name])
