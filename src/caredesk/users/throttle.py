"""Throttling of failed logins, per login and per client address, counted in the database.

Each attempt is counted before its password is verified, in the attempt's own transaction: the
counting statement locks the counter's row, so attempts at the same login or from the same
address are counted one after the other, whichever process or worker serves them, and never more
than the limit are verified within a window. Reaching the limit refuses further attempts for the
lockout; a later window starts a fresh count. A successful login clears its login's count and
takes itself back off its address's count.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table, and_, case, delete, literal, or_, update

from caredesk.db.base import UTCDateTime
from caredesk.db.dialects import upsert_insert
from caredesk.db.session import UnitOfWork
from caredesk.errors import TooManyAttempts
from caredesk.users.models import LoginThrottle

LOGIN = "login"
ADDRESS = "address"


@dataclass(frozen=True)
class LoginLimits:
    per_login: int = 5
    per_address: int = 50
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings: Any) -> LoginLimits:
        return cls(
            per_login=settings.login_max_failures,
            per_address=settings.login_max_failures_per_address,
            window=timedelta(seconds=settings.login_failure_window_seconds),
            lockout=timedelta(seconds=settings.login_lockout_seconds),
        )

    def limit(self, scope: str) -> int:
        return self.per_login if scope == LOGIN else self.per_address


@dataclass(frozen=True)
class Counter:
    scope: str
    digest: str


def counters(*, login: str, address: str) -> tuple[Counter, Counter]:
    return (Counter(LOGIN, _digest(login)), Counter(ADDRESS, _digest(address)))


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def _at(instant: datetime) -> Any:
    return literal(instant, UTCDateTime())


def count_attempt(
    uow: UnitOfWork, *, keys: tuple[Counter, ...], limits: LoginLimits, now: datetime
) -> None:
    """Counts one attempt on every counter, or refuses it (TooManyAttempts) while any of them
    is locked out or full."""
    table = LoginThrottle.__table__
    assert isinstance(table, Table)
    blocked = and_(table.c.blocked_until.is_not(None), table.c.blocked_until > _at(now))
    fresh = and_(
        ~blocked,
        or_(
            table.c.window_started_at <= _at(now - limits.window),
            table.c.blocked_until.is_not(None),
        ),
    )
    waits: list[float] = []
    for key in keys:
        statement = (
            upsert_insert(uow.dialect, table)
            .values(
                scope=key.scope,
                key_digest=key.digest,
                failures=1,
                window_started_at=now,
                blocked_until=None,
            )
            .on_conflict_do_update(
                index_elements=[table.c.scope, table.c.key_digest],
                set_={
                    "failures": case(
                        (blocked, table.c.failures),
                        (fresh, 1),
                        else_=table.c.failures + 1,
                    ),
                    "window_started_at": case((fresh, _at(now)), else_=table.c.window_started_at),
                    "blocked_until": case((fresh, None), else_=table.c.blocked_until),
                },
            )
            .returning(table.c.failures, table.c.window_started_at, table.c.blocked_until)
        )
        failures, started, blocked_until = uow.session.execute(statement).one()
        if blocked_until is not None and blocked_until > now:
            waits.append((blocked_until - now).total_seconds())
        elif failures > limits.limit(key.scope):
            waits.append(((started + limits.window) - now).total_seconds())
    if waits:
        seconds = max(1, math.ceil(max(waits)))
        raise TooManyAttempts(
            f"too many failed logins; try again in {seconds} seconds",
            field="login",
            retry_after=seconds,
        )


def record_failure(
    uow: UnitOfWork, *, keys: tuple[Counter, ...], limits: LoginLimits, now: datetime
) -> None:
    """The attempt failed: a counter that has reached its limit locks out for the lockout."""
    for key in keys:
        uow.session.execute(
            update(LoginThrottle)
            .where(
                LoginThrottle.scope == key.scope,
                LoginThrottle.key_digest == key.digest,
                LoginThrottle.failures >= limits.limit(key.scope),
            )
            .values(blocked_until=now + limits.lockout)
        )


def record_success(uow: UnitOfWork, *, keys: tuple[Counter, ...]) -> None:
    """The attempt succeeded: its login's count is cleared, its address's count given back."""
    for key in keys:
        where = (LoginThrottle.scope == key.scope, LoginThrottle.key_digest == key.digest)
        if key.scope == LOGIN:
            uow.session.execute(delete(LoginThrottle).where(*where))
        else:
            uow.session.execute(
                update(LoginThrottle)
                .where(*where, LoginThrottle.failures > 0)
                .values(failures=LoginThrottle.failures - 1)
            )
