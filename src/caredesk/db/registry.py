"""Imports every domain's tables so that the metadata (and Alembic) sees the whole schema, with
the dialect options of its tables and indexes (``db.base.created_with``) for both engines."""

from __future__ import annotations

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
