"""Use cases commit where they are defined: alone, each is its own transaction; inside a
caller's ``uow.atomic()`` block it joins that transaction and commits with it; a refusal a
caller catches leaves the caller's transaction whole; a use case that must commit before it
calls the outside world refuses to run inside another transaction."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from caredesk.agents import presence
from caredesk.agents import service as agents
from caredesk.audit.models import AuditEvent
from caredesk.audit.service import Actor, record
from caredesk.callbacks import attempts, calls
from caredesk.callbacks.records import StepRefused, atomic_keeping_refusals
from caredesk.db.session import Database, TransactionBroken, UnitOfWork
from caredesk.errors import InvalidTransition
from caredesk.policy import AgentState
from caredesk.users import service as users
from caredesk.users.models import Role, User

ACTOR = Actor.system("test")
SRC = Path(__file__).resolve().parents[3] / "src" / "caredesk"


def _count(db: Database, model: type, **where: object) -> int:
    with db.uow() as uow:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return int(uow.session.scalar(query) or 0)


def _new_user(uow: UnitOfWork, login: str) -> User:
    return users.create_user(
        uow,
        actor=ACTOR,
        login=login,
        display_name=login,
        role=Role.LEADER,
    )


def test_a_use_case_alone_commits_when_it_returns(db: Database) -> None:
    with db.uow() as uow:
        _new_user(uow, "alone")
        assert _count(db, User, login="alone") == 1


def test_a_use_case_inside_an_outer_block_commits_with_it(db: Database) -> None:
    seen: list[int] = []
    with db.uow() as uow:
        with uow.atomic():
            _new_user(uow, "first")
            _new_user(uow, "second")
            # Both use cases have returned; another session still sees neither.
            seen.append(_count(db, User))
        seen.append(_count(db, User))
    assert seen == [0, 2]


def test_an_outer_block_that_fails_takes_the_use_cases_with_it(db: Database) -> None:
    with db.uow() as uow, pytest.raises(RuntimeError), uow.atomic():
        _new_user(uow, "rolled-back")
        raise RuntimeError("a later step failed")
    assert _count(db, User) == 0


def test_a_refused_agent_move_caught_inside_a_transaction_leaves_it_whole(db: Database) -> None:
    with db.uow() as uow:
        agent = agents.create_agent(
            uow,
            actor=ACTOR,
            login="mover",
            name="Mo Ver",
            role="agent",
            line_of_business="care",
            time_zone="America/New_York",
            platform_line="+18005550100",
        )
    with db.uow() as uow, uow.atomic():
        record(uow, actor=ACTOR, action="t.kept", subject_type="test", subject_id=1)
        # Offline to Talking is not a move the state table allows: refused, nothing written.
        with pytest.raises(InvalidTransition):
            presence.change_state(uow, actor=ACTOR, agent_id=agent.id, state=AgentState.TALKING)
    assert _count(db, AuditEvent, action="t.kept") == 1
    assert _count(db, AuditEvent, action="agent.state_changed") == 0


def test_a_refusal_is_committed_and_raised_other_errors_write_nothing(db: Database) -> None:
    with db.uow() as uow:
        with pytest.raises(StepRefused), atomic_keeping_refusals(uow):
            record(uow, actor=ACTOR, action="t.refusal", subject_type="test", subject_id=1)
            raise StepRefused("refused by OB-TEST", field="step")
        with pytest.raises(ValueError), atomic_keeping_refusals(uow):
            record(uow, actor=ACTOR, action="t.failure", subject_type="test", subject_id=1)
            raise ValueError("not a refusal")
    assert _count(db, AuditEvent, action="t.refusal") == 1
    assert _count(db, AuditEvent, action="t.failure") == 0


def test_a_refusal_inside_an_outer_transaction_is_that_transactions_to_keep(
    db: Database,
) -> None:
    with (
        db.uow() as uow,
        pytest.raises(StepRefused),
        uow.atomic(),
        atomic_keeping_refusals(uow),
    ):
        record(uow, actor=ACTOR, action="t.nested", subject_type="test", subject_id=1)
        raise StepRefused("refused by OB-TEST", field="step")
    assert _count(db, AuditEvent, action="t.nested") == 0


def test_dialling_and_hanging_up_refuse_to_run_inside_another_transaction(
    db: Database,
) -> None:
    """Their commits must happen before the gateway is called; inside another transaction
    they could not, so they refuse before reading or writing anything."""
    unused: Any = None  # never reached: the refusal comes first
    with db.uow() as uow, uow.atomic():
        with pytest.raises(TransactionBroken, match="durable"):
            calls.start_call(uow, actor=ACTOR, runtime=unused, callback_id=1, agent_id=1)
        with pytest.raises(TransactionBroken, match="durable"):
            attempts.end_call(uow, actor=ACTOR, runtime=unused, callback_id=1)


def _commit_flags(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            arguments = node.args.args + node.args.kwonlyargs + node.args.posonlyargs
            found += [f"{node.name}({a.arg})" for a in arguments if a.arg == "commit"]
        if isinstance(node, ast.Call):
            found += [f"call:{k.arg}=" for k in node.keywords if k.arg == "commit"]
    return found


def test_no_use_case_takes_a_commit_flag() -> None:
    """Where a use case commits is said by its ``uow.atomic()`` block, not by its callers."""
    flagged = {
        str(path.relative_to(SRC)): found
        for path in sorted(SRC.rglob("*.py"))
        if (found := _commit_flags(ast.parse(path.read_text())))
    }
    assert flagged == {}
    assert _commit_flags(ast.parse("def f(uow, *, commit=True): g(commit=False)")) == [
        "f(commit)",
        "call:commit=",
    ]
