"""Agent state changes: history, refusals that write nothing, and racing changes."""

from __future__ import annotations

import contextlib
import itertools
import random
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from caredesk.agents import presence, service, states
from caredesk.agents.models import AgentStateChange
from caredesk.audit.models import AuditEvent
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.errors import Conflict, DomainError, InvalidTransition, ValidationFailed
from caredesk.policy import AgentState
from tests.integration.agents.conftest import ACTOR, counts, make_agent


def _move(db: Database, agent_id: int, state: str, **kwargs: object) -> None:
    with db.uow() as uow:
        presence.change_state(uow, actor=ACTOR, agent_id=agent_id, state=state, **kwargs)  # type: ignore[arg-type]


def _history(db: Database, agent_id: int) -> list[AgentStateChange]:
    with db.uow() as uow:
        query = presence.state_history_query(agent_id=agent_id).order_by(AgentStateChange.id)
        rows = list(uow.session.scalars(query))
        uow.session.expunge_all()  # keep them readable after the unit of work closes
        return rows


def test_a_change_moves_the_agent_and_keeps_history_and_audit(
    db: Database, clock: FixedClock
) -> None:
    agent = make_agent(db)
    created = clock.now()
    clock.advance(timedelta(minutes=5))
    _move(db, agent.id, "ready", reason="start of shift")
    clock.advance(timedelta(minutes=2))
    _move(db, agent.id, "talking")
    with db.uow() as uow:
        current = service.get_agent(uow, agent_id=agent.id)
        assert (current.state, current.state_version) == ("talking", 2)
        assert current.state_since == clock.now()
        audit = list(
            uow.session.scalars(
                select(AuditEvent.action).where(AuditEvent.action == "agent.state_changed")
            )
        )
        assert len(audit) == 2
    history = _history(db, agent.id)
    assert [(h.from_state, h.to_state) for h in history] == [
        (None, "offline"),
        ("offline", "ready"),
        ("ready", "talking"),
    ]
    assert history[1].reason == "start of shift" and history[1].actor == str(ACTOR)
    # Time in the state left is derivable from each row.
    assert history[1].from_since == created and history[1].at - created == timedelta(minutes=5)
    assert history[2].from_since is not None
    assert history[2].at - history[2].from_since == timedelta(minutes=2)


def test_a_refused_transition_writes_no_history(db: Database) -> None:
    agent = make_agent(db)
    before = counts(db)
    with pytest.raises(InvalidTransition) as refused:
        _move(db, agent.id, "talking")
    assert refused.value.field == "state"
    assert refused.value.extra == {"from_state": "offline", "to_state": "talking"}
    assert counts(db) == before
    with db.uow() as uow:
        current = service.get_agent(uow, agent_id=agent.id)
        assert (current.state, current.state_version) == ("offline", 0)


@pytest.mark.parametrize(
    ("state", "kwargs", "error", "field"),
    [
        ("lunch", {}, ValidationFailed, "state"),
        ("ready", {"reason": "x" * 201}, ValidationFailed, "reason"),
        ("ready", {"reason": "bad\x00reason"}, ValidationFailed, "reason"),
        ("ready", {"expected_version": 7}, Conflict, "state"),
    ],
)
def test_bad_requests_write_nothing(
    db: Database, state: str, kwargs: dict[str, object], error: type[DomainError], field: str
) -> None:
    agent = make_agent(db)
    before = counts(db)
    with pytest.raises(error) as refused:
        _move(db, agent.id, state, **kwargs)
    assert refused.value.field == field
    assert counts(db) == before


def test_expected_version_guards_a_stale_desktop(db: Database) -> None:
    agent = make_agent(db)
    _move(db, agent.id, "ready", expected_version=0)
    with pytest.raises(Conflict):
        _move(db, agent.id, "not_ready_break", expected_version=0)
    _move(db, agent.id, "not_ready_break", expected_version=1)


def test_reasons_are_scrubbed_of_secrets(db: Database) -> None:
    agent = make_agent(db)
    _move(db, agent.id, "not_ready_follow_up", reason="calling back 123-45-6789")
    assert _history(db, agent.id)[-1].reason == "calling back [redacted]"


def test_a_deactivated_agent_cannot_change_state(db: Database) -> None:
    agent = make_agent(db)
    with db.uow() as uow:
        service.update_agent(uow, actor=ACTOR, agent_id=agent.id, active=False)
    before = counts(db)
    with pytest.raises(Conflict) as refused:
        _move(db, agent.id, "ready")
    assert refused.value.field == "active"
    assert counts(db) == before


def test_two_changes_from_the_same_prior_state_exactly_one_wins(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    agent = make_agent(db)
    _move(db, agent.id, "ready")
    before = counts(db)
    # Both requests must have read "ready" before either writes: hold them at the check.
    barrier = threading.Barrier(2, timeout=30)
    real_check = states.check_transition

    def check_then_wait(current: AgentState, target: AgentState) -> None:
        real_check(current, target)
        barrier.wait()

    monkeypatch.setattr(presence, "check_transition", check_then_wait)
    outcomes: dict[str, object] = {}

    def attempt(target: str) -> None:
        try:
            _move(db, agent.id, target)
            outcomes[target] = "applied"
        except Exception as exc:  # collected and asserted below
            outcomes[target] = exc

    threads = [threading.Thread(target=attempt, args=(s,)) for s in ("talking", "reserved")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    winners = [state for state, outcome in outcomes.items() if outcome == "applied"]
    losers = [outcome for outcome in outcomes.values() if isinstance(outcome, Conflict)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    winner = winners[0]
    assert losers[0].field == "state"

    after = counts(db)
    assert after["agent_state_changes"] == before["agent_state_changes"] + 1
    assert after["audit_events"] == before["audit_events"] + 1
    with db.uow() as uow:
        current = service.get_agent(uow, agent_id=agent.id)
        assert (current.state, current.state_version) == (winner, 2)
    assert (_history(db, agent.id)[-1].from_state, _history(db, agent.id)[-1].to_state) == (
        "ready",
        winner,
    )


def test_many_racing_changes_leave_an_unbroken_history(db: Database) -> None:
    agent = make_agent(db)
    rng = random.Random(7)
    plans = [[rng.choice(list(AgentState)).value for _ in range(15)] for _ in range(4)]

    def worker(plan: list[str]) -> None:
        for state in plan:
            # Refused by the table or by a racing change: nothing was written.
            with contextlib.suppress(InvalidTransition, Conflict):
                _move(db, agent.id, state)

    threads = [threading.Thread(target=worker, args=(plan,)) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    history = _history(db, agent.id)
    for previous, following in itertools.pairwise(history):
        assert following.from_state == previous.to_state
    with db.uow() as uow:
        current = service.get_agent(uow, agent_id=agent.id)
        assert current.state == history[-1].to_state
        assert current.state_version == len(history) - 1


def test_state_totals_add_up_the_time_in_each_state(db: Database, clock: FixedClock) -> None:
    agent = make_agent(db)
    start = clock.now()
    clock.advance(timedelta(minutes=10))
    _move(db, agent.id, "ready")
    clock.advance(timedelta(minutes=20))
    _move(db, agent.id, "talking")
    clock.advance(timedelta(minutes=6))
    with db.uow() as uow:
        totals = presence.state_totals(
            uow, agent_id=agent.id, start=start + timedelta(minutes=5), end=clock.now()
        )
    assert totals == {
        AgentState.OFFLINE: 5 * 60.0,
        AgentState.READY: 20 * 60.0,
        AgentState.TALKING: 6 * 60.0,
    }
