"""The end of a walk in an open queue: the estimated wait told, the queue's entry overflow
rules, and the callback offer.

The caller hears the estimate (`waits`). Then the first of the queue's entry overflow rules
that applies (`routing.overflow`: estimated wait over a limit, too many waiting per staffed
agent, queue full, closing soon) takes its action: another queue (the caller keeps their
arrival time), a callback offer, a voicemail that opens a case, or a message that ends the
call. A rule whose action cannot be carried out here (a callback or a voicemail for a caller
whose account is unknown, a queue that is closed) is passed over, and the caller simply waits.
Without a rule, a callback is offered when the estimate passes the queue's threshold, or when
nobody serving the queue is logged in (see `routing.overflow.offers_callback`)."""

from __future__ import annotations

from datetime import datetime

from caredesk.db.session import UnitOfWork
from caredesk.inbound import voicemail
from caredesk.inbound.models import IvrWalk, WalkOutcome, WalkPhase
from caredesk.inbound.offers import QUEUE_OFFER, account_of, end_in
from caredesk.inbound.waits import WaitEstimate, wait_in_line
from caredesk.inbound.words import offer_words
from caredesk.routing.config import RoutingConfig
from caredesk.routing.config_queues import OverflowActionKind, OverflowRule, QueueConfig
from caredesk.routing.overflow import EntryFacts, entry_overflow, offers_callback

OVERFLOW = "overflow"


def _estimate(uow: UnitOfWork, walk: IvrWalk, queue: QueueConfig, now: datetime) -> WaitEstimate:
    estimate = wait_in_line(uow, queue=queue, now=now, excluding_walk=walk.id)
    # A tenth of a second is finer than any wait is known to.
    walk.estimate_seconds = round(estimate.seconds, 1) if estimate.seconds is not None else None
    walk.estimates = {
        predictor.value: round(seconds, 1) if seconds is not None else None
        for predictor, seconds in estimate.every.items()
    }
    walk.predictor = estimate.predictor.value if estimate.predictor is not None else None
    walk.wait_inputs = [round(value, 3) for value in estimate.inputs]
    walk.announcement = estimate.told(walk.language)
    return estimate


def _usable(
    uow: UnitOfWork, routing: RoutingConfig, walk: IvrWalk, rule: OverflowRule, now: datetime
) -> bool:
    if rule.action is OverflowActionKind.QUEUE:
        target = routing.queues.get(rule.queue or "")
        return target is not None and target.hours.is_open(now)
    if rule.action in (OverflowActionKind.CALLBACK, OverflowActionKind.VOICEMAIL):
        return account_of(uow, walk) is not None
    return True


def _offer(walk: IvrWalk) -> str:
    walk.offer, walk.phase, walk.misses = QUEUE_OFFER, WalkPhase.OFFER.value, 0
    return offer_words(walk.language, "queue")


def enter_queue(
    uow: UnitOfWork, *, routing: RoutingConfig, walk: IvrWalk, now: datetime
) -> tuple[str, ...]:
    """The caller joins `walk.queue` at `now`. Returns the words to say after the connect
    prompt; the walk ends queued, or waits for the answer to an offer or for a voicemail."""
    queue = routing.queue(walk.queue or "")
    walk.queued_at = now
    estimate = _estimate(uow, walk, queue, now)
    said = [estimate.announcement.words(walk.language)]
    facts = EntryFacts(
        waiting=estimate.view.ahead,
        staffed=estimate.view.agents,
        estimated_wait_seconds=estimate.seconds,
    )
    rule = entry_overflow(queue, facts, now)
    if rule is not None and _usable(uow, routing, walk, rule, now):
        walk.overflow_rule = rule.name
        if rule.message is not None:
            said.append(rule.message[walk.language])
        if rule.action is OverflowActionKind.QUEUE:
            # One move only: the next queue's own rules are not applied again, so two queues
            # overflowing into each other cannot bounce a caller.
            queue = routing.queue(rule.queue or "")
            walk.queue, walk.route_reason = queue.name, OVERFLOW
            estimate = _estimate(uow, walk, queue, now)
            said.append(estimate.announcement.words(walk.language))
        elif rule.action is OverflowActionKind.CALLBACK:
            said.append(_offer(walk))
            return tuple(said)
        elif rule.action is OverflowActionKind.VOICEMAIL:
            said.extend(voicemail.ask_for_message(uow, walk=walk, now=now))
            return tuple(said)
        else:
            end_in(walk, WalkOutcome.CLOSED, now)
            return tuple(said)
    offered = offers_callback(queue, estimate.seconds, staffed=estimate.view.agents)
    if offered and account_of(uow, walk) is not None:
        said.append(_offer(walk))
    else:
        end_in(walk, WalkOutcome.QUEUED, now)
    return tuple(said)
