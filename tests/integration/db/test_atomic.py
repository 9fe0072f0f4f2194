"""``uow.atomic()``: nested blocks are one transaction committed by the outermost; an error
anywhere writes nothing, even when an outer block catches it; a durable block refuses to nest."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from caredesk.audit.models import AuditEvent
from caredesk.audit.service import Actor, record
from caredesk.db.session import Database, TransactionBroken, UnitOfWork
from tests.conftest import T0

ACTOR = Actor.system("test")


def _note(uow: UnitOfWork, action: str) -> None:
    record(uow, actor=ACTOR, action=action, subject_type="test", subject_id=1)


def _count(db: Database, action: str) -> int:
    with db.uow() as uow:
        return int(
            uow.session.scalar(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action == action)
            )
            or 0
        )


def test_nested_blocks_commit_once_at_the_outermost(db: Database) -> None:
    seen_inside: list[int] = []
    ran: list[str] = []
    with db.uow() as uow:
        with uow.atomic():
            _note(uow, "t.outer")
            with uow.atomic():
                _note(uow, "t.inner")
                uow.after_commit.append(lambda: ran.append("after"))
            # The inner block has ended, but nothing is committed yet: another session sees none.
            seen_inside.append(_count(db, "t.inner"))
            assert ran == []
            assert uow.in_transaction
        assert not uow.in_transaction
    assert seen_inside == [0]
    assert ran == ["after"]
    assert _count(db, "t.outer") == 1 and _count(db, "t.inner") == 1


def test_an_error_rolls_back_the_whole_transaction(db: Database) -> None:
    with db.uow() as uow, pytest.raises(ValueError), uow.atomic():
        _note(uow, "t.failed")
        with uow.atomic():
            _note(uow, "t.failed")
            raise ValueError("boom")
    assert _count(db, "t.failed") == 0


def test_an_inner_error_caught_outside_still_writes_nothing(db: Database) -> None:
    ran: list[str] = []
    with db.uow() as uow:
        with pytest.raises(TransactionBroken), uow.atomic():
            _note(uow, "t.caught")
            try:
                with uow.atomic():
                    _note(uow, "t.caught")
                    uow.after_commit.append(lambda: ran.append("after"))
                    raise ValueError("inner")
            except ValueError:
                pass
        # The unit of work is usable again afterwards.
        with uow.atomic():
            _note(uow, "t.after_broken")
    assert _count(db, "t.caught") == 0
    assert ran == []
    assert _count(db, "t.after_broken") == 1


def test_a_durable_block_refuses_to_nest(db: Database) -> None:
    with db.uow() as uow:
        with pytest.raises(TransactionBroken, match="durable"), uow.atomic():
            _note(uow, "t.durable_nested")
            with uow.atomic(durable=True):
                _note(uow, "t.durable_nested")
        with uow.atomic(durable=True):
            _note(uow, "t.durable")
    assert _count(db, "t.durable_nested") == 0
    assert _count(db, "t.durable") == 1


def test_a_commit_the_database_refuses_leaves_nothing_to_run_after(db: Database) -> None:
    from sqlalchemy.exc import IntegrityError

    from caredesk.users.models import User

    ran: list[str] = []

    def user(login: str) -> User:
        return User(login=login, display_name="Twin", role="agent", active=True, created_at=T0)

    with db.uow() as uow:
        with pytest.raises(IntegrityError), uow.atomic():
            uow.session.add_all([user("twin"), user("twin")])
            uow.after_commit.append(lambda: ran.append("after"))
        # The refused commit is forgotten: the next transaction neither carries it nor runs
        # what was meant to follow it.
        with uow.atomic():
            _note(uow, "t.after_refused_commit")
    assert ran == []
    assert _count(db, "t.after_refused_commit") == 1


def test_before_write_runs_once_as_a_unit_of_work_starts_writing(db: Database) -> None:
    calls: list[int] = []
    writing = Database(
        db.engine, db.session_factory, db.clock, before_write=lambda: calls.append(1)
    )
    with writing.uow() as uow:
        uow.session.execute(select(func.count()).select_from(AuditEvent))
        assert calls == []  # a read is not a write
        with uow.atomic():
            assert calls == [1]
            with uow.atomic():
                _note(uow, "nested")
        with uow.atomic():
            _note(uow, "second")
    assert calls == [1, 1]
    assert _count(db, "nested") == 1
