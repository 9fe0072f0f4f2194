"""Account memos: internal notes of the people who work the account. Staff write and read them;
customers never do (they read their cases and the customer-visible updates instead)."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query, status

from caredesk.memos import service
from caredesk.memos.models import Memo, MemoKind
from caredesk.memos.schemas import MemoCreate, MemoRead
from caredesk.schemas import MAX_ID
from caredesk.web.deps import Staff, UoW
from caredesk.web.pagination import Page

router = APIRouter(tags=["memos"])


@router.post(
    "/v1/accounts/{account_id}/memos",
    response_model=MemoRead,
    status_code=status.HTTP_201_CREATED,
)
def create_memo(
    body: MemoCreate, principal: Staff, uow: UoW, account_id: int = Path(ge=1, le=MAX_ID)
) -> Memo:
    """Add a memo to the account. Memos are append-only: there is no way to change or remove
    one. Text holding an SSN, PIN/passcode or full card number is refused (422) with the field,
    kind and character span."""
    return service.create_memo(
        uow,
        actor=principal.actor,
        account_id=account_id,
        author_user_id=principal.user_id,
        author_agent_id=principal.agent_id,
        **body.model_dump(),
    )


@router.get("/v1/accounts/{account_id}/memos", response_model=Page[MemoRead])
def list_memos(
    principal: Staff,
    uow: UoW,
    account_id: int = Path(ge=1, le=MAX_ID),
    kind: MemoKind | None = None,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[MemoRead]:
    """The account's memos, newest first; `next_cursor` continues with older ones."""
    rows, next_cursor = service.list_memos(
        uow, account_id=account_id, kind=kind, limit=limit, cursor=cursor
    )
    return Page[MemoRead](
        items=[MemoRead.model_validate(row) for row in rows], next_cursor=next_cursor
    )


@router.get("/v1/memos/{memo_id}", response_model=MemoRead)
def get_memo(principal: Staff, uow: UoW, memo_id: int = Path(ge=1, le=MAX_ID)) -> Memo:
    return service.get_memo(uow, memo_id=memo_id)
