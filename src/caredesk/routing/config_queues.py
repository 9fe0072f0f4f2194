"""Queue settings: skills and relaxing steps, priority offset, secondary delay, agent choice,
business hours and after-hours behaviour, callback offer, announcements, service level, overflow.

A queue's value comes from `[queues.<name>]`, else `[queue_defaults]`, else the built-in default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from caredesk.routing.config_values import (
    Prompt,
    RoutingConfigError,
    boolean,
    choice,
    integer,
    name_of,
    number,
    prompt,
    ratio,
    seconds,
    string_list,
    table,
    text,
)
from caredesk.routing.hours import BusinessHours
from caredesk.routing.service_level import ServiceLevelDefinition

MAX_LEVEL = 10
"""Skill levels run from 1 (can take the contact) to MAX_LEVEL; 0 means without the skill."""
MAX_PRIORITY = 100


class Strategy(StrEnum):
    """Which eligible Ready agent gets a contact (primary agents always before secondary)."""

    LONGEST_IDLE = "longest_idle"
    MOST_SKILLED = "most_skilled"
    """Highest level in the contact's skill, then longest idle."""


class AfterHoursAction(StrEnum):
    MESSAGE = "message"
    CALLBACK = "callback"
    """Say the message and offer a callback once the queue opens."""
    VOICEMAIL = "voicemail"
    """Say the message and take a voicemail that becomes a case."""
    QUEUE = "queue"
    """Send the caller to another queue (one that is open)."""


class OverflowCondition(StrEnum):
    ESTIMATED_WAIT_OVER = "estimated_wait_over"
    """At entry: the estimated wait passes `limit` seconds."""
    WAITING_PER_AGENT_OVER = "waiting_per_agent_over"
    """At entry: contacts waiting per staffed agent pass `limit`."""
    QUEUE_FULL = "queue_full"
    """At entry: `limit` contacts are already waiting."""
    CLOSING_WITHIN = "closing_within"
    """At entry: the queue closes within `limit` seconds."""
    WAITED_OVER = "waited_over"
    """While waiting: the contact has waited `limit` seconds."""


AT_ENTRY = frozenset(
    {
        OverflowCondition.ESTIMATED_WAIT_OVER,
        OverflowCondition.WAITING_PER_AGENT_OVER,
        OverflowCondition.QUEUE_FULL,
        OverflowCondition.CLOSING_WITHIN,
    }
)


class OverflowActionKind(StrEnum):
    QUEUE = "queue"
    """Move to another queue, keeping the place (arrival time)."""
    CALLBACK = "callback"
    """Offer "call me back, keep my place"."""
    VOICEMAIL = "voicemail"
    MESSAGE = "message"
    """Say the message and end the call."""


@dataclass(frozen=True, slots=True)
class SkillStep:
    after_seconds: float
    min_level: int
    """0 means any agent serving the queue, with the skill or not."""


@dataclass(frozen=True, slots=True)
class AfterHours:
    action: AfterHoursAction
    message: Prompt
    queue: str | None = None


class CallbackMode(StrEnum):
    """Who is called first when a queue callback's turn comes."""

    AGENT_FIRST = "agent_first"
    """An agent is reserved and handed the callback to dial (the customer hears a person)."""
    CUSTOMER_FIRST = "customer_first"
    """The callback is released to be dialled at once by whoever takes callbacks."""


@dataclass(frozen=True, slots=True)
class OverflowRule:
    name: str
    condition: OverflowCondition
    limit: float
    action: OverflowActionKind
    queue: str | None = None
    message: Prompt | None = None


@dataclass(frozen=True, slots=True)
class QueueConfig:
    name: str
    title: str
    skill: str
    """The skill a contact needs unless it names another of `skills`."""
    skills: frozenset[str]
    steps: tuple[SkillStep, ...]
    priority_offset_seconds: float
    """One priority point counts as this many seconds already waited."""
    secondary_delay_seconds: float
    strategy: Strategy
    hours_name: str
    hours: BusinessHours
    after_hours: AfterHours
    callback_offer_seconds: float | None
    """Offer a callback when the estimated wait passes this; None never offers one."""
    announce_every_seconds: float
    service_level: ServiceLevelDefinition
    overflow: tuple[OverflowRule, ...] = ()
    reservation_seconds: float = 20.0
    """How long an offered agent is Reserved for the caller before the offer runs out (the
    caller goes back to their place, the agent to Not Ready - Missed Offer)."""
    wrap_up_seconds: float = 60.0
    """How long an agent stays in After-Call Work after a call of this queue before the
    dispatcher puts them back to Ready (unless they picked another state meanwhile)."""
    callback_mode: CallbackMode = CallbackMode.AGENT_FIRST
    """At a queue callback's turn: reserve an agent to dial it, or release it to be dialled."""
    callback_expiry_minutes: int = 240
    """A queue callback whose turn has not come this long after it could first be dialled is
    closed."""

    def min_level_at(self, waited_seconds: float) -> int:
        level = self.steps[0].min_level
        for step in self.steps:
            if waited_seconds >= step.after_seconds:
                level = step.min_level
        return level

    def relax_after(self, level: int) -> float | None:
        """How long a contact waits before an agent at `level` may take it; None for never."""
        for step in self.steps:
            if step.min_level <= level:
                return step.after_seconds
        return None


DEFAULT_STEPS = (SkillStep(0, 1),)
_QUEUE_KEYS = frozenset(
    {
        "title",
        "skill",
        "extra_skills",
        "steps",
        "priority_offset_seconds",
        "secondary_delay_seconds",
        "strategy",
        "hours",
        "after_hours",
        "callback_offer_seconds",
        "announce_every_seconds",
        "service_level",
        "overflow",
        "reservation_seconds",
        "wrap_up_seconds",
        "callback_mode",
        "callback_expiry_minutes",
    }
)
DEFAULT_KEYS = _QUEUE_KEYS - {"title", "skill", "extra_skills"}


def _steps(value: object, key: str) -> tuple[SkillStep, ...]:
    if not isinstance(value, list) or not value:
        raise RoutingConfigError(key, "must be a non-empty list of {after_seconds, min_level}")
    steps: list[SkillStep] = []
    for index, item in enumerate(value):
        where = f"{key}[{index}]"
        entry = table(item, where, frozenset({"after_seconds", "min_level"}))
        after = seconds(entry.get("after_seconds", 0), f"{where}.after_seconds")
        if "min_level" not in entry:
            raise RoutingConfigError(f"{where}.min_level", "missing")
        level = integer(entry["min_level"], f"{where}.min_level", 0, MAX_LEVEL)
        if not steps and after != 0:
            raise RoutingConfigError(f"{where}.after_seconds", "the first step starts at 0")
        if steps and after <= steps[-1].after_seconds:
            raise RoutingConfigError(f"{where}.after_seconds", "must come after the previous step")
        if steps and level >= steps[-1].min_level:
            raise RoutingConfigError(
                f"{where}.min_level", "must be lower than the previous step's (steps relax)"
            )
        steps.append(SkillStep(after, level))
    return tuple(steps)


def _service_level(value: object, key: str) -> ServiceLevelDefinition:
    allowed = frozenset(
        {"answer_seconds", "target", "short_abandon_seconds", "exclude_short_abandons"}
    )
    entry = table(value, key, allowed)
    base = ServiceLevelDefinition()
    return ServiceLevelDefinition(
        answer_seconds=seconds(
            entry.get("answer_seconds", base.answer_seconds), f"{key}.answer_seconds"
        ),
        target=ratio(entry.get("target", base.target), f"{key}.target"),
        short_abandon_seconds=seconds(
            entry.get("short_abandon_seconds", base.short_abandon_seconds),
            f"{key}.short_abandon_seconds",
        ),
        exclude_short_abandons=boolean(
            entry.get("exclude_short_abandons", base.exclude_short_abandons),
            f"{key}.exclude_short_abandons",
        ),
    )


def _after_hours(value: object, key: str, languages: tuple[str, ...]) -> AfterHours:
    entry = table(value, key, frozenset({"action", "message", "queue"}))
    actions = tuple(action.value for action in AfterHoursAction)
    action = AfterHoursAction(choice(entry.get("action", "callback"), f"{key}.action", actions))
    if "message" not in entry:
        raise RoutingConfigError(f"{key}.message", "missing (what the caller hears)")
    message = prompt(entry["message"], f"{key}.message", languages)
    queue = name_of(entry["queue"], f"{key}.queue") if "queue" in entry else None
    if (action is AfterHoursAction.QUEUE) != (queue is not None):
        raise RoutingConfigError(f"{key}.queue", 'needed with action = "queue", and only then')
    return AfterHours(action, message, queue)


def _overflow(value: object, key: str, languages: tuple[str, ...]) -> tuple[OverflowRule, ...]:
    if not isinstance(value, list):
        raise RoutingConfigError(key, "must be a list of rules")
    rules: list[OverflowRule] = []
    names: set[str] = set()
    conditions = tuple(condition.value for condition in OverflowCondition)
    actions = tuple(action.value for action in OverflowActionKind)
    for index, item in enumerate(value):
        where = f"{key}[{index}]"
        allowed = frozenset({"name", "when", "limit", "action", "queue", "message"})
        entry = table(item, where, allowed)
        name = name_of(entry.get("name"), f"{where}.name")
        if name in names:
            raise RoutingConfigError(f"{where}.name", f"{name!r} is used twice")
        names.add(name)
        condition = OverflowCondition(choice(entry.get("when"), f"{where}.when", conditions))
        if "limit" not in entry:
            raise RoutingConfigError(f"{where}.limit", "missing")
        if condition is OverflowCondition.QUEUE_FULL:
            limit = float(integer(entry["limit"], f"{where}.limit", 1, 1_000_000))
        elif condition is OverflowCondition.WAITING_PER_AGENT_OVER:
            limit = number(entry["limit"], f"{where}.limit", 0, 10_000)
        else:
            limit = seconds(entry["limit"], f"{where}.limit")
        action = OverflowActionKind(choice(entry.get("action"), f"{where}.action", actions))
        queue = name_of(entry["queue"], f"{where}.queue") if "queue" in entry else None
        if (action is OverflowActionKind.QUEUE) != (queue is not None):
            raise RoutingConfigError(
                f"{where}.queue", 'needed with action = "queue", and only then'
            )
        message = (
            prompt(entry["message"], f"{where}.message", languages) if "message" in entry else None
        )
        if message is None and action is not OverflowActionKind.QUEUE:
            raise RoutingConfigError(f"{where}.message", "missing (what the caller hears)")
        rules.append(OverflowRule(name, condition, limit, action, queue, message))
    return tuple(rules)


def parse_queue(
    name: str,
    entry: Mapping[str, object],
    defaults: Mapping[str, object],
    *,
    skills: frozenset[str],
    hours: Mapping[str, BusinessHours],
    languages: tuple[str, ...],
) -> QueueConfig:
    key = f"queues.{name}"
    table(entry, key, _QUEUE_KEYS)

    def pick(field: str) -> tuple[str, object] | None:
        if field in entry:
            return f"{key}.{field}", entry[field]
        if field in defaults:
            return f"queue_defaults.{field}", defaults[field]
        return None

    if "skill" not in entry:
        raise RoutingConfigError(f"{key}.skill", "missing (the skill its contacts need)")
    skill = name_of(entry["skill"], f"{key}.skill")
    extra = string_list(entry.get("extra_skills", []), f"{key}.extra_skills")
    for where, value in [(f"{key}.skill", skill)] + [(f"{key}.extra_skills", s) for s in extra]:
        if value not in skills:
            raise RoutingConfigError(
                where, f"unknown skill {value!r} (declare it in routing.skills)"
            )
    found = pick("steps")
    steps = _steps(found[1], found[0]) if found else DEFAULT_STEPS
    found = pick("priority_offset_seconds")
    offset = seconds(found[1], found[0], 24 * 3600) if found else 60.0
    found = pick("secondary_delay_seconds")
    delay = seconds(found[1], found[0]) if found else 30.0
    found = pick("strategy")
    strategies = tuple(strategy.value for strategy in Strategy)
    strategy = Strategy(choice(found[1], found[0], strategies)) if found else Strategy.LONGEST_IDLE
    found = pick("hours")
    if found is None:
        raise RoutingConfigError(f"{key}.hours", "missing (the name of an [hours.<name>] table)")
    hours_name = name_of(found[1], found[0])
    if hours_name not in hours:
        raise RoutingConfigError(found[0], f"no [hours.{hours_name}] table")
    found = pick("after_hours")
    if found is None:
        raise RoutingConfigError(f"{key}.after_hours", "missing (what a caller gets when closed)")
    after_hours = _after_hours(found[1], found[0], languages)
    found = pick("callback_offer_seconds")
    offer: float | None = None
    if found is not None and found[1] is not False:
        offer = seconds(found[1], found[0])
    found = pick("announce_every_seconds")
    announce = number(found[1], found[0], 15, 3600) if found else 60.0
    found = pick("service_level")
    service_level = _service_level(found[1], found[0]) if found else ServiceLevelDefinition()
    found = pick("overflow")
    overflow = _overflow(found[1], found[0], languages) if found else ()
    found = pick("reservation_seconds")
    reservation = number(found[1], found[0], 5, 600) if found else 20.0
    found = pick("wrap_up_seconds")
    wrap_up = number(found[1], found[0], 0, 3600) if found else 60.0
    found = pick("callback_mode")
    modes = tuple(mode.value for mode in CallbackMode)
    mode = CallbackMode(choice(found[1], found[0], modes)) if found else CallbackMode.AGENT_FIRST
    found = pick("callback_expiry_minutes")
    expiry = integer(found[1], found[0], 1, 7 * 24 * 60) if found else 240
    return QueueConfig(
        name=name,
        title=text(entry.get("title", name), f"{key}.title", 200),
        skill=skill,
        skills=frozenset({skill, *extra}),
        steps=steps,
        priority_offset_seconds=offset,
        secondary_delay_seconds=delay,
        strategy=strategy,
        hours_name=hours_name,
        hours=hours[hours_name],
        after_hours=after_hours,
        callback_offer_seconds=offer,
        announce_every_seconds=announce,
        service_level=service_level,
        overflow=overflow,
        reservation_seconds=reservation,
        wrap_up_seconds=wrap_up,
        callback_mode=mode,
        callback_expiry_minutes=expiry,
    )


def check_queue_links(queues: Mapping[str, QueueConfig]) -> None:
    """Every queue named by an overflow or after-hours rule exists; after-hours chains end."""
    for queue in queues.values():
        for index, rule in enumerate(queue.overflow):
            if rule.queue is not None and rule.queue not in queues:
                where = f"queues.{queue.name}.overflow[{index}].queue"
                raise RoutingConfigError(where, f"no queue {rule.queue!r}")
            if rule.queue == queue.name:
                where = f"queues.{queue.name}.overflow[{index}].queue"
                raise RoutingConfigError(where, "overflows to its own queue")
        target = queue.after_hours.queue
        if target is not None and target not in queues:
            raise RoutingConfigError(
                f"queues.{queue.name}.after_hours.queue", f"no queue {target!r}"
            )
    for queue in queues.values():
        seen = [queue.name]
        current = queue
        while current.after_hours.queue is not None:
            current = queues[current.after_hours.queue]
            if current.name in seen:
                chain = " -> ".join([*seen, current.name])
                raise RoutingConfigError(
                    f"queues.{queue.name}.after_hours.queue", f"goes round in a circle ({chain})"
                )
            seen.append(current.name)
