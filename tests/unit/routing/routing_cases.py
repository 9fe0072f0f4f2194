"""Small builders for routing decision tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from caredesk.policy.vocabulary import AgentState
from caredesk.routing.config_queues import (
    AfterHours,
    AfterHoursAction,
    OverflowRule,
    QueueConfig,
    SkillStep,
    Strategy,
)
from caredesk.routing.hours import ALWAYS_OPEN
from caredesk.routing.model import RoutingAgent, WaitingContact
from caredesk.routing.service_level import ServiceLevelDefinition

T0 = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def queue(
    name: str,
    skill: str = "billing",
    *,
    steps: tuple[tuple[float, int], ...] = ((0, 1),),
    offset: float = 60,
    delay: float = 30,
    strategy: Strategy = Strategy.LONGEST_IDLE,
    overflow: tuple[OverflowRule, ...] = (),
    skills: frozenset[str] = frozenset(),
) -> QueueConfig:
    return QueueConfig(
        name=name,
        title=name,
        skill=skill,
        skills=frozenset({skill}) | skills,
        steps=tuple(SkillStep(after, level) for after, level in steps),
        priority_offset_seconds=offset,
        secondary_delay_seconds=delay,
        strategy=strategy,
        hours_name="always",
        hours=ALWAYS_OPEN,
        after_hours=AfterHours(AfterHoursAction.MESSAGE, MappingProxyType({"en": "Closed."})),
        callback_offer_seconds=240,
        announce_every_seconds=60,
        service_level=ServiceLevelDefinition(),
        overflow=overflow,
    )


def agent(
    agent_id: str,
    *,
    skills: dict[str, int] | None = None,
    primary: tuple[str, ...] = (),
    secondary: tuple[str, ...] = (),
    idle: float | None = 0,
    state: AgentState = AgentState.READY,
) -> RoutingAgent:
    return RoutingAgent(
        id=agent_id,
        state=state,
        skills=MappingProxyType(skills if skills is not None else {"billing": 3}),
        primary=frozenset(primary),
        secondary=frozenset(secondary),
        idle_since=None if idle is None or state is not AgentState.READY else at(idle),
    )


def contact(
    contact_id: str, queue_name: str, arrived: float, priority: int = 0, skill: str | None = None
) -> WaitingContact:
    return WaitingContact(contact_id, queue_name, at(arrived), priority=priority, skill=skill)
