"""The routing rule (see `reference`) run over the indexes, touching only what changed.

Between two decisions no waiting contact may be taken by any Ready agent (the engine leaves it
so). What can change that: a new or re-queued contact, an agent turning Ready, or time passing a
contact's next skill step or its queue's secondary delay (a timer). So a decision only has to
look at those contacts ("fresh" contacts) and those agents ("fresh" agents): the first contact
in order any agent may take is either the first fresh contact with an eligible agent, or the
best contact of some fresh agent. Taking contacts and agents away never makes a new pair
possible, so each fresh contact is tried once and each fresh agent's best is only recomputed
when the contact it pointed at is gone.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping

from caredesk.policy.vocabulary import AgentState
from caredesk.routing.model import Assignment
from caredesk.routing.pools import AgentIndex, AgentRecord, ContactIndex, ContactRecord
from caredesk.routing.rules import QueueRules

_RESERVED = AgentState.RESERVED


def best_agent(
    contact: ContactRecord, now: int, agents: AgentIndex
) -> tuple[AgentRecord, int] | None:
    """The agent the contact goes to, with its role (0 primary, 1 secondary), or None."""
    rules = contact.rules
    waited = now - contact.arrival
    needed = rules.min_level(waited)
    queue = contact.queue
    head = agents.head
    for role in (0, 1):
        if role and waited < rules.delay:
            return None
        best = None
        levels = agents.skilled.get((queue, role, contact.skill))
        if rules.most_skilled:
            if levels:
                for level in sorted(levels, reverse=True):
                    if level < needed:
                        break
                    best = head(levels[level])
                    if best is not None:
                        break
        elif levels and needed > 0:
            for level, heap in levels.items():
                if level >= needed:
                    entry = head(heap)
                    if entry is not None and (best is None or entry < best):
                        best = entry
        if best is None and needed == 0:
            everyone = agents.everyone.get((queue, role))
            if everyone is not None:
                best = head(everyone)
        if best is not None:
            return agents.agents[best[1]], role
    return None


def best_contact(
    agent: AgentRecord, now: int, contacts: ContactIndex, rules: Mapping[str, QueueRules]
) -> ContactRecord | None:
    """The first contact in order across the agent's queues that the agent may take."""
    best: ContactRecord | None = None
    best_key = 0
    buckets = contacts.buckets
    head = contacts.head
    skills = agent.skills
    for role, queues in ((0, agent.primary), (1, agent.secondary)):
        for queue in queues:
            by_skill = buckets.get(queue)
            if not by_skill:
                continue
            queue_rules = rules[queue]
            relax = queue_rules.relax
            offset = queue_rules.offset
            latest_secondary = now - queue_rules.delay
            for skill, by_priority in by_skill.items():
                after = relax[skills.get(skill, 0)]
                if after is None:
                    continue
                cutoff = now - after
                if role and cutoff > latest_secondary:
                    cutoff = latest_secondary
                for priority, heap in by_priority.items():
                    entry = head(heap)
                    if entry is None or entry[0] > cutoff:
                        continue
                    key = entry[0] - priority * offset
                    if best is None or key < best_key or (key == best_key and entry[1] < best.id):
                        best = contacts.contacts[entry[1]]
                        best_key = key
    return best


def _assign(
    contact: ContactRecord,
    agent: AgentRecord,
    role: int,
    now: int,
    contacts: ContactIndex,
    agents: AgentIndex,
) -> Assignment:
    del contacts.contacts[contact.id]
    contacts.discard(contact)
    agents.leave(agent)
    agent.state = _RESERVED
    waited = now - contact.arrival
    return Assignment(
        contact_id=contact.id,
        agent_id=agent.id,
        queue=contact.queue,
        as_secondary=role == 1,
        waited_seconds=waited / 1e6,
        effective_wait_seconds=(now - contact.key) / 1e6,
        min_level=contact.rules.min_level(waited),
    )


def match(
    now: int,
    fresh_contacts: Iterable[str],
    fresh_agents: Iterable[str],
    contacts: ContactIndex,
    agents: AgentIndex,
    rules: Mapping[str, QueueRules],
) -> list[Assignment]:
    records = contacts.contacts
    queued = sorted(
        (record for cid in fresh_contacts if (record := records.get(cid)) is not None),
        key=lambda record: (record.key, record.id),
    )
    pointers: list[tuple[int, str, str]] = []
    for aid in fresh_agents:
        agent = agents.agents.get(aid)
        if agent is not None and agent.ready:
            found = best_contact(agent, now, contacts, rules)
            if found is not None:
                pointers.append((found.key, found.id, aid))
    heapq.heapify(pointers)
    made: list[Assignment] = []
    position = 0
    while True:
        queued_pick: tuple[ContactRecord, tuple[AgentRecord, int]] | None = None
        while position < len(queued):
            record = queued[position]
            if records.get(record.id) is record:
                pick = best_agent(record, now, agents)
                if pick is not None:
                    queued_pick = (record, pick)
                    break
            position += 1
        pointed: ContactRecord | None = None
        while pointers:
            _, cid, aid = pointers[0]
            agent = agents.agents[aid]
            if not agent.ready:
                heapq.heappop(pointers)
                continue
            target = records.get(cid)
            if target is not None:
                pointed = target
                break
            heapq.heappop(pointers)
            found = best_contact(agent, now, contacts, rules)
            if found is not None:
                heapq.heappush(pointers, (found.key, found.id, aid))
        if pointed is not None and (
            queued_pick is None
            or (pointed.key, pointed.id) < (queued_pick[0].key, queued_pick[0].id)
        ):
            pick = best_agent(pointed, now, agents)
            assert pick is not None, "the pointing agent may take it"
            made.append(_assign(pointed, pick[0], pick[1], now, contacts, agents))
        elif queued_pick is not None:
            record, (agent, role) = queued_pick
            made.append(_assign(record, agent, role, now, contacts, agents))
        else:
            return made
