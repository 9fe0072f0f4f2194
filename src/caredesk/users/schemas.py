from __future__ import annotations

from datetime import datetime

from pydantic import Field

from caredesk.schemas import Id, Input, Output
from caredesk.users.models import Role


class UserCreate(Input):
    login: str = Field(min_length=2, max_length=80, pattern=r"^[A-Za-z0-9_.@-]+$")
    display_name: str = Field(min_length=1, max_length=200)
    role: Role
    password: str | None = Field(default=None, min_length=8, max_length=200)
    account_id: Id | None = None
    agent_id: Id | None = None


class UserRead(Output):
    id: int
    login: str
    display_name: str
    role: Role
    account_id: int | None
    agent_id: int | None
    active: bool
    created_at: datetime


class TokenCreate(Input):
    name: str = Field(default="api", min_length=1, max_length=100)
    ttl_days: int | None = Field(default=None, ge=1, le=3650)


class LoginRequest(Input):
    login: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)


class TokenIssued(Output):
    token: str = Field(description="Shown once; store it. Only its digest is kept.")
    token_id: int
    user_id: int
    expires_at: datetime
