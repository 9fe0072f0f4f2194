"""The "call me back, keep my place" offer and the caller's answer to it.

Made when the estimated wait passes the queue's `callback_offer_seconds` or an entry overflow
rule's action is `callback` (see `entry`), and when a closed queue's after-hours action is
`callback` (a callback for when it opens). Only a call on a known account is offered one: a
callback is made for an account.

Accepting goes through the callback request use case (`callbacks.requests`), so the same outbound
policy gate decides: a request refused for good (OB-INTL, OB-SCOPE-CUSTOMER, ...) is stored as
refused and the caller is told so (and keeps holding, for a queue); one the calling window holds
back (OB-WINDOW) is planned for when it opens, and the caller hears when. Its origin and reason
are both `queue_callback`, the policy's own vocabulary for a callback the caller asked for in a
queue (exempt from OB-SPOKE-FIRST: nobody has spoken to them yet, by design).

A callback taken instead of holding keeps the caller's place in line (`queue_callbacks`): the
time the caller hears is the queue's estimate for their place, or the calling window's opening
(or the dial the notice announces) when that is later, never "now" when callers are ahead."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from caredesk.audit.service import Actor
from caredesk.callbacks.customer_requests import customer_zone
from caredesk.callbacks.inputs import CallbackRequest
from caredesk.callbacks.models import Callback, CallbackStatus
from caredesk.callbacks.refusals import refusal_rules
from caredesk.callbacks.requests import request_callback
from caredesk.callbacks.runtime import CallbackRuntime
from caredesk.callbacks.scheduling import why_not_now
from caredesk.db.session import UnitOfWork
from caredesk.inbound.models import IvrWalk, WalkOutcome, WalkPhase
from caredesk.inbound.queue_callbacks import hold_place
from caredesk.inbound.waits import wait_in_line
from caredesk.inbound.words import answer_to_offer, offer_words
from caredesk.interactions.models import Interaction
from caredesk.policy import (
    Blocker,
    CallbackOrigin,
    CallbackReason,
    CallerRole,
    LineOfBusiness,
    Step,
)
from caredesk.routing.config import RoutingConfig
from caredesk.routing.ivr import CallerInput, InputKind

QUEUE_OFFER = "queue"
AFTER_HOURS_OFFER = "after_hours"
# Queues whose callers are abroad or about service abroad are called back by Global Care,
# whose policy allows international numbers.
GLOBAL_SKILLS = frozenset({"international"})


def account_of(uow: UnitOfWork, walk: IvrWalk) -> int | None:
    interaction = uow.session.get(Interaction, walk.interaction_id)
    return interaction.account_id if interaction is not None else None


def end_in(walk: IvrWalk, outcome: WalkOutcome, now: datetime) -> None:
    walk.phase = WalkPhase.ENDED.value
    walk.outcome = outcome.value
    walk.ended_at = now


def offer_after_hours(uow: UnitOfWork, *, walk: IvrWalk, now: datetime) -> tuple[str, ...]:
    """A closed queue whose action is a callback: offered for when it opens (on an account)."""
    if account_of(uow, walk) is None:
        end_in(walk, WalkOutcome.CLOSED, now)
        return ()
    walk.offer, walk.phase, walk.misses = AFTER_HOURS_OFFER, WalkPhase.OFFER.value, 0
    return (offer_words(walk.language, "after_hours"),)


def _line_of_business(routing: RoutingConfig, queue: str | None) -> LineOfBusiness:
    found = routing.queues.get(queue or "")
    if found is not None and found.skill in GLOBAL_SKILLS:
        return LineOfBusiness.GLOBAL_CARE
    return LineOfBusiness.CARE


def _when(due: datetime, zone: str | None, language: str) -> str:
    local = due.astimezone(ZoneInfo(zone)) if zone else due
    if language.startswith("es"):
        return f" a partir de las {local:%H:%M} del {local.day}/{local.month}"
    hour = local.hour % 12 or 12
    return f" from {hour}:{local:%M} {'AM' if local.hour < 12 else 'PM'} on {local:%A}"


def _told_time(
    uow: UnitOfWork, *, routing: RoutingConfig, walk: IvrWalk, callback: Callback, now: datetime
) -> datetime | None:
    """When the caller is told to expect the call: the later of the queue's estimate for their
    place and the instant the policy first allows it (its due time)."""
    queue = routing.queues.get(walk.queue or "")
    if queue is None or walk.queued_at is None:
        return callback.due_at
    estimate = wait_in_line(uow, queue=queue, now=now, behind=walk).seconds
    turn = now + timedelta(seconds=estimate) if estimate is not None else None
    known = [at for at in (turn, callback.due_at) if at is not None]
    return max(known) if known else None


def _request(
    uow: UnitOfWork,
    *,
    actor: Actor,
    runtime: CallbackRuntime,
    routing: RoutingConfig,
    walk: IvrWalk,
    now: datetime,
) -> tuple[Callback, list[str]]:
    interaction = uow.session.get(Interaction, walk.interaction_id)
    assert interaction is not None and interaction.account_id is not None
    request = CallbackRequest(
        account_id=interaction.account_id,
        origin=CallbackOrigin.QUEUE_CALLBACK,
        reason=CallbackReason.QUEUE_CALLBACK,
        line_of_business=_line_of_business(routing, walk.queue),
        caller_role=CallerRole.AGENT,
        number=interaction.from_address,
        interaction_id=interaction.id,
        customer_spoken_to=False,
        agent_spoke_to_customer=False,
    )
    callback = request_callback(uow, request, actor=actor, runtime=runtime)
    if callback.status == CallbackStatus.REFUSED.value:
        return callback, [rule["rule_id"] for rule in refusal_rules(uow, callback)]
    # What holds the call back until later (the calling window in the customer's zone).
    plan = why_not_now(uow, policy=runtime.policy, callback_id=callback.id, step=Step.PLAN, now=now)
    return callback, [r.rule_id for r in plan.failed if r.blocker is Blocker.TIME]


def answer_offer(
    uow: UnitOfWork,
    *,
    actor: Actor,
    runtime: CallbackRuntime,
    routing: RoutingConfig,
    walk: IvrWalk,
    given: CallerInput,
    now: datetime,
) -> tuple[bool, tuple[str, ...]]:
    """The caller's answer to the offer: whether it was understood, and the words said."""
    language = walk.language
    queue_offer = walk.offer == QUEUE_OFFER
    digit = given.value if given.kind is InputKind.DIGIT else None
    words = given.value if given.kind is InputKind.KEYWORD else None
    accepts = answer_to_offer(digit, words)
    if accepts is None:
        walk.misses += 1
        if walk.misses <= routing.ivr.max_replays:
            apology = (
                routing.ivr.no_input_prompt
                if given.kind is InputKind.NO_INPUT
                else routing.ivr.invalid_prompt
            )
            return False, (apology[language], offer_words(language, walk.offer or QUEUE_OFFER))
        # Too many misses: the caller is taken to have declined.
        accepts = False
    walk.misses = 0
    if not accepts:
        if queue_offer:
            end_in(walk, WalkOutcome.QUEUED, now)
            return True, (offer_words(language, "holding"),)
        end_in(walk, WalkOutcome.CLOSED, now)
        return True, (offer_words(language, "declined"),)
    callback, rules = _request(
        uow, actor=actor, runtime=runtime, routing=routing, walk=walk, now=now
    )
    walk.callback_id, walk.callback_rules = callback.id, rules
    if callback.status == CallbackStatus.REFUSED.value:
        if queue_offer:
            end_in(walk, WalkOutcome.QUEUED, now)
            return True, (offer_words(language, "refused"), offer_words(language, "holding"))
        end_in(walk, WalkOutcome.CLOSED, now)
        return True, (offer_words(language, "refused"), offer_words(language, "declined"))
    end_in(walk, WalkOutcome.CALLBACK, now)
    expected = callback.due_at
    if queue_offer:
        hold_place(uow, actor=actor, callback=callback, walk=walk)
        expected = _told_time(uow, routing=routing, walk=walk, callback=callback, now=now)
    when = ""
    if expected is not None:
        when = _when(expected, customer_zone(uow, account_id=callback.account_id), language)
    accepted = offer_words(language, "accepted").format(number=callback.number, when=when)
    return True, (accepted,)
