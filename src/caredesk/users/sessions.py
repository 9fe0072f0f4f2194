"""Signed-in browser sessions: started by a right login and password (the same throttled check
as the API's tokens), found again from the cookie's token by any server process, ended by
signing out, by idle time or by age.

Only the token's SHA-256 is stored. Activity is written at most once per touch interval (spread
by session, see ``SessionRules.touch_due``), so a page view costs a write only now and then."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from caredesk.audit.service import Actor, record
from caredesk.db.base import Base
from caredesk.db.session import UnitOfWork
from caredesk.security import token_digest
from caredesk.users.models import User, WebSession

SESSION_TOKEN_BYTES = 32
# Sessions' touches are spread over this many steps of an eighth of the touch interval.
SPREAD = 8
MAX_TOKEN_LENGTH = 100


@dataclass(frozen=True)
class SessionRules:
    idle: timedelta = timedelta(minutes=30)
    lifetime: timedelta = timedelta(hours=12)
    touch: timedelta = timedelta(seconds=60)

    @classmethod
    def from_settings(cls, settings: Any) -> SessionRules:
        return cls(
            idle=timedelta(minutes=settings.session_idle_minutes),
            lifetime=timedelta(hours=settings.session_max_hours),
            touch=timedelta(seconds=settings.session_touch_seconds),
        )

    def ends_at(self, session: WebSession) -> datetime:
        """When the session lapses unless it is used again first."""
        return min(session.last_seen_at + self.idle, session.created_at + self.lifetime)

    def touch_due(self, session_id: int) -> timedelta:
        """How long after its last record a session's activity is written again: the touch
        interval stretched by up to seven eighths by the session's id, so that a floor of agents
        signing in at once does not write all its sessions again in the same second a touch
        interval later, and never more than half the idle limit, so an active session never
        lapses between two records."""
        stretched = self.touch * (1 + (session_id % SPREAD) / SPREAD)
        return min(stretched, self.idle / 2)


@dataclass(frozen=True)
class OpenedSession:
    token: str
    """For the cookie; never stored."""
    csrf_token: str
    session_id: int


@dataclass(frozen=True)
class SessionUser:
    """The signed-in user as the session found them (a copy, usable after the unit of work)."""

    id: int
    login: str
    display_name: str
    role: str
    account_id: int | None
    agent_id: int | None
    time_zone: str | None = None
    """The zone of the user's agent record, that desk pages show times in (None without one):
    read with the session, so a page needs no query of its own for it."""

    @classmethod
    def of(cls, user: User, time_zone: str | None = None) -> SessionUser:
        return cls(
            user.id,
            user.login,
            user.display_name,
            user.role,
            user.account_id,
            user.agent_id,
            time_zone,
        )


@dataclass(frozen=True)
class SignedIn:
    """A session found from its cookie, with its user."""

    session_id: int
    csrf_token: str
    user: SessionUser


def start_session(uow: UnitOfWork, *, user: User) -> OpenedSession:
    with uow.atomic():
        now = uow.clock.now()
        token = secrets.token_urlsafe(SESSION_TOKEN_BYTES)
        session = WebSession(
            user_id=user.id,
            digest=token_digest(token),
            csrf_token=secrets.token_urlsafe(SESSION_TOKEN_BYTES),
            created_at=now,
            last_seen_at=now,
        )
        uow.session.add(session)
        uow.flush()
        record(
            uow,
            actor=Actor.user(user.id),
            action="user.signed_in",
            subject_type="user",
            subject_id=user.id,
            details={"session_id": session.id},
        )
        return OpenedSession(token, session.csrf_token, session.id)


def find_session(
    uow: UnitOfWork, *, token: str, rules: SessionRules, touch: bool = True
) -> SignedIn | None:
    """The live session of ``token``, or None when it is unknown, ended, idle past the limit,
    too old, or its user deactivated. With ``touch``, its activity is brought up to date
    (committed) when the last record of it is older than the touch interval."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    # The agent record is named by its table, as users.agent_id's foreign key names it: agents
    # stand on a floor above users, and the zone comes with the one query a page makes here.
    agents = Base.metadata.tables["agents"]
    row = uow.session.execute(
        select(WebSession, User, agents.c.time_zone)
        .join(User, User.id == WebSession.user_id)
        .outerjoin(agents, agents.c.id == User.agent_id)
        .where(WebSession.digest == token_digest(token))
    ).first()
    if row is None:
        return None
    session, user, time_zone = row
    now = uow.clock.now()
    if session.ended_at is not None or now >= rules.ends_at(session) or not user.active:
        return None
    found = SignedIn(session.id, session.csrf_token, SessionUser.of(user, time_zone))
    if touch and now - session.last_seen_at >= rules.touch_due(session.id):
        with uow.atomic():
            uow.session.execute(
                update(WebSession)
                .where(WebSession.id == session.id, WebSession.ended_at.is_(None))
                .values(last_seen_at=now)
                .execution_options(synchronize_session=False)
            )
    return found


def end_session(uow: UnitOfWork, *, token: str) -> bool:
    """Signs the session of ``token`` out; False when there was none to end."""
    with uow.atomic():
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return False
        session = uow.session.scalar(
            select(WebSession).where(WebSession.digest == token_digest(token))
        )
        if session is None or session.ended_at is not None:
            return False
        session.ended_at = uow.clock.now()
        record(
            uow,
            actor=Actor.user(session.user_id),
            action="user.signed_out",
            subject_type="user",
            subject_id=session.user_id,
            details={"session_id": session.id},
        )
        return True
