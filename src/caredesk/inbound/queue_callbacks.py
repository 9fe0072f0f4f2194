""" "Call me back, keep my place" on the stored path: a queue callback keeps the caller's place
in line until its turn, then is dialled through the callbacks' own offer and dial path.

- When the caller accepts (`hold_place`), the callback is held in the queue: the callbacks
  dispatcher leaves it alone, and every routing round counts it as a waiting contact of its
  queue with the caller's original arrival (`queued_at`) and priority (`held_contacts`).
- At its turn (`take_turn`: the routing decision gave it an agent), the policy is asked first,
  as planned for whoever takes it: a time the policy puts off (OB-WINDOW in the customer's
  zone, attempts spacing), or the dial the notice announced not yet come (OB-NOTIFY's lead),
  puts the turn off until that instant, rule named on the timeline; the callback then rejoins
  the line at its original place. A rule that refuses it for good closes it as refused. A
  notice too old to announce the call (the callback held a long time) is sent again at its turn,
  not while it waits (the dispatcher's re-notice leaves held callbacks alone), and the turn
  waits the notice's lead time.
- Otherwise, per the queue's `callback_mode`: agent-first reserves the agent (Ready to Not
  Ready - Follow-Up, the state callbacks are dialled from) and offers them the callback under a
  lease, exactly as the dispatcher does; customer-first releases it to the dispatcher, which
  offers it at once. Either way the dial itself passes the policy gate like every other, and an
  unanswered attempt follows OB-ATTEMPTS and OB-VOICEMAIL as any callback's does.
- A held callback whose turn has not come `callback_expiry_minutes` after it could first be
  dialled (its request, or later the instant the policy first allows: a callback asked for at
  night does not expire before the window opens) is closed (cancelled, with the reason) by the
  round (`expire_held`); the customer may cancel it like any callback."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import ColumnElement, exists, or_, select

from caredesk.agents import presence
from caredesk.audit.service import Actor
from caredesk.callbacks.dispatch.claims import CallbackClaim
from caredesk.callbacks.dispatch.offers import offer_under_lease
from caredesk.callbacks.models import Callback, CallbackStatus
from caredesk.callbacks.records import Event, change, load_callback
from caredesk.callbacks.scheduling import (
    plan_due,
    refuse_for_good,
    reschedule_due,
)
from caredesk.callbacks.wrapup import cancel_callback
from caredesk.db.leases import Lease
from caredesk.db.session import Database, UnitOfWork
from caredesk.errors import Conflict, DomainError
from caredesk.inbound.models import IvrWalk, WalkOutcome
from caredesk.policy import AgentState, Blocker, PolicyConfig
from caredesk.routing.config_queues import MAX_PRIORITY, CallbackMode, QueueConfig
from caredesk.routing.model import WaitingContact

# Waiting for its notice to go out, or scheduled: the states a held callback waits in.
HELD_STATUSES = (CallbackStatus.AWAITING_NOTIFICATION.value, CallbackStatus.SCHEDULED.value)
# What the turn put off names when only the dial the notice announced is still to come.
NOTICE_RULE = "OB-NOTIFY"


class Turn(StrEnum):
    OFFERED = "offered"
    """Agent-first: the agent is in Not Ready - Follow-Up with the callback offered to them."""
    RELEASED = "released"
    """Customer-first: the dispatcher dials it now."""
    PUT_OFF = "put_off"
    """The policy names a later instant; it rejoins the line then, at its place."""
    REFUSED = "refused"
    NOT_YET = "not_yet"
    """Its notice has not gone out yet: it stays in line, nothing written."""


def held_place() -> ColumnElement[bool]:
    """Where-clause of a walk whose queue callback still holds the caller's place."""
    return exists().where(
        Callback.id == IvrWalk.callback_id,
        Callback.held_in_queue.is_(True),
        Callback.status.in_(HELD_STATUSES),
    )


def hold_place(uow: UnitOfWork, *, actor: Actor, callback: Callback, walk: IvrWalk) -> None:
    """The caller who took the callback keeps their place: the dispatcher leaves it alone."""
    assert walk.queued_at is not None
    change(
        uow,
        callback,
        actor=actor,
        kind=Event.QUEUE_HELD,
        values={"held_in_queue": True, "held_until": None},
        detail=f"Keeps the caller's place in {walk.queue}; dialled at its turn.",
        facts={"queue": walk.queue, "queued_at": walk.queued_at, "call_id": walk.interaction_id},
    )


@dataclass(frozen=True)
class HeldContacts:
    contacts: tuple[WaitingContact, ...]
    callbacks: Mapping[str, int]
    """Contact id (the walk's) -> the callback holding that place."""


def held_contacts(
    uow: UnitOfWork, *, queues: Mapping[str, QueueConfig], now: datetime | None
) -> HeldContacts:
    """The held queue callbacks as waiting contacts at their callers' places. One put off
    until later is out of line until then (without `now`, every one put off is)."""
    due: ColumnElement[bool] = Callback.held_until.is_(None)
    if now is not None:
        due = or_(due, Callback.held_until <= now)
    rows = uow.session.execute(
        select(IvrWalk.id, IvrWalk.queue, IvrWalk.queued_at, IvrWalk.priority, Callback.id)
        .join(Callback, Callback.id == IvrWalk.callback_id)
        .where(
            IvrWalk.outcome == WalkOutcome.CALLBACK.value,
            IvrWalk.queued_at.is_not(None),
            Callback.held_in_queue.is_(True),
            Callback.status.in_(HELD_STATUSES),
            due,
        )
    ).all()
    contacts: list[WaitingContact] = []
    callbacks: dict[str, int] = {}
    for walk_id, queue, queued_at, priority, callback_id in rows:
        if queue is None or queue not in queues or queued_at is None:
            continue
        contact = WaitingContact(
            id=str(walk_id),
            queue=queue,
            arrived_at=queued_at,
            priority=min(max(priority, 0), MAX_PRIORITY),
        )
        contacts.append(contact)
        callbacks[contact.id] = callback_id
    return HeldContacts(tuple(contacts), callbacks)


def _put_off(
    uow: UnitOfWork, *, actor: Actor, callback: Callback, until: datetime, rules: list[str]
) -> None:
    change(
        uow,
        callback,
        actor=actor,
        kind=Event.QUEUE_PUT_OFF,
        values={"held_until": until},
        rule_ids=rules,
        detail=f"Its turn came; not dialled before {until.isoformat()} "
        f"({', '.join(rules)}). It rejoins the line at its place then.",
        facts={"until": until},
    )


def _notice_too_old(policy: PolicyConfig, callback: Callback, now: datetime) -> bool:
    """The notice sent would no longer announce a call made now (as `renotice_stale` judges)."""
    sent = callback.notified_at
    stale = timedelta(minutes=policy.notice_valid_minutes - policy.notice_lead_minutes)
    return (
        callback.status == CallbackStatus.SCHEDULED.value
        and sent is not None
        and sent <= now - stale
    )


def _notice_again(
    uow: UnitOfWork, *, actor: Actor, policy: PolicyConfig, callback: Callback
) -> Turn | None:
    """A new notice the lead time before the dial, and the turn put off until then; None when
    no new notice can be planned (the dial's own gate then decides)."""
    values = reschedule_due(uow, policy=policy, callback=callback)
    until = values.get("due_at")
    if "notification_message_id" not in values or until is None:
        return None
    change(
        uow,
        callback,
        actor=actor,
        kind=Event.NOTIFICATION_QUEUED,
        values=values,
        facts={"message_id": values["notification_message_id"], "again": True},
        detail="its turn came; the last notice is too old to announce the call, a new one is "
        "queued",
    )
    _put_off(uow, actor=actor, callback=callback, until=until, rules=[NOTICE_RULE])
    return Turn.PUT_OFF


def take_turn(
    uow: UnitOfWork,
    *,
    actor: Actor,
    policy: PolicyConfig,
    queue: QueueConfig,
    callback_id: int,
    agent_id: int,
    agent_version: int,
    offer_seconds: float,
    now: datetime,
) -> Turn:
    """The held callback's turn with `agent_id` (in the Ready spell of `agent_version`). One
    transaction; Conflict (nothing written) when it or the agent moved on meanwhile."""
    with uow.atomic():
        callback = load_callback(uow, callback_id)
        if not callback.held_in_queue or callback.status not in HELD_STATUSES:
            raise Conflict("the callback no longer holds a place in line", field="callback_id")
        due, decision = plan_due(uow, policy=policy, callback=callback, now=now)
        if refuse_for_good(
            uow,
            callback,
            actor=actor,
            decision=decision,
            now=now,
            values={"held_in_queue": False},
        ):
            return Turn.REFUSED
        if _notice_too_old(policy, callback, now):
            noticed = _notice_again(uow, actor=actor, policy=policy, callback=callback)
            if noticed is not None:
                return noticed
        timed = [r.rule_id for r in decision.failed if r.blocker is Blocker.TIME]
        # The notice told the customer the call comes from `announced`: not before.
        announced = callback.due_at
        later = [at for at in (due, announced) if at is not None and at > now]
        if later:
            rules = timed if due is not None and due > now else [NOTICE_RULE]
            _put_off(uow, actor=actor, callback=callback, until=max(later), rules=rules)
            return Turn.PUT_OFF
        if callback.status != CallbackStatus.SCHEDULED.value:
            return Turn.NOT_YET
        released = {"held_in_queue": False, "held_until": None}
        facts = {"queue": queue.name, "mode": queue.callback_mode.value, "agent_id": agent_id}
        if queue.callback_mode is CallbackMode.CUSTOMER_FIRST:
            change(
                uow,
                callback,
                actor=actor,
                kind=Event.QUEUE_TURN,
                values={**released, "due_at": now},
                detail="Its turn in line came: released to be dialled now (customer first).",
                facts={**facts, "agent_id": None},
            )
            return Turn.RELEASED
        presence.change_state(
            uow,
            actor=actor,
            agent_id=agent_id,
            state=AgentState.NOT_READY_FOLLOW_UP,
            reason=f"queue callback {callback.id}",
            expected_version=agent_version,
        )
        lease = Lease.take(str(actor)[:80], now=now, seconds=offer_seconds)
        change(
            uow,
            callback,
            actor=actor,
            kind=Event.QUEUE_TURN,
            values={
                **released,
                "lease_owner": lease.owner,
                "lease_token": lease.token,
                "lease_expires_at": lease.expires_at,
            },
            detail=f"Its turn in line came: agent {agent_id} is reserved to dial it (agent first).",
            facts=facts,
        )
        claim = CallbackClaim(
            id=callback.id,
            lease_owner=lease.owner,
            lease_token=lease.token,
            lease_expires_at=lease.expires_at,
            due_at=announced or now,
            line_of_business=callback.line_of_business,
            owner_agent_id=callback.owner_agent_id,
            in_assignment_pool=callback.in_assignment_pool,
        )
        outcome = offer_under_lease(uow, claim, agent_id, now=now, offer_seconds=offer_seconds)
        if outcome != "offered":
            raise Conflict(f"the callback could not be offered ({outcome})", field="callback_id")
        return Turn.OFFERED


def expire_held(
    db: Database, *, actor: Actor, queues: Mapping[str, QueueConfig], now: datetime
) -> int:
    """Closes the held callbacks whose turn has not come `callback_expiry_minutes` after they
    could first be dialled, each in its own transaction; returns how many."""
    with db.uow() as uow:
        rows = uow.session.execute(
            select(
                Callback.id,
                Callback.created_at,
                Callback.due_at,
                Callback.held_until,
                IvrWalk.queue,
            )
            .join(IvrWalk, IvrWalk.callback_id == Callback.id)
            .where(Callback.held_in_queue.is_(True), Callback.status.in_(HELD_STATUSES))
            .order_by(Callback.created_at, Callback.id)
        ).all()
    closed = 0
    for callback_id, created_at, due_at, held_until, queue_name in rows:
        queue = queues.get(queue_name or "")
        if queue is None:
            continue
        minutes = queue.callback_expiry_minutes
        dialable = max(at for at in (created_at, due_at, held_until) if at is not None)
        if dialable + timedelta(minutes=minutes) > now:
            continue
        reason = (
            f"expired: its turn in {queue.name} did not come within {minutes} minutes of when "
            "it could first be dialled"
        )
        try:
            with db.uow() as uow:
                cancel_callback(uow, actor=actor, callback_id=callback_id, reason=reason)
        except DomainError:
            continue  # dialled, cancelled or changed meanwhile: the next round sees it afresh
        closed += 1
    return closed
