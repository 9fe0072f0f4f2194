"""Memos are added and never changed: service rules, the ORM guard and the database triggers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from caredesk.agents.models import Agent
from caredesk.audit.models import AuditEvent
from caredesk.db.session import Database
from caredesk.errors import NotFound, ValidationFailed
from caredesk.memos import service
from caredesk.memos.models import (
    Memo,
    MemoIsAppendOnly,
    MemoKind,
    memo_append_only_ddl,
    memo_append_only_drop_ddl,
)
from caredesk.users.models import User
from tests.integration.tickets.factories import (
    STAFF,
    counts,
    insert_row,
    make_account,
    make_agent,
    make_ticket,
)


def _memo(db: Database, account: int, **fields: object) -> Memo:
    agent = fields.pop("author_agent_id", None) or make_agent(db)
    values: dict[str, object] = {
        "kind": MemoKind.OUTBOUND_CALL,
        "reason": "Dropped call follow-up",
        "summary": "Called back after the drop; walked through network reset.",
        "customer_response": "Confirmed calls work; will call if it recurs.",
        **fields,
    }
    with db.uow() as uow:
        return service.create_memo(
            uow,
            actor=STAFF,
            account_id=account,
            author_agent_id=agent,
            **values,  # type: ignore[arg-type]
        )


@pytest.fixture
def append_only_triggers(db: Database) -> Iterator[None]:
    """The DDL the migration will run, applied here until it exists, and removed afterwards
    so that the next test's clean-up can empty the table."""
    with db.engine.begin() as connection:
        for statement in memo_append_only_drop_ddl(db.dialect) + memo_append_only_ddl(db.dialect):
            connection.execute(text(statement))
    yield
    with db.engine.begin() as connection:
        for statement in memo_append_only_drop_ddl(db.dialect):
            connection.execute(text(statement))


def test_memo_is_stored_with_author_and_cases(db: Database) -> None:
    account = make_account(db)
    ticket = make_ticket(db, account)
    agent = make_agent(db)
    memo = _memo(db, account, author_agent_id=agent, ticket_numbers=[ticket.case_number.lower()])
    assert memo.ticket_numbers == [ticket.case_number]
    with db.uow() as uow:
        name = uow.session.get(Agent, agent).name  # type: ignore[union-attr]
    assert (memo.author_agent_id, memo.author_name) == (agent, name)
    with db.uow() as uow:
        event = uow.session.scalar(select(AuditEvent).where(AuditEvent.action == "memo.created"))
        assert event is not None and event.details is not None
        assert event.details["memo_id"] == memo.id
        assert "summary" not in event.details


def test_author_name_is_the_agents_when_the_user_is_an_agent(db: Database) -> None:
    account = make_account(db)
    agent = insert_row(db, "agents", login="jlee", name="Jordan Lee")
    user_id = insert_row(
        db, "users", login="jlee-desk", display_name="jlee desktop", role="agent", agent_id=agent
    )
    with db.uow() as uow:
        memo = service.create_memo(
            uow,
            actor=STAFF,
            account_id=account,
            author_user_id=user_id,
            kind=MemoKind.NOTE,
            reason="Account note",
            summary="Customer prefers texts to calls.",
        )
    assert (memo.author_name, memo.author_user_id) == ("Jordan Lee", user_id)


def test_author_name_taken_from_the_user(db: Database) -> None:
    account = make_account(db)
    user_id = insert_row(db, "users", login="robin", display_name="Robin Diaz", role="agent")
    with db.uow() as uow:
        memo = service.create_memo(
            uow,
            actor=STAFF,
            account_id=account,
            author_user_id=user_id,
            kind=MemoKind.NOTE,
            reason="Account note",
            summary="Customer prefers texts to calls.",
        )
    assert memo.author_name == "Robin Diaz"
    with db.uow() as uow:
        assert uow.session.get(User, user_id) is not None


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"reason": "  "}, "reason", ValidationFailed),
        ({"summary": ""}, "summary", ValidationFailed),
        ({"customer_response": None}, "customer_response", ValidationFailed),
        ({"ticket_numbers": ["CS-12"]}, "ticket_numbers[0]", ValidationFailed),
        ({"ticket_numbers": ["CS-999999"]}, "ticket_numbers[0]", NotFound),
        ({"interaction_id": 999}, "interaction_id", NotFound),
        ({"summary": "Verified SSN 123-45-6789"}, "summary", ValidationFailed),
        ({"customer_response": "Gave PIN is 4821 twice"}, "customer_response", ValidationFailed),
        ({"reason": "Card 4111 1111 1111 1111 declined"}, "reason", ValidationFailed),
    ],
)
def test_refusals_write_nothing(
    db: Database, fields: dict[str, object], field: str, error: type[Exception]
) -> None:
    account = make_account(db)
    agent = make_agent(db)
    before = counts(db)
    with pytest.raises(error) as refused:
        _memo(db, account, author_agent_id=agent, **fields)
    assert getattr(refused.value, "field", None) == field
    assert counts(db) == before


def test_case_on_another_account_refused(db: Database) -> None:
    other_case = make_ticket(db, make_account(db))
    account = make_account(db)
    with pytest.raises(ValidationFailed) as refused:
        _memo(db, account, ticket_numbers=[other_case.case_number])
    assert refused.value.field == "ticket_numbers[0]"


def test_orm_refuses_changing_a_memo(db: Database) -> None:
    memo = _memo(db, make_account(db))
    with db.uow() as uow:
        stored = uow.session.get(Memo, memo.id)
        assert stored is not None
        stored.summary = "Rewritten history"
        with pytest.raises(MemoIsAppendOnly):
            uow.flush()
    with db.uow() as uow:
        stored = uow.session.get(Memo, memo.id)
        assert stored is not None
        uow.session.delete(stored)
        with pytest.raises(MemoIsAppendOnly):
            uow.commit()
    with db.uow() as uow:
        with pytest.raises(MemoIsAppendOnly):
            uow.session.execute(update(Memo).values(summary="bulk rewrite"))
        with pytest.raises(MemoIsAppendOnly):
            uow.session.execute(delete(Memo).where(Memo.id == memo.id))
    with db.uow() as uow:
        stored = uow.session.get(Memo, memo.id)
        assert stored is not None and stored.summary == memo.summary


def test_reading_and_adding_alongside_memos_still_flushes(db: Database) -> None:
    memo = _memo(db, make_account(db))
    with db.uow() as uow:
        stored = uow.session.get(Memo, memo.id)
        assert stored is not None
        stored.summary = stored.summary  # same value: not a change
        uow.flush()


def test_database_refuses_update_and_delete(db: Database, append_only_triggers: None) -> None:
    memo = _memo(db, make_account(db))
    for statement in [
        "UPDATE memos SET summary = 'rewritten' WHERE id = :id",
        "DELETE FROM memos WHERE id = :id",
    ]:
        with pytest.raises(DBAPIError) as refused, db.engine.begin() as connection:
            connection.execute(text(statement), {"id": memo.id})
        assert "append-only" in str(refused.value)
    with db.engine.connect() as connection:
        summary = connection.execute(
            text("SELECT summary FROM memos WHERE id = :id"), {"id": memo.id}
        ).scalar_one()
    assert summary == memo.summary
    # Adding still works with the triggers in place.
    _memo(db, memo.account_id)


def test_newest_first_with_cursor(db: Database) -> None:
    account = make_account(db)
    ids = [_memo(db, account, kind=MemoKind.NOTE, summary=f"note {i}").id for i in range(5)]
    _memo(db, make_account(db))
    with db.uow() as uow:
        first, cursor = service.list_memos(uow, account_id=account, limit=2)
        assert [m.id for m in first] == ids[::-1][:2]
        second, cursor = service.list_memos(uow, account_id=account, limit=2, cursor=cursor)
        assert [m.id for m in second] == ids[::-1][2:4]
        last, cursor = service.list_memos(uow, account_id=account, limit=2, cursor=cursor)
        assert [m.id for m in last] == [ids[0]] and cursor is None
