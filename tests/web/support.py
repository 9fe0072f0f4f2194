"""Signing browsers in for tests of the pages: a user of a role with a live session, its cookie
and its CSRF token, without going through the sign-in form (whose own tests do)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from caredesk.audit.service import Actor
from caredesk.db.session import Database
from caredesk.users import service as users
from caredesk.users.models import Role
from caredesk.users.sessions import start_session
from caredesk.web.sessions import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE

CSRF_INPUT = re.compile(rf'name="{CSRF_FIELD}" value="([^"]+)"')


@dataclass(frozen=True)
class Browser:
    """What a signed-in browser sends: its cookie, and the page's CSRF token."""

    login: str
    token: str
    csrf: str
    user_id: int

    @property
    def cookie(self) -> dict[str, str]:
        return {"Cookie": f"{SESSION_COOKIE}={self.token}"}

    @property
    def htmx(self) -> dict[str, str]:
        """Headers of an htmx request from this browser's pages."""
        return {**self.cookie, CSRF_HEADER: self.csrf, "HX-Request": "true"}

    def form(self, **fields: str) -> dict[str, str]:
        return {CSRF_FIELD: self.csrf, **fields}


def signed_in(
    db: Database,
    role: Role,
    *,
    account_id: int | None = None,
    agent_id: int | None = None,
    login: str | None = None,
    password: str | None = None,
    display_name: str | None = None,
) -> Browser:
    name = login or f"{role.value}-{uuid.uuid4().hex[:8]}"
    with db.uow() as uow, uow.atomic():
        user = users.create_user(
            uow,
            actor=Actor.system("test"),
            login=name,
            display_name=display_name or f"Test {role.value}",
            role=role,
            password=password,
            account_id=account_id,
            agent_id=agent_id,
        )
        opened = start_session(uow, user=user)
        return Browser(name, opened.token, opened.csrf_token, user.id)


def csrf_of(html: str) -> str:
    found = CSRF_INPUT.search(html)
    assert found is not None, "the page has no CSRF field"
    return found.group(1)
