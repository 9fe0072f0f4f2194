"""Account memos: append-only, in the ORM and in the database."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, UOWTransaction, mapped_column

from caredesk.db.base import Base, UTCDateTime
from caredesk.errors import Conflict


class MemoKind(StrEnum):
    CARE_CALL = "care_call"
    OUTBOUND_CALL = "outbound_call"
    CHAT = "chat"
    EMAIL = "email"
    NOTE = "note"
    VOICEMAIL = "voicemail"
    TICKET_UPDATE = "ticket_update"


class Memo(Base):
    __tablename__ = "memos"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author_agent_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"))
    author_name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(500))
    ticket_numbers: Mapped[list[str]] = mapped_column(JSON, default=list)
    summary: Mapped[str] = mapped_column(Text)
    customer_response: Mapped[str | None] = mapped_column(Text)
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class MemoIsAppendOnly(Conflict):
    """Raised when anything tries to change or remove a stored memo."""

    def __init__(self) -> None:
        super().__init__(
            "memos are append-only: add a new memo instead of changing one", field="memo"
        )


@event.listens_for(Session, "before_flush")
def _refuse_memo_changes(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    for instance in session.deleted:
        if isinstance(instance, Memo):
            raise MemoIsAppendOnly()
    for instance in session.dirty:
        if isinstance(instance, Memo) and session.is_modified(instance):
            raise MemoIsAppendOnly()


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_memo_changes(state: ORMExecuteState) -> None:
    # update(Memo) / delete(Memo) executed through the session bypass the flush.
    if (state.is_update or state.is_delete) and any(
        mapper.class_ is Memo for mapper in state.all_mappers
    ):
        raise MemoIsAppendOnly()


# For the migration that creates ``memos``: the database itself refuses UPDATE and DELETE, so
# that no code path, script or console session can rewrite what was said to a customer.
# TRUNCATE is left to operators (and test set-up); it is not a per-row change.
MEMO_APPEND_ONLY_DDL_POSTGRES = (
    """
    CREATE OR REPLACE FUNCTION memos_refuse_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'memos are append-only: % refused', TG_OP
            USING ERRCODE = 'integrity_constraint_violation';
    END;
    $$
    """,
    """
    CREATE TRIGGER memos_append_only
    BEFORE UPDATE OR DELETE ON memos
    FOR EACH ROW EXECUTE FUNCTION memos_refuse_change()
    """,
)
MEMO_APPEND_ONLY_DROP_POSTGRES = (
    "DROP TRIGGER IF EXISTS memos_append_only ON memos",
    "DROP FUNCTION IF EXISTS memos_refuse_change()",
)
MEMO_APPEND_ONLY_DDL_SQLITE = (
    """
    CREATE TRIGGER memos_no_update BEFORE UPDATE ON memos
    BEGIN SELECT RAISE(ABORT, 'memos are append-only: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER memos_no_delete BEFORE DELETE ON memos
    BEGIN SELECT RAISE(ABORT, 'memos are append-only: DELETE refused'); END
    """,
)
MEMO_APPEND_ONLY_DROP_SQLITE = (
    "DROP TRIGGER IF EXISTS memos_no_update",
    "DROP TRIGGER IF EXISTS memos_no_delete",
)


def memo_append_only_ddl(dialect: str) -> tuple[str, ...]:
    """The statements that make ``memos`` append-only on this engine (for ``op.execute``)."""
    return {"postgresql": MEMO_APPEND_ONLY_DDL_POSTGRES, "sqlite": MEMO_APPEND_ONLY_DDL_SQLITE}[
        dialect
    ]


def memo_append_only_drop_ddl(dialect: str) -> tuple[str, ...]:
    return {"postgresql": MEMO_APPEND_ONLY_DROP_POSTGRES, "sqlite": MEMO_APPEND_ONLY_DROP_SQLITE}[
        dialect
    ]
