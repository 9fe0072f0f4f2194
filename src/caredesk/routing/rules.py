"""A queue's routing settings compiled to whole microseconds for the decision engine."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from caredesk.routing.config_queues import (
    MAX_LEVEL,
    OverflowActionKind,
    OverflowCondition,
    QueueConfig,
    Strategy,
)
from caredesk.routing.model import seconds_to_micros


@dataclass(frozen=True, slots=True)
class WaitedOver:
    limit: int
    rule: str
    """Qualified "queue.rule", as recorded on the contact once fired."""
    name: str
    action: OverflowActionKind
    target: str | None


@dataclass(frozen=True, slots=True)
class QueueRules:
    name: str
    skill: str
    skills: frozenset[str]
    steps: tuple[tuple[int, int], ...]
    """(after, min_level), after in microseconds, relaxing."""
    relax: tuple[int | None, ...]
    """By agent level 0..MAX_LEVEL: how long a contact waits before that level may take it."""
    offset: int
    delay: int
    most_skilled: bool
    waited_over: tuple[WaitedOver, ...]

    def min_level(self, waited: int) -> int:
        level = self.steps[0][1]
        for after, step_level in self.steps:
            if waited >= after:
                level = step_level
        return level

    @classmethod
    def build(cls, config: QueueConfig) -> QueueRules:
        steps = tuple((seconds_to_micros(s.after_seconds), s.min_level) for s in config.steps)
        relax: list[int | None] = []
        for level in range(MAX_LEVEL + 1):
            after = config.relax_after(level)
            relax.append(None if after is None else seconds_to_micros(after))
        waited_over = tuple(
            WaitedOver(
                limit=seconds_to_micros(rule.limit),
                rule=f"{config.name}.{rule.name}",
                name=rule.name,
                action=rule.action,
                target=rule.queue,
            )
            for rule in config.overflow
            if rule.condition is OverflowCondition.WAITED_OVER
        )
        return cls(
            name=config.name,
            skill=config.skill,
            skills=config.skills,
            steps=steps,
            relax=tuple(relax),
            offset=seconds_to_micros(config.priority_offset_seconds),
            delay=seconds_to_micros(config.secondary_delay_seconds),
            most_skilled=config.strategy is Strategy.MOST_SKILLED,
            waited_over=waited_over,
        )


def compile_queues(queues: Mapping[str, QueueConfig]) -> Mapping[str, QueueRules]:
    return MappingProxyType({name: QueueRules.build(config) for name, config in queues.items()})
