"""RoutingState: the incremental routing engine. Changes go in as they happen (a contact arrives,
leaves or moves; an agent changes state), and `route(now)` returns what to do now: contacts to
offer to agents, and overflow rules that fired. Pure: no I/O and no clock; time is an argument.

The decision is the rule written out in `reference` (tested equal by a property test); the
engine gets it from indexes (`pools`) and only looks at what changed (`matching`).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType

from caredesk.policy.vocabulary import AgentState
from caredesk.routing.config_queues import QueueConfig
from caredesk.routing.matching import match
from caredesk.routing.model import (
    Overflow,
    RoutingAgent,
    RoutingResult,
    Snapshot,
    WaitingContact,
    from_micros,
    micros,
)
from caredesk.routing.overflow import EntryFacts
from caredesk.routing.pools import AgentIndex, AgentRecord, ContactIndex, ContactRecord
from caredesk.routing.rules import QueueRules, compile_queues

_ELIGIBILITY = -1
_READY = AgentState.READY
_OFFLINE = AgentState.OFFLINE


class RoutingState:
    def __init__(self, queues: Mapping[str, QueueConfig]) -> None:
        self.queues = queues
        self._rules: dict[str, QueueRules] = dict(compile_queues(queues))
        self._contacts: dict[str, ContactRecord] = {}
        self._agents: dict[str, AgentRecord] = {}
        self._contact_index = ContactIndex(self._contacts)
        self._agent_index = AgentIndex(self._agents)
        # (instant, sequence, contact id, token, what): what is _ELIGIBILITY (a step relaxes or
        # the secondary delay passes) or the index of a waited_over overflow rule.
        self._timers: list[tuple[int, int, str, int, int]] = []
        self._sequence = itertools.count()
        self._tokens = itertools.count(1)
        self._fresh_contacts: dict[str, None] = {}
        self._fresh_agents: dict[str, None] = {}
        self._staffed: dict[str, int] = {}
        self._last_now: int | None = None

    @classmethod
    def from_snapshot(cls, snapshot: Snapshot, queues: Mapping[str, QueueConfig]) -> RoutingState:
        state = cls(queues)
        for agent in snapshot.agents:
            state.add_agent(agent)
        for contact in snapshot.contacts:
            state.add_contact(contact)
        return state

    # Contacts -------------------------------------------------------------------------------

    def add_contact(self, contact: WaitingContact) -> None:
        """A contact joins its queue at the place its arrival time gives it."""
        if contact.id in self._contacts:
            raise ValueError(f"contact {contact.id!r} is already waiting")
        rules = self._rules.get(contact.queue)
        if rules is None:
            raise ValueError(f"no queue {contact.queue!r}")
        skill = contact.skill or rules.skill
        if skill not in rules.skills:
            raise ValueError(f"queue {contact.queue!r} does not take skill {skill!r}")
        arrival = micros(contact.arrived_at)
        record = ContactRecord(
            id=contact.id,
            queue=contact.queue,
            arrival=arrival,
            priority=contact.priority,
            skill=skill,
            key=arrival - contact.priority * rules.offset,
            token=next(self._tokens),
            rules=rules,
            overflowed=contact.overflowed,
        )
        self._contacts[contact.id] = record
        self._contact_index.add(record)
        self._fresh_contacts[contact.id] = None
        timers = self._timers
        sequence = self._sequence
        for after, _ in rules.steps[1:]:
            heapq.heappush(
                timers, (arrival + after, next(sequence), record.id, record.token, _ELIGIBILITY)
            )
        if rules.delay:
            heapq.heappush(
                timers,
                (arrival + rules.delay, next(sequence), record.id, record.token, _ELIGIBILITY),
            )
        for index, rule in enumerate(rules.waited_over):
            if rule.rule not in record.overflowed:
                heapq.heappush(
                    timers, (arrival + rule.limit, next(sequence), record.id, record.token, index)
                )

    def _as_contact(self, record: ContactRecord) -> WaitingContact:
        return WaitingContact(
            id=record.id,
            queue=record.queue,
            arrived_at=from_micros(record.arrival),
            priority=record.priority,
            skill=record.skill,
            overflowed=record.overflowed,
        )

    def remove_contact(self, contact_id: str) -> WaitingContact:
        """The contact leaves the queue (answered elsewhere, abandoned, called back...)."""
        record = self._contacts.pop(contact_id, None)
        if record is None:
            raise KeyError(f"no waiting contact {contact_id!r}")
        self._contact_index.discard(record)
        self._fresh_contacts.pop(contact_id, None)
        return self._as_contact(record)

    def move_contact(self, contact_id: str, queue: str, *, skill: str | None = None) -> None:
        """Overflow to another queue, keeping the caller's place (arrival) and priority."""
        old = self.remove_contact(contact_id)
        moved = WaitingContact(
            id=old.id,
            queue=queue,
            arrived_at=old.arrived_at,
            priority=old.priority,
            skill=skill,
            overflowed=old.overflowed,
        )
        try:
            self.add_contact(moved)
        except ValueError:
            self.add_contact(old)
            raise

    def contact(self, contact_id: str) -> WaitingContact:
        record = self._contacts.get(contact_id)
        if record is None:
            raise KeyError(f"no waiting contact {contact_id!r}")
        return self._as_contact(record)

    def waiting(self, queue: str) -> int:
        return self._contact_index.waiting.get(queue, 0)

    def ahead(self, contact_id: str) -> int:
        """How many contacts of the same queue come before this one (linear in the queue)."""
        record = self._contacts.get(contact_id)
        if record is None:
            raise KeyError(f"no waiting contact {contact_id!r}")
        mine = (record.key, record.id)
        contacts = self._contacts
        count = 0
        for by_priority in self._contact_index.buckets.get(record.queue, {}).values():
            for heap in by_priority.values():
                for _, other_id, token in heap.items:
                    other = contacts.get(other_id)
                    if other is not None and other.token == token and (other.key, other_id) < mine:
                        count += 1
        return count

    # Agents ---------------------------------------------------------------------------------

    def _count_staffed(self, agent: AgentRecord, change: int) -> None:
        if agent.state is not _OFFLINE:
            for queue in agent.primary:
                self._staffed[queue] = self._staffed.get(queue, 0) + change

    def add_agent(self, agent: RoutingAgent) -> None:
        if agent.id in self._agents:
            raise ValueError(f"agent {agent.id!r} is already known")
        for queue in agent.primary | agent.secondary:
            if queue not in self._rules:
                raise ValueError(f"no queue {queue!r}")
        record = AgentRecord(
            id=agent.id,
            state=agent.state,
            skills=dict(agent.skills),
            primary=tuple(sorted(agent.primary)),
            secondary=tuple(sorted(agent.secondary)),
            idle=None if agent.idle_since is None else micros(agent.idle_since),
        )
        self._agents[agent.id] = record
        self._count_staffed(record, 1)
        if record.state is _READY:
            self._agent_index.enter(record, self._rules)
            self._fresh_agents[record.id] = None

    def remove_agent(self, agent_id: str) -> RoutingAgent:
        record = self._agents.get(agent_id)
        if record is None:
            raise KeyError(f"no agent {agent_id!r}")
        snapshot = self._as_agent(record)
        self._agent_index.leave(record)
        self._count_staffed(record, -1)
        del self._agents[agent_id]
        self._fresh_agents.pop(agent_id, None)
        return snapshot

    def update_agent(self, agent: RoutingAgent) -> None:
        """New skills, levels or queues (or state) for a known agent."""
        old = self.remove_agent(agent.id)
        try:
            self.add_agent(agent)
        except ValueError:
            self.add_agent(old)
            raise

    def set_state(
        self, agent_id: str, state: AgentState, *, idle_since: datetime | None = None
    ) -> None:
        """The agent's state changed; Ready needs `idle_since` (when the agent became idle)."""
        record = self._agents.get(agent_id)
        if record is None:
            raise KeyError(f"no agent {agent_id!r}")
        if state is _READY and idle_since is None:
            raise ValueError("a Ready agent needs idle_since")
        self._agent_index.leave(record)
        self._count_staffed(record, -1)
        record.state = state
        if idle_since is not None:
            record.idle = micros(idle_since)
        self._count_staffed(record, 1)
        if state is _READY:
            self._agent_index.enter(record, self._rules)
            self._fresh_agents[agent_id] = None

    def _as_agent(self, record: AgentRecord) -> RoutingAgent:
        return RoutingAgent(
            id=record.id,
            state=record.state,
            skills=MappingProxyType(dict(record.skills)),
            primary=frozenset(record.primary),
            secondary=frozenset(record.secondary),
            idle_since=None if record.idle is None else from_micros(record.idle),
        )

    def agent(self, agent_id: str) -> RoutingAgent:
        record = self._agents.get(agent_id)
        if record is None:
            raise KeyError(f"no agent {agent_id!r}")
        return self._as_agent(record)

    def staffed(self, queue: str) -> int:
        """Agents logged in (not Offline) with the queue as primary."""
        return self._staffed.get(queue, 0)

    def entry_facts(self, queue: str, estimated_wait_seconds: float | None = None) -> EntryFacts:
        """What the entry overflow rules look at, for a contact about to join `queue`."""
        if queue not in self._rules:
            raise KeyError(f"no queue {queue!r}")
        return EntryFacts(self.waiting(queue), self.staffed(queue), estimated_wait_seconds)

    # Decisions ------------------------------------------------------------------------------

    def route(self, now: datetime) -> RoutingResult:
        """Offers to make and overflow rules due at `now`; offered agents become Reserved and
        offered contacts leave the queue (re-add one whose reservation times out: its arrival
        keeps its place)."""
        now_us = micros(now)
        if self._last_now is not None and now_us < self._last_now:
            raise ValueError("route() was called with an earlier instant than before")
        self._last_now = now_us
        contacts = self._contacts
        due: list[tuple[ContactRecord, int]] = []
        timers = self._timers
        while timers and timers[0][0] <= now_us:
            _, _, contact_id, token, what = heapq.heappop(timers)
            record = contacts.get(contact_id)
            if record is None or record.token != token:
                continue
            if what == _ELIGIBILITY:
                self._fresh_contacts[contact_id] = None
            else:
                due.append((record, what))
        assignments = match(
            now_us,
            self._fresh_contacts,
            self._fresh_agents,
            self._contact_index,
            self._agent_index,
            self._rules,
        )
        self._fresh_contacts = {}
        self._fresh_agents = {}
        overflows: list[Overflow] = []
        due.sort(key=lambda item: (item[0].key, item[0].id, item[1]))
        for record, index in due:
            if contacts.get(record.id) is not record:
                continue
            rule = record.rules.waited_over[index]
            if rule.rule in record.overflowed:
                continue
            record.overflowed = record.overflowed | {rule.rule}
            overflows.append(Overflow(record.id, record.queue, rule.name, rule.action, rule.target))
        return RoutingResult(tuple(assignments), tuple(overflows))

    def next_change_at(self) -> datetime | None:
        """The next instant a decision may differ without any other change (a skill step
        relaxes, a secondary delay passes, an overflow rule comes due), or None."""
        timers = self._timers
        while timers:
            _, _, contact_id, token, _ = timers[0]
            record = self._contacts.get(contact_id)
            if record is not None and record.token == token:
                return from_micros(timers[0][0])
            heapq.heappop(timers)
        return None

    def snapshot(self) -> Snapshot:
        return Snapshot(
            agents=tuple(self._as_agent(record) for record in self._agents.values()),
            contacts=tuple(self._as_contact(record) for record in self._contacts.values()),
        )
