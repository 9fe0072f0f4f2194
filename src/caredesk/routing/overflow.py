"""Overflow rules checked when a contact enters a queue, and the callback-offer threshold.

Rules that watch a waiting contact ("waited_over") are timers in the routing engine; the rules
here look at the queue when a contact arrives: the estimated wait, contacts waiting per staffed
agent, a full queue, closing time. The first rule that applies, in the order written, wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from caredesk.routing.config_queues import OverflowCondition, OverflowRule, QueueConfig


@dataclass(frozen=True, slots=True)
class EntryFacts:
    waiting: int
    """Contacts already waiting in the queue (the arriving one not counted)."""
    staffed: int
    """Agents logged in with the queue as primary."""
    estimated_wait_seconds: float | None = None
    """The arriving contact's estimate; None when there is none (the rule cannot apply)."""


def _applies(rule: OverflowRule, queue: QueueConfig, facts: EntryFacts, now: datetime) -> bool:
    condition = rule.condition
    if condition is OverflowCondition.ESTIMATED_WAIT_OVER:
        estimate = facts.estimated_wait_seconds
        return estimate is not None and estimate > rule.limit
    if condition is OverflowCondition.WAITING_PER_AGENT_OVER:
        # Counting the arriving contact; with nobody staffed the ratio is unbounded.
        return facts.staffed == 0 or (facts.waiting + 1) / facts.staffed > rule.limit
    if condition is OverflowCondition.QUEUE_FULL:
        return facts.waiting >= rule.limit
    if condition is OverflowCondition.CLOSING_WITHIN:
        left = queue.hours.seconds_to_close(now)
        return left is not None and left <= rule.limit
    return False


def entry_overflow(queue: QueueConfig, facts: EntryFacts, now: datetime) -> OverflowRule | None:
    """The first entry rule that applies to a contact arriving at `now` (aware), or None."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    for rule in queue.overflow:
        if rule.condition is not OverflowCondition.WAITED_OVER and _applies(
            rule, queue, facts, now
        ):
            return rule
    return None


def offers_callback(
    queue: QueueConfig, estimated_wait_seconds: float | None, *, staffed: int | None = None
) -> bool:
    """Whether to offer "call me back, keep my place" for this estimate: past the queue's
    threshold, or with nobody logged in to serve the queue (`staffed` 0), when the wait has no
    end anyone can tell; never in a queue that offers no callbacks."""
    threshold = queue.callback_offer_seconds
    if threshold is None:
        return False
    if staffed == 0:
        return True
    return estimated_wait_seconds is not None and estimated_wait_seconds > threshold
