"""The indexed routing engine decides exactly what the plain reference decides.

(a) on random snapshots, decide() (a RoutingState loaded at once) equals decide_reference();
(b) over random sequences of changes (contacts arriving, leaving, moving; agents changing state;
    time passing across skill steps, secondary delays and overflow limits), every route() of one
    long-lived RoutingState equals the reference on the same situation, and the engine's own
    snapshot stays the situation.
Times sit on a whole-second grid so waits often land exactly on a step's boundary.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caredesk.policy.vocabulary import AgentState
from caredesk.routing.config_queues import (
    AfterHours,
    AfterHoursAction,
    OverflowActionKind,
    OverflowCondition,
    OverflowRule,
    QueueConfig,
    SkillStep,
    Strategy,
)
from caredesk.routing.decide import decide
from caredesk.routing.hours import ALWAYS_OPEN
from caredesk.routing.model import (
    RoutingAgent,
    RoutingResult,
    Snapshot,
    WaitingContact,
    micros,
    seconds_to_micros,
)
from caredesk.routing.reference import decide_reference
from caredesk.routing.service_level import ServiceLevelDefinition
from caredesk.routing.state import RoutingState

T0 = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
QUEUES = ("q0", "q1", "q2")
SKILLS = ("s0", "s1", "s2")
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def steps(draw: st.DrawFn) -> tuple[SkillStep, ...]:
    count = draw(st.integers(1, 3))
    levels = sorted(draw(st.sets(st.integers(0, 4), min_size=count, max_size=count)), reverse=True)
    afters = [0, *sorted(draw(st.sets(st.integers(1, 12), min_size=count - 1, max_size=count - 1)))]
    return tuple(SkillStep(after * 5.0, level) for after, level in zip(afters, levels, strict=True))


@st.composite
def queue_configs(draw: st.DrawFn) -> dict[str, QueueConfig]:
    configs = {}
    for name in QUEUES:
        skill = draw(st.sampled_from(SKILLS))
        extra = draw(st.sets(st.sampled_from(SKILLS), max_size=2))
        rules = []
        for index in range(draw(st.integers(0, 2))):
            target = draw(st.sampled_from([q for q in QUEUES if q != name] + [None]))
            rules.append(
                OverflowRule(
                    name=f"r{index}",
                    condition=OverflowCondition.WAITED_OVER,
                    limit=draw(st.integers(0, 15)) * 5.0,
                    action=OverflowActionKind.QUEUE if target else OverflowActionKind.VOICEMAIL,
                    queue=target,
                    message=None if target else MappingProxyType({"en": "x"}),
                )
            )
        configs[name] = QueueConfig(
            name=name,
            title=name,
            skill=skill,
            skills=frozenset({skill, *extra}),
            steps=draw(steps()),
            priority_offset_seconds=draw(st.sampled_from([0.0, 10.0, 60.0])),
            secondary_delay_seconds=draw(st.sampled_from([0.0, 15.0, 45.0])),
            strategy=draw(st.sampled_from(list(Strategy))),
            hours_name="always",
            hours=ALWAYS_OPEN,
            after_hours=AfterHours(AfterHoursAction.MESSAGE, MappingProxyType({"en": "x"})),
            callback_offer_seconds=None,
            announce_every_seconds=60,
            service_level=ServiceLevelDefinition(),
            overflow=tuple(rules),
        )
    return configs


STATES = [AgentState.READY, AgentState.READY, AgentState.TALKING, AgentState.OFFLINE]
# Built once: building strategies inside every draw dominates the run time.
SERVED = st.lists(st.sampled_from(QUEUES), unique=True, min_size=1, max_size=3)
AGENT_STATES = st.sampled_from(STATES)
AGENT_SKILLS = st.dictionaries(st.sampled_from(SKILLS), st.integers(1, 5), min_size=1, max_size=3)
PRIORITIES = st.sampled_from([0, 0, 0, 1, 2, 5])
QUEUE_NAMES = st.sampled_from(QUEUES)


@st.composite
def agents(draw: st.DrawFn, index: int, now_seconds: int) -> RoutingAgent:
    served = draw(SERVED)
    split = draw(st.integers(0, len(served)))
    state = draw(AGENT_STATES)
    idle = T0 + timedelta(seconds=draw(st.integers(0, max(0, now_seconds))))
    skills = draw(AGENT_SKILLS)
    return RoutingAgent(
        id=f"a{index}",
        state=state,
        skills=MappingProxyType(skills),
        primary=frozenset(served[:split]),
        secondary=frozenset(served[split:]),
        idle_since=idle if state is AgentState.READY else None,
    )


@st.composite
def contacts(
    draw: st.DrawFn, index: int, now_seconds: int, configs: dict[str, QueueConfig]
) -> WaitingContact:
    queue = draw(QUEUE_NAMES)
    skill = draw(st.none() | st.sampled_from(sorted(configs[queue].skills)))
    return WaitingContact(
        id=f"c{index:02d}",
        queue=queue,
        arrived_at=T0 + timedelta(seconds=draw(st.integers(0, now_seconds))),
        priority=draw(PRIORITIES),
        skill=skill,
    )


def _same(engine: RoutingResult, reference: RoutingResult) -> None:
    assert engine.assignments == reference.assignments
    assert engine.overflows == reference.overflows


@SETTINGS
@given(data=st.data(), configs=queue_configs(), now_seconds=st.integers(0, 90))
def test_decide_equals_the_reference_on_snapshots(
    data: st.DataObject, configs: dict[str, QueueConfig], now_seconds: int
) -> None:
    agent_count = data.draw(st.integers(1, 7))
    contact_count = data.draw(st.integers(1, 10))
    snapshot = Snapshot(
        agents=tuple(data.draw(agents(i, now_seconds)) for i in range(agent_count)),
        contacts=tuple(data.draw(contacts(i, now_seconds, configs)) for i in range(contact_count)),
    )
    now = T0 + timedelta(seconds=now_seconds)
    _same(decide(snapshot, configs, now), decide_reference(snapshot, configs, now))


class _Model:
    """The situation as plain dictionaries, changed the way a caller would change it."""

    def __init__(self) -> None:
        self.agents: dict[str, RoutingAgent] = {}
        self.contacts: dict[str, WaitingContact] = {}

    def snapshot(self) -> Snapshot:
        return Snapshot(tuple(self.agents.values()), tuple(self.contacts.values()))

    def apply(self, result: RoutingResult) -> None:
        for made in result.assignments:
            del self.contacts[made.contact_id]
            agent = self.agents[made.agent_id]
            self.agents[made.agent_id] = replace(agent, state=AgentState.RESERVED, idle_since=None)
        for fired in result.overflows:
            contact = self.contacts[fired.contact_id]
            marked = contact.overflowed | {f"{fired.queue}.{fired.rule}"}
            self.contacts[fired.contact_id] = replace(contact, overflowed=marked)


@settings(SETTINGS, max_examples=40)
@given(data=st.data(), configs=queue_configs())
def test_a_long_lived_state_equals_the_reference_at_every_decision(
    data: st.DataObject, configs: dict[str, QueueConfig]
) -> None:
    state = RoutingState(configs)
    model = _Model()
    clock = 0
    next_contact = 0
    for index in range(data.draw(st.integers(0, 5))):
        agent = data.draw(agents(index, 0))
        state.add_agent(agent)
        model.agents[agent.id] = agent
    for _ in range(data.draw(st.integers(1, 30))):
        move = data.draw(st.sampled_from(["arrive", "arrive", "leave", "agent", "move", "time"]))
        now = T0 + timedelta(seconds=clock)
        if move == "arrive":
            contact = data.draw(contacts(next_contact, clock, configs))
            contact = replace(
                contact, arrived_at=now - timedelta(seconds=data.draw(st.integers(0, 3)))
            )
            next_contact += 1
            state.add_contact(contact)
            model.contacts[contact.id] = contact
        elif move == "leave" and model.contacts:
            gone = data.draw(st.sampled_from(sorted(model.contacts)))
            assert state.remove_contact(gone).arrived_at == model.contacts.pop(gone).arrived_at
        elif move == "move" and model.contacts:
            moved = data.draw(st.sampled_from(sorted(model.contacts)))
            target = data.draw(st.sampled_from(QUEUES))
            state.move_contact(moved, target)
            model.contacts[moved] = replace(model.contacts[moved], queue=target, skill=None)
        elif move == "agent" and model.agents:
            who = data.draw(st.sampled_from(sorted(model.agents)))
            new_state = data.draw(st.sampled_from(STATES))
            idle = now if new_state is AgentState.READY else None
            state.set_state(who, new_state, idle_since=idle)
            model.agents[who] = replace(model.agents[who], state=new_state, idle_since=idle)
        elif move == "time":
            clock += data.draw(st.integers(1, 40))
            now = T0 + timedelta(seconds=clock)
        result = state.route(now)
        _same(result, decide_reference(model.snapshot(), configs, now))
        model.apply(result)
        engine_view = state.snapshot()
        assert {c.id: (c.queue, c.arrived_at, c.overflowed) for c in engine_view.contacts} == {
            c.id: (c.queue, c.arrived_at, c.overflowed) for c in model.contacts.values()
        }
        assert {a.id: a.state for a in engine_view.agents} == {
            a.id: a.state for a in model.agents.values()
        }

        def place(c: WaitingContact) -> tuple[int, str]:
            offset = seconds_to_micros(configs[c.queue].priority_offset_seconds)
            return micros(c.arrived_at) - c.priority * offset, c.id

        for waiting in model.contacts.values():
            expected = sum(
                1
                for other in model.contacts.values()
                if other.queue == waiting.queue and place(other) < place(waiting)
            )
            assert state.ahead(waiting.id) == expected
