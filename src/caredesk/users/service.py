"""Use cases for users and API tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from caredesk.audit.service import Actor, record
from caredesk.db.session import UnitOfWork
from caredesk.errors import Conflict, NotFound, Unauthenticated, ValidationFailed
from caredesk.security import (
    dummy_password_hash,
    hash_password,
    new_token,
    token_digest,
    verify_password,
)
from caredesk.users import throttle
from caredesk.users.models import ApiToken, Role, User
from caredesk.users.queries import list_users as list_users
from caredesk.users.queries import users_query as users_query

DEFAULT_TOKEN_TTL_DAYS = 90


@dataclass(frozen=True)
class IssuedToken:
    token: str
    token_id: int
    user_id: int
    expires_at: datetime


def _user_snapshot(user: User) -> dict[str, object]:
    return {
        "login": user.login,
        "role": user.role,
        "account_id": user.account_id,
        "agent_id": user.agent_id,
        "active": user.active,
    }


def create_user(
    uow: UnitOfWork,
    *,
    actor: Actor,
    login: str,
    display_name: str,
    role: Role,
    password: str | None = None,
    account_id: int | None = None,
    agent_id: int | None = None,
) -> User:
    with uow.atomic():
        if role == Role.CUSTOMER and account_id is None:
            raise ValidationFailed(
                "a customer user must name the account they may see", field="account_id"
            )
        if role != Role.CUSTOMER and account_id is not None:
            raise ValidationFailed("only customer users are tied to an account", field="account_id")
        if uow.session.scalar(select(User.id).where(User.login == login)) is not None:
            raise Conflict(f"login {login!r} is taken", field="login")
        _check_reference(uow, "accounts", account_id, "account_id")
        _check_reference(uow, "agents", agent_id, "agent_id")
        user = User(
            login=login,
            display_name=display_name,
            role=role.value,
            password_hash=hash_password(password) if password else None,
            account_id=account_id,
            agent_id=agent_id,
            active=True,
            created_at=uow.clock.now(),
        )
        uow.session.add(user)
        uow.flush()
        record(
            uow,
            actor=actor,
            action="user.created",
            subject_type="user",
            subject_id=user.id,
            after=_user_snapshot(user),
        )
        return user


def _check_reference(uow: UnitOfWork, table: str, value: int | None, field: str) -> None:
    if value is None:
        return
    from caredesk.db.base import Base

    model_table = Base.metadata.tables[table]
    if (
        uow.session.execute(select(model_table.c.id).where(model_table.c.id == value)).first()
        is None
    ):
        raise NotFound(f"no {table[:-1]} with id {value}", field=field)


def get_user(uow: UnitOfWork, *, login: str) -> User:
    user = uow.session.scalar(select(User).where(User.login == login))
    if user is None:
        raise NotFound(f"no user with login {login!r}", field="login")
    return user


def issue_token(
    uow: UnitOfWork,
    *,
    actor: Actor,
    user: User,
    name: str = "api",
    ttl_days: int = DEFAULT_TOKEN_TTL_DAYS,
) -> IssuedToken:
    with uow.atomic():
        now = uow.clock.now()
        plain = new_token()
        token = ApiToken(
            user_id=user.id,
            name=name,
            digest=token_digest(plain),
            created_at=now,
            expires_at=now + timedelta(days=ttl_days),
        )
        uow.session.add(token)
        uow.flush()
        record(
            uow,
            actor=actor,
            action="token.issued",
            subject_type="user",
            subject_id=user.id,
            details={
                "token_id": token.id,
                "name": name,
                "expires_at": token.expires_at.isoformat(),
            },
        )
        return IssuedToken(plain, token.id, user.id, token.expires_at)


def verify_login(
    uow: UnitOfWork,
    *,
    login: str,
    password: str,
    address: str = "unknown",
    limits: throttle.LoginLimits | None = None,
) -> User | None:
    """The user with this login and password, or None; in the caller's transaction. The attempt
    is counted (and refused with 429 past the limits) per login and per client address before
    the password is checked, and the success or the failure is recorded on the counts."""
    limits = limits or throttle.LoginLimits()
    now = uow.clock.now()
    keys = throttle.counters(login=login, address=address)
    throttle.count_attempt(uow, keys=keys, limits=limits, now=now)
    user = uow.session.scalar(select(User).where(User.login == login))
    usable = user is not None and user.active and user.password_hash is not None
    # One argon2 verification whatever the login, so the time taken does not tell which logins
    # exist; and the same answer for an unknown login and a wrong password.
    stored = user.password_hash if usable and user is not None else None
    verified = verify_password(stored or dummy_password_hash(), password)
    if not (usable and verified) or user is None:
        throttle.record_failure(uow, keys=keys, limits=limits, now=now)
        return None
    throttle.record_success(uow, keys=keys)
    return user


def authenticate(
    uow: UnitOfWork,
    *,
    login: str,
    password: str,
    address: str = "unknown",
    limits: throttle.LoginLimits | None = None,
) -> User:
    """The user with this login and password, for a token (API) or a session (pages) alike
    (see ``verify_login``). A failure is refused once its count is committed, so that the
    refusal cannot take the count back with it."""
    with uow.atomic():
        user = verify_login(uow, login=login, password=password, address=address, limits=limits)
    if user is None:
        raise Unauthenticated("login or password is wrong", field="password")
    return user


def login_with_password(
    uow: UnitOfWork,
    *,
    login: str,
    password: str,
    address: str = "unknown",
    limits: throttle.LoginLimits | None = None,
) -> IssuedToken:
    """A token for a right login and password (see ``verify_login``), in the transaction that
    counts the attempt; a failure is refused once its count is committed."""
    with uow.atomic():
        user = verify_login(uow, login=login, password=password, address=address, limits=limits)
        if user is not None:
            return issue_token(uow, actor=Actor.user(user.id), user=user, name="login", ttl_days=1)
    raise Unauthenticated("login or password is wrong", field="password")


def revoke_token(uow: UnitOfWork, *, actor: Actor, token_id: int) -> ApiToken:
    with uow.atomic():
        token = uow.session.get(ApiToken, token_id)
        if token is None:
            raise NotFound(f"no token with id {token_id}", field="token_id")
        if token.revoked_at is None:
            token.revoked_at = uow.clock.now()
            record(
                uow,
                actor=actor,
                action="token.revoked",
                subject_type="user",
                subject_id=token.user_id,
                details={"token_id": token.id},
            )
    return token
