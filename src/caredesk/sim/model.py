"""The twin's contacts and agents: what the simulation knows about each beyond routing's view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from caredesk.policy.context import Shift
from caredesk.routing.wait_accuracy import Estimate
from caredesk.sim.dial_gate import QueueCallback


@dataclass(slots=True, eq=False)
class SimContact:
    id: str
    queue: str
    """The queue it waits in now (an overflow rule may move it, keeping its place)."""
    arrival: int
    """Microseconds since the day started: its place in line, for good."""
    arrived_at: datetime
    priority: int
    skill: str | None
    patience: float
    """Seconds it will wait before giving up; infinity for never."""
    handle: float
    """Seconds an agent at the reference level (3) needs for it."""
    number: str
    asks_callback: bool = False
    scripted: bool = False
    estimate: Estimate | None = None
    offered: bool = False
    """Already offered "call me back, keep my place"."""
    overflowed: frozenset[str] = frozenset()
    callback: QueueCallback | None = None
    closed: bool = False
    """No longer owed anything: answered, gone, or a callback closed."""
    waited_for_gate: bool = False
    on_line: bool = False
    """A customer-first callback answered: the customer is on the line waiting for an agent."""
    dialled: int = 0
    """When the last customer-first dial started (microseconds since the day started)."""
    turn_agent: SimAgent | None = None
    """The agent whose turn made the last customer-first dial (the gate judges it for them)."""


@dataclass(slots=True, eq=False)
class SimAgent:
    id: str
    skills: dict[str, int]
    primary: frozenset[str]
    secondary: frozenset[str]
    shift: Shift | None
    queues: tuple[str, ...] = ()
    """Every queue it serves, primary and secondary."""
    logged_in: bool = False
    busy: bool = False
    leaving: bool = False
    idle_since: datetime | None = None
    contact: SimContact | None = None
    queue: str = ""
    """The queue of the contact being handled."""
    started: int = 0
    """When the current call (or dial) started, microseconds since the day started."""


def level_factor(per_level: float, level: int) -> float:
    """Handle time multiplier of an agent at `level` (3 is the reference): 1 + per_level * (3 -
    level), at least 0.2."""
    return max(0.2, 1.0 + per_level * (3 - level))
