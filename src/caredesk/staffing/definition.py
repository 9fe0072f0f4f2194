"""Which service-level definition a plan is made against: a queue's own, else the one most
queues of the routing configuration share, with the answer time or target given for this plan."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from caredesk.routing.config import RoutingConfig
from caredesk.routing.service_level import ServiceLevelDefinition
from caredesk.staffing.plan import MAX_ANSWER_SECONDS, PlanError, bounded


@dataclass(frozen=True, slots=True)
class ChosenDefinition:
    definition: ServiceLevelDefinition
    queues: tuple[str, ...]
    """The queues of the routing configuration whose definition this is."""
    overridden: bool
    """The answer time or the target was given for this plan."""


def choose_definition(
    routing: RoutingConfig,
    *,
    queue: str | None = None,
    answer_seconds: float | None = None,
    target: float | None = None,
) -> ChosenDefinition:
    """The service-level definition of `queue`, else the one most queues share (the queue
    defaults, as a rule), with the answer time and the target given for this plan, if any."""
    if queue is not None:
        if queue not in routing.queues:
            names = ", ".join(sorted(routing.queues)[:12])
            raise PlanError(
                f"no queue {queue[:64]!r} in the routing configuration ({names})", field="queue"
            )
        base = routing.queues[queue].service_level
    else:
        counts = Counter(entry.service_level for entry in routing.queues.values())
        base = counts.most_common(1)[0][0]
    if answer_seconds is not None:
        bounded(answer_seconds, "answer_seconds", 0, MAX_ANSWER_SECONDS)
    if target is not None and not (math.isfinite(target) and 0 < target < 1):
        raise PlanError("must be a share between 0 and 1, e.g. 0.8 for 80%", field="target")
    definition = ServiceLevelDefinition(
        answer_seconds=base.answer_seconds if answer_seconds is None else answer_seconds,
        target=base.target if target is None else target,
        short_abandon_seconds=base.short_abandon_seconds,
        exclude_short_abandons=base.exclude_short_abandons,
    )
    queues = tuple(name for name, entry in routing.queues.items() if entry.service_level == base)
    return ChosenDefinition(definition, queues, definition != base)
