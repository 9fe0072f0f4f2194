from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from caredesk.memos.models import MemoKind
from caredesk.schemas import Id, Input, Output


class MemoCreate(Input):
    kind: MemoKind
    reason: str = Field(min_length=1, max_length=500)
    summary: str = Field(min_length=1, max_length=20_000)
    customer_response: str | None = Field(
        default=None,
        max_length=20_000,
        description="Confirmations, concerns, next steps. Required for outbound calls.",
    )
    ticket_numbers: list[Annotated[str, Field(min_length=1, max_length=20)]] = Field(
        default_factory=list,
        max_length=20,
        description="Case numbers this memo is about, e.g. CS-000123.",
    )
    interaction_id: Id | None = None


class MemoRead(Output):
    id: int
    account_id: int
    kind: MemoKind
    author_user_id: int | None
    author_agent_id: int | None
    author_name: str
    reason: str
    ticket_numbers: list[str]
    summary: str
    customer_response: str | None
    interaction_id: int | None
    created_at: datetime
