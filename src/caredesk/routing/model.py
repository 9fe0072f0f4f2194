"""What the routing decision reads and returns: waiting contacts, agents, assignments, overflows.

Times are aware datetimes; the engine works in whole microseconds since the Unix epoch so that
"has waited at least T" is exact integer arithmetic, the same in the indexed engine and in the
reference it is tested against.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from caredesk.policy.vocabulary import AgentState
from caredesk.routing.config_queues import MAX_LEVEL, MAX_PRIORITY, OverflowActionKind

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)
MAX_ID = 128


def micros(at: datetime) -> int:
    """Whole microseconds since the epoch; refuses a naive datetime."""
    if at.tzinfo is None:
        raise ValueError("routing needs aware datetimes")
    return (at - EPOCH) // _MICRO


def from_micros(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


def seconds_to_micros(value: float) -> int:
    return round(value * 1_000_000)


def _check_id(value: str, what: str) -> None:
    if not isinstance(value, str) or not value or len(value) > MAX_ID:
        raise ValueError(f"{what} must be a string of 1 to {MAX_ID} characters")


@dataclass(frozen=True, slots=True)
class WaitingContact:
    """A contact waiting in a queue."""

    id: str
    queue: str
    arrived_at: datetime
    """The caller's place: kept when a reservation times out, for a queue callback, and when an
    overflow rule moves the contact to another queue."""
    priority: int = 0
    """Points; each counts as the queue's priority_offset_seconds already waited."""
    skill: str | None = None
    """The skill needed; None for the queue's own skill."""
    overflowed: frozenset[str] = frozenset()
    """Overflow rules already applied to this contact, as "queue.rule"."""

    def __post_init__(self) -> None:
        _check_id(self.id, "contact id")
        if self.arrived_at.tzinfo is None:
            raise ValueError("arrived_at must be an aware datetime")
        if (
            isinstance(self.priority, bool)
            or not isinstance(self.priority, int)
            or not 0 <= self.priority <= MAX_PRIORITY
        ):
            raise ValueError(f"priority must be an integer from 0 to {MAX_PRIORITY}")


@dataclass(frozen=True, slots=True)
class RoutingAgent:
    """An agent as routing sees one: state, skills with levels, the queues served."""

    id: str
    state: AgentState
    skills: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))
    """Skill name -> level from 1 to MAX_LEVEL."""
    primary: frozenset[str] = frozenset()
    secondary: frozenset[str] = frozenset()
    """Queues served as overflow: their contacts after the queue's secondary delay."""
    idle_since: datetime | None = None
    """When the agent became Ready (needed in Ready): longest idle is the earliest."""

    def __post_init__(self) -> None:
        _check_id(self.id, "agent id")
        for skill, level in self.skills.items():
            if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= MAX_LEVEL:
                raise ValueError(f"skill {skill!r}: level must be an integer from 1 to {MAX_LEVEL}")
        if self.primary & self.secondary:
            both = ", ".join(sorted(self.primary & self.secondary))
            raise ValueError(f"queues served both as primary and secondary: {both}")
        if self.state is AgentState.READY and self.idle_since is None:
            raise ValueError("a Ready agent needs idle_since")
        if self.idle_since is not None and self.idle_since.tzinfo is None:
            raise ValueError("idle_since must be an aware datetime")


@dataclass(frozen=True, slots=True)
class Snapshot:
    agents: tuple[RoutingAgent, ...] = ()
    contacts: tuple[WaitingContact, ...] = ()


@dataclass(frozen=True, slots=True)
class Assignment:
    """Offer the contact to the agent (the agent is now Reserved)."""

    contact_id: str
    agent_id: str
    queue: str
    as_secondary: bool
    waited_seconds: float
    effective_wait_seconds: float
    """Waited plus priority points times the queue's offset: the order contacts are taken in."""
    min_level: int
    """The skill step in force when the contact was taken."""


@dataclass(frozen=True, slots=True)
class Overflow:
    """An overflow rule fired for a waiting contact; the caller carries out the action."""

    contact_id: str
    queue: str
    rule: str
    action: OverflowActionKind
    target_queue: str | None


@dataclass(frozen=True, slots=True)
class RoutingResult:
    assignments: tuple[Assignment, ...] = ()
    overflows: tuple[Overflow, ...] = ()
