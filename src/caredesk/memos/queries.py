"""Reading account memos: one by id, and an account's newest first. Reads only the memos' table
(and the account's, to say it exists)."""

from __future__ import annotations

from sqlalchemy import select

from caredesk.db.paging import MAX_LIMIT, decode_cursor, encode_cursor
from caredesk.db.references import require_reference
from caredesk.db.session import UnitOfWork
from caredesk.errors import NotFound, ValidationFailed
from caredesk.memos.models import Memo, MemoKind


def get_memo(uow: UnitOfWork, *, memo_id: int) -> Memo:
    memo = uow.session.get(Memo, memo_id)
    if memo is None:
        raise NotFound(f"no memo with id {memo_id}", field="memo_id")
    return memo


def list_memos(
    uow: UnitOfWork,
    *,
    account_id: int,
    kind: MemoKind | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[Memo], str | None]:
    """An account's memos, newest first; the cursor continues with older ones."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"must be between 1 and {MAX_LIMIT}", field="limit")
    require_reference(uow, "accounts", account_id, field="account_id")
    return account_memos(uow, account_id=account_id, kind=kind, limit=limit, cursor=cursor)


def account_memos(
    uow: UnitOfWork,
    *,
    account_id: int,
    kind: MemoKind | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[Memo], str | None]:
    """``list_memos`` for an account the caller has already read (so not looked up again)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValidationFailed(f"must be between 1 and {MAX_LIMIT}", field="limit")
    query = select(Memo).where(Memo.account_id == account_id)
    if kind:
        query = query.where(Memo.kind == kind.value)
    if cursor:
        query = query.where(Memo.id < decode_cursor(cursor))
    rows = list(uow.session.scalars(query.order_by(Memo.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].id) if more and rows else None
