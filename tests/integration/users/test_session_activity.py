"""A browser session's activity: written again only after its touch interval, spread by
session so that a floor signing in at once does not write every session in one second, never
later than half the idle limit, and a session idle past the limit is gone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from caredesk.audit.service import Actor
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.users import service as users
from caredesk.users.models import Role, WebSession
from caredesk.users.sessions import SessionRules, find_session, start_session

RULES = SessionRules(idle=timedelta(minutes=30), touch=timedelta(seconds=60))


def _open(db: Database, count: int) -> list[tuple[int, str]]:
    opened = []
    with db.uow() as uow:
        for n in range(count):
            user = users.create_user(
                uow, actor=Actor.system("test"), login=f"agent{n}", display_name=f"A {n}",
                role=Role.LEADER,
            )  # fmt: skip
            session = start_session(uow, user=user)
            opened.append((session.session_id, session.token))
    return opened


def _last_seen(db: Database, session_id: int) -> object:
    with db.uow() as uow:
        return uow.session.scalar(
            select(WebSession.last_seen_at).where(WebSession.id == session_id)
        )


def test_sessions_opened_together_are_written_again_at_spread_times(
    db: Database, clock: FixedClock
) -> None:
    opened = _open(db, 16)
    signed_in_at = clock.now()
    written_at: dict[int, int] = {}
    for second in range(0, 125, 5):
        clock.set(signed_in_at + timedelta(seconds=second))
        for session_id, token in opened:
            with db.uow() as uow:
                assert find_session(uow, token=token, rules=RULES) is not None
            if session_id not in written_at and _last_seen(db, session_id) != signed_in_at:
                written_at[session_id] = second
    assert sorted(written_at) == sorted(session_id for session_id, _ in opened)
    # Each at its own due time, between one and two touch intervals: not all in one second.
    for session_id, second in written_at.items():
        due = RULES.touch_due(session_id).total_seconds()
        assert 60 <= due < 120 and due <= second < due + 5
    assert len(set(written_at.values())) >= 8


def test_the_touch_never_waits_past_half_the_idle_limit() -> None:
    short = SessionRules(idle=timedelta(minutes=2), touch=timedelta(seconds=90))
    assert [short.touch_due(n) for n in range(8)] == [timedelta(seconds=60)] * 8
    assert RULES.touch_due(8) == timedelta(seconds=60)
    assert RULES.touch_due(7) == timedelta(seconds=60 + 52.5)


def test_a_session_in_use_stays_and_one_idle_past_the_limit_is_gone(
    db: Database, clock: FixedClock
) -> None:
    [(_, token)] = _open(db, 1)
    start = clock.now()
    for minute in range(1, 60, 2):
        clock.set(start + timedelta(minutes=minute))
        with db.uow() as uow:
            assert find_session(uow, token=token, rules=RULES) is not None, minute
    clock.advance(timedelta(minutes=31))
    with db.uow() as uow:
        assert find_session(uow, token=token, rules=RULES) is None
