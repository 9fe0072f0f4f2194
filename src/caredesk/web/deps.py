"""Request-scoped dependencies: the unit of work, the authenticated principal and what it may
reach. A record outside the caller's reach answers exactly like a missing one (404), so ids
cannot be probed.

There is one permission layer for the API and the browser pages: a bearer token (API) and a
session cookie (pages, caredesk.web.sessions) both resolve to the same ``Principal`` through
``principal_of``, and both are checked by ``require_roles`` (``via=`` names where the principal
comes from)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

import anyio
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select

from caredesk.audit.service import Actor
from caredesk.db.session import Database, UnitOfWork
from caredesk.errors import NotFound, PermissionDenied, Unauthenticated
from caredesk.security import token_digest
from caredesk.users.models import LEADER_ROLES, STAFF_ROLES, ApiToken, Role, User
from caredesk.users.sessions import SessionUser

# Ids start at 1: the scope of a customer user with no account matches no record.
NO_ACCOUNT = 0

_bearer = HTTPBearer(auto_error=False, description="A token from `caredesk token create`.")


def get_database(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    # Opened here, on the event loop, which saves a hop to a worker thread and back: a unit of
    # work takes no connection until the route's first read, in the route's thread. Closed in
    # a worker thread (its rollback waits on the database), with a limiter of its own so that
    # giving a connection back never waits for a thread held by a request waiting for a
    # connection, and shielded, so a cancelled request gives its connection back too.
    uow = get_database(request).uow()
    # Whatever else the request reads (a page's live-stream start) goes through this unit of
    # work: a second connection taken while this one is held can wait forever once every
    # pooled connection is held by a request waiting for its second.
    request.state.uow = uow
    try:
        yield uow
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.to_thread.run_sync(
                uow.__exit__, None, None, None, limiter=anyio.CapacityLimiter(1)
            )


UoW = Annotated[UnitOfWork, Depends(get_uow)]


@dataclass(frozen=True)
class Principal:
    user_id: int
    login: str
    role: Role
    account_id: int | None
    agent_id: int | None

    @property
    def actor(self) -> Actor:
        return Actor.user(self.user_id)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_leader(self) -> bool:
        return self.role in LEADER_ROLES

    @property
    def account_scope(self) -> int | None:
        """The account every record a customer reads must belong to; None for staff, who
        reach every account. Pass it to a scoped loader (``within_account=``) so that a record
        out of reach and a missing one take the same path to the same 404."""
        if self.is_staff:
            return None
        return self.account_id or NO_ACCOUNT

    def require_account(self, account_id: int) -> None:
        """Customers reach only their own account; staff reach every account. Another account
        answers as a missing one does (the wording of the accounts service's 404)."""
        if not self.is_staff and self.account_id != account_id:
            raise NotFound(f"no account with id {account_id}", field="account_id")


def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("send Authorization: Bearer <token>", field="Authorization")
    # A unit of work of its own, closed at once (see caredesk.web.sessions.current_session):
    # the route's unit of work takes its connection only when the route reads.
    with get_database(request).uow() as uow:
        now = uow.clock.now()
        row = uow.session.execute(
            select(ApiToken.revoked_at, ApiToken.expires_at, User)
            .join(User, User.id == ApiToken.user_id)
            .where(ApiToken.digest == token_digest(credentials.credentials))
        ).first()
        if row is None:
            raise Unauthenticated("the token is not known", field="Authorization")
        revoked_at, expires_at, user = row
        if revoked_at is not None or expires_at <= now or not user.active:
            raise Unauthenticated("the token is expired or revoked", field="Authorization")
        return principal_of(user)


def principal_of(user: User | SessionUser) -> Principal:
    """The principal a signed-in user acts as, however they signed in."""
    return Principal(user.id, user.login, Role(user.role), user.account_id, user.agent_id)


def check_roles(principal: Principal, allowed: frozenset[Role]) -> Principal:
    if principal.role not in allowed:
        names = ", ".join(sorted(r.value for r in allowed))
        raise PermissionDenied(f"this needs one of the roles: {names}", field="role")
    return principal


def require_roles(
    *roles: Role, via: Callable[..., Principal | Awaitable[Principal]] = current_principal
) -> Callable[[Principal], Awaitable[Principal]]:
    """A dependency: the principal (from ``via``: the bearer token by default, the session
    cookie for pages) if it holds one of ``roles``, else 403 naming them."""
    allowed = frozenset(roles)

    # A default, not an annotation: with postponed annotations, ``via`` (a local) could not be
    # resolved from an ``Annotated[...]`` string. Async though it awaits nothing: FastAPI runs
    # a plain function in a worker thread, and the hop there and back costs more than the check.
    async def _check(principal: Principal = Depends(via)) -> Principal:
        return check_roles(principal, allowed)

    return _check


AnyUser = Annotated[Principal, Depends(current_principal)]
Staff = Annotated[Principal, Depends(require_roles(*STAFF_ROLES))]
Leader = Annotated[Principal, Depends(require_roles(*LEADER_ROLES))]
Admin = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
