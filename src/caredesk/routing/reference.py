"""The routing decision written as plainly as possible, to test the indexed engine against.

The rule, in full:
  1. A contact's order is its effective wait: time waited plus priority points times the queue's
     offset (earlier effective arrival first; ties by contact id). Priority never makes a class.
  2. An agent may take a contact when the agent is Ready, serves the contact's queue as primary
     (or as secondary once the contact has waited the queue's secondary delay), and has at least
     the level the queue's current step asks in the contact's skill (0 = anyone in the queue);
     steps relax with time actually waited, and the contact keeps its order throughout.
  3. Repeatedly, the first contact in order that any agent may take goes to its best agent:
     primary before secondary, then by the queue's strategy (longest idle; or most skilled, then
     longest idle), ties by agent id. An agent serving several queues therefore gets the
     longest-waiting contact it may take across them.
  4. Then, for every contact still waiting in order, each "waited_over" overflow rule of its queue
     that is due and not yet applied fires, in the order the rules are written.
Quadratic, and meant to be: it is the specification.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from caredesk.policy.vocabulary import AgentState
from caredesk.routing.config_queues import OverflowCondition, QueueConfig, Strategy
from caredesk.routing.model import (
    Assignment,
    Overflow,
    RoutingAgent,
    RoutingResult,
    Snapshot,
    WaitingContact,
    micros,
    seconds_to_micros,
)


def _min_level(queue: QueueConfig, waited: int) -> int:
    level = queue.steps[0].min_level
    for step in queue.steps:
        if waited >= seconds_to_micros(step.after_seconds):
            level = step.min_level
    return level


def _key(contact: WaitingContact, queue: QueueConfig) -> tuple[int, str]:
    offset = seconds_to_micros(queue.priority_offset_seconds)
    return micros(contact.arrived_at) - contact.priority * offset, contact.id


def _role(agent: RoutingAgent, contact: WaitingContact, queue: QueueConfig, now: int) -> int | None:
    """0 primary, 1 secondary, None when the agent may not take the contact."""
    if agent.state is not AgentState.READY:
        return None
    waited = now - micros(contact.arrived_at)
    if contact.queue in agent.primary:
        role = 0
    elif contact.queue in agent.secondary:
        if waited < seconds_to_micros(queue.secondary_delay_seconds):
            return None
        role = 1
    else:
        return None
    skill = contact.skill or queue.skill
    if agent.skills.get(skill, 0) < _min_level(queue, waited):
        return None
    return role


def decide_reference(
    snapshot: Snapshot, queues: Mapping[str, QueueConfig], now: datetime
) -> RoutingResult:
    now_us = micros(now)
    contacts = sorted(snapshot.contacts, key=lambda c: _key(c, queues[c.queue]))
    free = {agent.id: agent for agent in snapshot.agents if agent.state is AgentState.READY}
    assignments: list[Assignment] = []
    while True:
        chosen: tuple[WaitingContact, RoutingAgent, int] | None = None
        for contact in contacts:
            queue = queues[contact.queue]
            skill = contact.skill or queue.skill
            candidates = []
            for agent in free.values():
                role = _role(agent, contact, queue, now_us)
                if role is None:
                    continue
                assert agent.idle_since is not None
                by_level = (
                    -agent.skills.get(skill, 0) if queue.strategy is Strategy.MOST_SKILLED else 0
                )
                candidates.append(
                    ((role, by_level, micros(agent.idle_since), agent.id), agent, role)
                )
            if candidates:
                _, agent, role = min(candidates, key=lambda item: item[0])
                chosen = (contact, agent, role)
                break
        if chosen is None:
            break
        contact, agent, role = chosen
        queue = queues[contact.queue]
        waited = now_us - micros(contact.arrived_at)
        assignments.append(
            Assignment(
                contact_id=contact.id,
                agent_id=agent.id,
                queue=contact.queue,
                as_secondary=role == 1,
                waited_seconds=waited / 1e6,
                effective_wait_seconds=(now_us - _key(contact, queue)[0]) / 1e6,
                min_level=_min_level(queue, waited),
            )
        )
        contacts.remove(contact)
        del free[agent.id]
    overflows: list[Overflow] = []
    for contact in contacts:
        queue = queues[contact.queue]
        waited = now_us - micros(contact.arrived_at)
        for rule in queue.overflow:
            qualified = f"{queue.name}.{rule.name}"
            if (
                rule.condition is OverflowCondition.WAITED_OVER
                and qualified not in contact.overflowed
                and waited >= seconds_to_micros(rule.limit)
            ):
                overflows.append(
                    Overflow(contact.id, queue.name, rule.name, rule.action, rule.queue)
                )
    return RoutingResult(tuple(assignments), tuple(overflows))
