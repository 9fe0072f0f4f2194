"""The agent state machine, checked against the table written out independently here."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from caredesk.agents.states import (
    ALLOWED_TRANSITIONS,
    StateEntry,
    can_transition,
    check_transition,
    time_in_state,
)
from caredesk.errors import InvalidTransition
from caredesk.policy import AgentState

S = AgentState
NOT_READY = [S.NOT_READY_FOLLOW_UP, S.NOT_READY_BREAK, S.NOT_READY_TRAINING, S.NOT_READY_MEETING]

EXPECTED: set[tuple[AgentState, AgentState]] = {
    (S.OFFLINE, S.READY),
    *((S.OFFLINE, nr) for nr in NOT_READY),
    (S.READY, S.RESERVED),
    (S.READY, S.TALKING),
    (S.READY, S.OFFLINE),
    *((S.READY, nr) for nr in NOT_READY),
    (S.RESERVED, S.TALKING),
    (S.RESERVED, S.READY),
    (S.RESERVED, S.NOT_READY_FOLLOW_UP),
    (S.TALKING, S.AFTER_CALL_WORK),
    (S.AFTER_CALL_WORK, S.READY),
    (S.AFTER_CALL_WORK, S.TALKING),
    *((S.AFTER_CALL_WORK, nr) for nr in NOT_READY),
    *((nr, S.READY) for nr in NOT_READY),
    *((nr, S.OFFLINE) for nr in NOT_READY),
    *((a, b) for a in NOT_READY for b in NOT_READY if a != b),
    (S.NOT_READY_FOLLOW_UP, S.TALKING),
    # Routing sets it when an offer runs out; the agent leaves it like any Not Ready reason.
    (S.RESERVED, S.NOT_READY_MISSED_OFFER),
    (S.NOT_READY_MISSED_OFFER, S.READY),
    (S.NOT_READY_MISSED_OFFER, S.OFFLINE),
    *((S.NOT_READY_MISSED_OFFER, nr) for nr in NOT_READY),
}

REFUSED_SAMPLE = [
    (S.OFFLINE, S.TALKING),
    (S.OFFLINE, S.RESERVED),
    (S.OFFLINE, S.AFTER_CALL_WORK),
    (S.READY, S.AFTER_CALL_WORK),
    (S.RESERVED, S.OFFLINE),
    (S.RESERVED, S.NOT_READY_BREAK),
    (S.TALKING, S.TALKING),
    (S.TALKING, S.READY),
    (S.TALKING, S.OFFLINE),
    (S.TALKING, S.NOT_READY_FOLLOW_UP),
    (S.AFTER_CALL_WORK, S.OFFLINE),
    (S.AFTER_CALL_WORK, S.RESERVED),
    (S.NOT_READY_BREAK, S.TALKING),
    (S.NOT_READY_TRAINING, S.TALKING),
    (S.NOT_READY_MEETING, S.TALKING),
    (S.NOT_READY_BREAK, S.RESERVED),
    (S.NOT_READY_FOLLOW_UP, S.NOT_READY_FOLLOW_UP),
    (S.READY, S.READY),
    (S.OFFLINE, S.OFFLINE),
    (S.READY, S.NOT_READY_MISSED_OFFER),
    (S.NOT_READY_BREAK, S.NOT_READY_MISSED_OFFER),
    (S.NOT_READY_MISSED_OFFER, S.TALKING),
    (S.NOT_READY_MISSED_OFFER, S.NOT_READY_MISSED_OFFER),
]


def test_the_table_is_exactly_the_documented_one() -> None:
    actual = {(a, b) for a, targets in ALLOWED_TRANSITIONS.items() for b in targets}
    assert actual == EXPECTED
    assert set(ALLOWED_TRANSITIONS) == set(AgentState)


@pytest.mark.parametrize(("current", "target"), sorted(EXPECTED))
def test_every_allowed_transition_passes(current: AgentState, target: AgentState) -> None:
    assert can_transition(current, target)
    check_transition(current, target)


@pytest.mark.parametrize(("current", "target"), REFUSED_SAMPLE)
def test_refused_transitions_name_both_states(current: AgentState, target: AgentState) -> None:
    assert not can_transition(current, target)
    with pytest.raises(InvalidTransition) as refused:
        check_transition(current, target)
    assert refused.value.field == "state"
    assert refused.value.status == 409
    assert refused.value.extra == {"from_state": current.value, "to_state": target.value}
    assert current.value in refused.value.detail and target.value in refused.value.detail


def test_no_state_moves_to_itself() -> None:
    for state in AgentState:
        assert not can_transition(state, state)


def test_only_follow_up_among_not_ready_states_may_start_a_call() -> None:
    # OB-STATE: outbound calls are made from Not Ready - Follow-Up.
    callers = {state for state in NOT_READY if can_transition(state, S.TALKING)}
    assert callers == {S.NOT_READY_FOLLOW_UP}


def test_every_state_is_reachable_from_offline_and_can_return() -> None:
    def reachable(start: AgentState) -> set[AgentState]:
        seen, todo = {start}, [start]
        while todo:
            for nxt in ALLOWED_TRANSITIONS[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    assert reachable(S.OFFLINE) == set(AgentState)
    for state in AgentState:
        assert S.OFFLINE in reachable(state)


T = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


def test_time_in_state_sums_each_stretch_until_the_end() -> None:
    entries = [
        StateEntry(S.TALKING, T + timedelta(minutes=10)),
        StateEntry(S.READY, T),  # out of order on purpose
        StateEntry(S.AFTER_CALL_WORK, T + timedelta(minutes=25)),
        StateEntry(S.READY, T + timedelta(minutes=27)),
    ]
    totals = time_in_state(entries, until=T + timedelta(minutes=30))
    assert totals == {
        S.READY: timedelta(minutes=13),
        S.TALKING: timedelta(minutes=15),
        S.AFTER_CALL_WORK: timedelta(minutes=2),
    }


def test_time_in_state_ignores_changes_after_the_end() -> None:
    entries = [StateEntry(S.READY, T), StateEntry(S.TALKING, T + timedelta(hours=2))]
    assert time_in_state(entries, until=T + timedelta(hours=1)) == {S.READY: timedelta(hours=1)}
    assert time_in_state([], until=T) == {}
