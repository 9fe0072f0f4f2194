"""The routing decision: relaxing skill steps keep the place, aging priority within its offset
and no starvation, longest waiting across an agent's queues, secondary agents after the delay,
the best agent by strategy, reservation timeouts and queue callbacks keep the place."""

from __future__ import annotations

import pytest

from caredesk.policy.vocabulary import AgentState
from caredesk.routing.config_queues import Strategy
from caredesk.routing.decide import decide
from caredesk.routing.model import RoutingResult, Snapshot
from caredesk.routing.reference import decide_reference
from caredesk.routing.state import RoutingState
from tests.unit.routing.routing_cases import agent, at, contact, queue

STEPPED = queue("billing", steps=((0, 4), (30, 2), (60, 0)))


def _pairs(result: RoutingResult) -> list[tuple[str, str]]:
    return [(made.contact_id, made.agent_id) for made in result.assignments]


def test_relaxing_steps_widen_the_agents_and_keep_the_place() -> None:
    state = RoutingState({"billing": STEPPED})
    state.add_agent(agent("junior", skills={"billing": 2}, primary=("billing",)))
    state.add_contact(contact("first", "billing", 0))
    state.add_contact(contact("second", "billing", 20))
    assert state.route(at(25)).assignments == ()
    assert state.next_change_at() == at(30)
    result = state.route(at(30))
    assert _pairs(result) == [("first", "junior")]
    assert result.assignments[0].min_level == 2
    # An expert takes the next one at once; a caller without the skill only after 60 s.
    state.add_agent(agent("outsider", skills={}, primary=("billing",), idle=-100))
    assert state.route(at(45)).assignments == ()
    assert _pairs(state.route(at(80))) == [("second", "outsider")]


def test_the_earliest_caller_stays_first_while_steps_relax() -> None:
    contacts = (contact("late", "billing", 10), contact("early", "billing", 0))
    snapshot = Snapshot(
        agents=(agent("expert", skills={"billing": 5}, primary=("billing",)),), contacts=contacts
    )
    assert _pairs(decide(snapshot, {"billing": STEPPED}, at(35))) == [("early", "expert")]


@pytest.mark.parametrize(
    ("business_arrives", "served_first"), [(100, "business"), (119, "business"), (121, "regular")]
)
def test_priority_is_an_offset_on_time_waited(business_arrives: int, served_first: str) -> None:
    # Two priority points at 60 s each: a business caller passes a regular caller who arrived
    # up to 120 s earlier, and nobody who arrived before that.
    queues = {"billing": queue("billing", offset=60)}
    snapshot = Snapshot(
        agents=(agent("a", primary=("billing",), idle=0),),
        contacts=(
            contact("regular", "billing", 0),
            contact("business", "billing", business_arrives, priority=2),
        ),
    )
    result = decide(snapshot, queues, at(200))
    assert result.assignments[0].contact_id == served_first
    if served_first == "business":
        assert result.assignments[0].effective_wait_seconds == 200 - business_arrives + 120


def test_no_starvation_under_a_stream_of_priority_callers() -> None:
    # One agent, 60 s calls, a business caller (2 points) every 50 s: strict classes would never
    # serve the regular caller; an offset serves them once their wait passes 120 s.
    state = RoutingState({"billing": queue("billing", offset=60)})
    state.add_agent(agent("a", primary=("billing",), idle=0, state=AgentState.TALKING))
    state.add_contact(contact("regular", "billing", 0))
    served_at = None
    free_at = 0
    for tick in range(0, 3600, 10):
        if tick % 50 == 0:
            state.add_contact(contact(f"b{tick}", "billing", tick, priority=2))
        if tick == free_at:
            state.set_state("a", AgentState.READY, idle_since=at(tick))
        for made in state.route(at(tick)).assignments:
            state.set_state("a", AgentState.TALKING)
            free_at = tick + 60
            if made.contact_id == "regular":
                served_at = tick
    assert served_at is not None and served_at <= 120 + 2 * 60


def test_an_agent_gets_the_longest_waiting_contact_across_its_queues() -> None:
    queues = {"billing": queue("billing"), "account": queue("account", skill="account")}
    snapshot = Snapshot(
        agents=(agent("a", skills={"billing": 1, "account": 1}, primary=("billing", "account")),),
        contacts=(contact("bill", "billing", 10), contact("acct", "account", 5)),
    )
    assert _pairs(decide(snapshot, queues, at(20))) == [("acct", "a")]


def test_secondary_agents_see_a_contact_after_the_delay_and_after_primaries() -> None:
    queues = {"billing": queue("billing", delay=45)}
    backup = agent("backup", secondary=("billing",), idle=-500)
    state = RoutingState(queues)
    state.add_agent(backup)
    state.add_contact(contact("c", "billing", 0))
    assert state.route(at(44)).assignments == ()
    result = state.route(at(45))
    assert _pairs(result) == [("c", "backup")] and result.assignments[0].as_secondary
    # With a primary agent Ready too, the primary gets it even though the backup idled longer.
    snapshot = Snapshot(
        agents=(backup, agent("main", primary=("billing",), idle=0)),
        contacts=(contact("c", "billing", 0),),
    )
    assert _pairs(decide(snapshot, queues, at(100))) == [("c", "main")]


def test_longest_idle_or_most_skilled() -> None:
    agents = (
        agent("expert", skills={"billing": 5}, primary=("billing",), idle=50),
        agent("idle", skills={"billing": 2}, primary=("billing",), idle=10),
    )
    contacts = (contact("c", "billing", 60),)
    longest = {"billing": queue("billing")}
    skilled = {"billing": queue("billing", strategy=Strategy.MOST_SKILLED)}
    assert _pairs(decide(Snapshot(agents, contacts), longest, at(60))) == [("c", "idle")]
    assert _pairs(decide(Snapshot(agents, contacts), skilled, at(60))) == [("c", "expert")]


def test_a_timed_out_reservation_requeues_at_the_same_place() -> None:
    state = RoutingState({"billing": queue("billing")})
    state.add_agent(agent("a", primary=("billing",)))
    first = contact("first", "billing", 0)
    state.add_contact(first)
    assert _pairs(state.route(at(1))) == [("first", "a")]
    assert state.agent("a").state is AgentState.RESERVED
    state.add_contact(contact("second", "billing", 5))
    # The offer times out: the agent goes Not Ready and the contact comes back with its arrival.
    state.set_state("a", AgentState.NOT_READY_FOLLOW_UP)
    state.add_contact(first)
    assert state.ahead("second") == 1 and state.ahead("first") == 0
    state.add_agent(agent("b", primary=("billing",), idle=20))
    assert _pairs(state.route(at(30))) == [("first", "b")]


def test_a_queue_callback_keeps_the_callers_place() -> None:
    state = RoutingState({"billing": queue("billing")})
    state.add_contact(contact("walk_in", "billing", 100))
    # The caller took "call me back, keep my place" at 30 s; the callback comes back with its
    # original arrival and goes ahead of everyone who arrived after it.
    state.add_contact(contact("callback", "billing", 0))
    state.add_agent(agent("a", primary=("billing",), idle=150))
    assert _pairs(state.route(at(150))) == [("callback", "a")]


def test_state_keeps_counts_and_refuses_misuse() -> None:
    state = RoutingState({"billing": queue("billing")})
    state.add_agent(agent("a", primary=("billing",), state=AgentState.OFFLINE, idle=None))
    assert state.staffed("billing") == 0
    state.set_state("a", AgentState.NOT_READY_BREAK)
    assert state.staffed("billing") == 1
    state.add_contact(contact("c", "billing", 0))
    assert state.waiting("billing") == 1 and state.entry_facts("billing").waiting == 1
    with pytest.raises(ValueError, match="already waiting"):
        state.add_contact(contact("c", "billing", 0))
    with pytest.raises(ValueError, match="no queue"):
        state.add_contact(contact("d", "nowhere", 0))
    with pytest.raises(ValueError, match="skill"):
        state.add_contact(contact("d", "billing", 0, skill="account"))
    with pytest.raises(ValueError, match="idle_since"):
        state.set_state("a", AgentState.READY)
    with pytest.raises(ValueError, match="no queue"):
        state.move_contact("c", "nowhere")
    assert state.contact("c").queue == "billing"
    state.route(at(10))
    with pytest.raises(ValueError, match="earlier"):
        state.route(at(5))
    with pytest.raises(KeyError):
        state.remove_contact("zzz")
    assert state.remove_agent("a").id == "a" and state.staffed("billing") == 0


def test_reference_and_engine_agree_on_these_cases() -> None:
    queues = {"billing": STEPPED, "account": queue("account", skill="account", delay=0)}
    snapshot = Snapshot(
        agents=(
            agent(
                "x",
                skills={"billing": 2, "account": 3},
                primary=("account",),
                secondary=("billing",),
                idle=3,
            ),
            agent("y", skills={"billing": 4}, primary=("billing",), idle=7),
        ),
        contacts=(
            contact("c1", "billing", 0, priority=1),
            contact("c2", "billing", 15),
            contact("c3", "account", 40),
        ),
    )
    for now in (10, 30, 45, 61, 90):
        assert decide(snapshot, queues, at(now)) == decide_reference(snapshot, queues, at(now))
