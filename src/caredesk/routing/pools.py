"""The routing engine's indexes: waiting contacts and Ready agents, each in small heaps.

Contacts sit in one heap per (queue, skill, priority point) ordered by arrival: within one such
heap the earliest arrival is both first in order and the first any agent may take (steps relax
with time waited), so its head answers "may this agent take anything here?" in O(1).
Ready agents sit in heaps per (queue, primary/secondary, skill, level) and per (queue,
primary/secondary) for "anyone", ordered by idle-since. Removal is lazy: an entry carries a
token (contacts) or epoch (agents) that stops matching once the record changes, and a heap is
rebuilt when stale entries outnumber live ones.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from caredesk.policy.vocabulary import AgentState
from caredesk.routing.rules import QueueRules

ContactEntry = tuple[int, str, int]
"""(arrival, contact id, token)"""
AgentEntry = tuple[int, str, int]
"""(idle since, agent id, epoch)"""


@dataclass(slots=True, eq=False)
class ContactRecord:
    id: str
    queue: str
    arrival: int
    priority: int
    skill: str
    key: int
    """arrival - priority * offset: smaller waits longer."""
    token: int
    rules: QueueRules
    overflowed: frozenset[str]
    bucket: ContactHeap | None = None


@dataclass(slots=True, eq=False)
class AgentRecord:
    id: str
    state: AgentState
    skills: dict[str, int]
    primary: tuple[str, ...]
    secondary: tuple[str, ...]
    idle: int | None
    epoch: int = 0
    ready: bool = False
    pools: list[AgentHeap] = field(default_factory=list)


@dataclass(slots=True, eq=False)
class ContactHeap:
    queue: str
    skill: str
    priority: int
    items: list[ContactEntry] = field(default_factory=list)
    live: int = 0


@dataclass(slots=True, eq=False)
class AgentHeap:
    items: list[AgentEntry] = field(default_factory=list)
    live: int = 0
    owner: dict[Any, AgentHeap] | None = None
    key: Any = None


class ContactIndex:
    """queue -> skill -> priority -> heap of waiting contacts by arrival."""

    __slots__ = ("buckets", "contacts", "waiting")

    def __init__(self, contacts: dict[str, ContactRecord]) -> None:
        self.buckets: dict[str, dict[str, dict[int, ContactHeap]]] = {}
        self.contacts = contacts
        self.waiting: dict[str, int] = {}

    def add(self, record: ContactRecord) -> None:
        by_skill = self.buckets.setdefault(record.queue, {})
        by_priority = by_skill.setdefault(record.skill, {})
        heap = by_priority.get(record.priority)
        if heap is None:
            heap = by_priority[record.priority] = ContactHeap(
                record.queue, record.skill, record.priority
            )
        heapq.heappush(heap.items, (record.arrival, record.id, record.token))
        heap.live += 1
        record.bucket = heap
        self.waiting[record.queue] = self.waiting.get(record.queue, 0) + 1

    def discard(self, record: ContactRecord) -> None:
        """After the record left self.contacts (or got a new token)."""
        heap = record.bucket
        assert heap is not None
        record.bucket = None
        heap.live -= 1
        self.waiting[record.queue] -= 1
        if heap.live == 0:
            by_skill = self.buckets[heap.queue]
            by_priority = by_skill[heap.skill]
            del by_priority[heap.priority]
            if not by_priority:
                del by_skill[heap.skill]
                if not by_skill:
                    del self.buckets[heap.queue]
        elif len(heap.items) > 2 * heap.live + 32:
            contacts = self.contacts
            heap.items = [
                entry
                for entry in heap.items
                if (found := contacts.get(entry[1])) is not None and found.token == entry[2]
            ]
            heapq.heapify(heap.items)

    def head(self, heap: ContactHeap) -> ContactEntry | None:
        items = heap.items
        contacts = self.contacts
        while items:
            entry = items[0]
            found = contacts.get(entry[1])
            if found is not None and found.token == entry[2]:
                return entry
            heapq.heappop(items)
        return None


class AgentIndex:
    """Ready agents by (queue, role, skill) -> level -> heap, and by (queue, role) for anyone."""

    __slots__ = ("agents", "everyone", "skilled")

    def __init__(self, agents: dict[str, AgentRecord]) -> None:
        self.agents = agents
        self.skilled: dict[tuple[str, int, str], dict[int, AgentHeap]] = {}
        self.everyone: dict[tuple[str, int], AgentHeap] = {}

    def _push(self, owner: dict[Any, AgentHeap], key: Any, entry: AgentEntry) -> AgentHeap:
        heap = owner.get(key)
        if heap is None:
            heap = owner[key] = AgentHeap(owner=owner, key=key)
        heapq.heappush(heap.items, entry)
        heap.live += 1
        return heap

    def enter(self, agent: AgentRecord, rules: Mapping[str, QueueRules]) -> None:
        assert agent.idle is not None and not agent.ready
        agent.epoch += 1
        agent.ready = True
        entry = (agent.idle, agent.id, agent.epoch)
        pools = agent.pools
        for role, queues in ((0, agent.primary), (1, agent.secondary)):
            for queue in queues:
                pools.append(self._push(self.everyone, (queue, role), entry))
                wanted = rules[queue].skills
                for skill, level in agent.skills.items():
                    if skill in wanted:
                        levels = self.skilled.setdefault((queue, role, skill), {})
                        pools.append(self._push(levels, level, entry))

    def leave(self, agent: AgentRecord) -> None:
        if not agent.ready:
            return
        agent.ready = False
        agents = self.agents
        for heap in agent.pools:
            heap.live -= 1
            if heap.live == 0:
                owner = heap.owner
                assert owner is not None
                if owner.get(heap.key) is heap:
                    del owner[heap.key]
            elif len(heap.items) > 2 * heap.live + 32:
                heap.items = [
                    item
                    for item in heap.items
                    if (found := agents.get(item[1])) is not None
                    and found.ready
                    and found.epoch == item[2]
                ]
                heapq.heapify(heap.items)
        agent.pools = []

    def head(self, heap: AgentHeap) -> AgentEntry | None:
        items = heap.items
        agents = self.agents
        while items:
            entry = items[0]
            found = agents.get(entry[1])
            if found is not None and found.ready and found.epoch == entry[2]:
                return entry
            heapq.heappop(items)
        return None
