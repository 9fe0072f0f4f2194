"""When a callback is due: the plan decision's next allowed instant, the customer's chosen slot
for Service Assurance email requests, ownership inside the specialist's shift or the assignment
pool (OB-SA-OWNERSHIP), and "why not now?" for any step."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select

from caredesk.accounts.models import Account, Person
from caredesk.agents.models import Agent as AgentRow
from caredesk.agents.service import get_agent, get_schedule
from caredesk.audit.service import Actor
from caredesk.callbacks.attention import flag_dead_messages
from caredesk.callbacks.inbound_link import inbound_facts, load_inbound_call, tied_inbound
from caredesk.callbacks.models import Callback, CallbackStatus
from caredesk.callbacks.notices import (
    NOTIFIER,
    default_platform_line,
    message_brand,
    queue_notice,
    recipient_for,
)
from caredesk.callbacks.policy_view import build_context, sent_at, shift_around
from caredesk.callbacks.records import Event, change, load_callback, refusal_text
from caredesk.channels.models import OutboxMessage, OutboxStatus
from caredesk.channels.outbox import withdraw_message
from caredesk.db.session import UnitOfWork
from caredesk.errors import DomainError
from caredesk.policy import (
    SERVICE_ASSURANCE,
    Blocker,
    CallerRole,
    Decision,
    LineOfBusiness,
    NoticePlan,
    PolicyConfig,
    Step,
    evaluate,
    plan_notice,
    sa_owner_keeps,
)

# Callbacks put on record in one pass of the dispatcher.
ADVANCE_BATCH = 500


def final_failures(decision: Decision) -> list[str]:
    """Rules that failed for good: no waiting or doing helps this callback."""
    return [result.rule_id for result in decision.failed if result.blocker is Blocker.FINAL]


def refuse_for_good(
    uow: UnitOfWork,
    callback: Callback,
    *,
    actor: Actor,
    decision: Decision,
    now: datetime,
    values: dict[str, Any] | None = None,
    facts: dict[str, Any] | None = None,
) -> bool:
    """Whether `decision` refuses the callback for good (`final_failures`); if so it is closed
    as refused by those rules (with `values` written alongside): the refusal's rules and
    sentences are stored and its event recorded."""
    finals = final_failures(decision)
    if not finals:
        return False
    change(
        uow,
        callback,
        actor=actor,
        kind=Event.REFUSED,
        to=CallbackStatus.REFUSED,
        values={
            **(values or {}),
            "refused_rules": finals,
            "refusal_detail": refusal_text(decision)[:2000],
            "closed_at": now,
        },
        rule_ids=finals,
        detail=refusal_text(decision),
        facts=facts,
    )
    return True


def owner_of(uow: UnitOfWork, callback: Callback) -> AgentRow | None:
    if callback.owner_agent_id is None:
        return None
    return get_agent(uow, agent_id=callback.owner_agent_id)


def plan_decision(
    uow: UnitOfWork, *, policy: PolicyConfig, callback: Callback, now: datetime
) -> Decision:
    """The callback judged as planned: its own number, its owner (or whoever takes it)."""
    context = build_context(
        uow,
        callback=callback,
        step=Step.PLAN,
        now=now,
        agent=owner_of(uow, callback),
        caller_role=CallerRole(callback.caller_role),
    )
    return evaluate(context, policy)


def plan_due(
    uow: UnitOfWork, *, policy: PolicyConfig, callback: Callback, now: datetime
) -> tuple[datetime | None, Decision]:
    """The due time: the plan decision's next allowed instant (``now`` when allowed now).
    None when no instant will do as things stand (a FINAL rule, or an unknown time zone)."""
    decision = plan_decision(uow, policy=policy, callback=callback, now=now)
    if final_failures(decision):
        return None, decision
    return decision.next_allowed_at, decision


def notice_times(
    uow: UnitOfWork, *, policy: PolicyConfig, callback: Callback, now: datetime
) -> NoticePlan | None:
    """OB-NOTIFY: when the notice goes and when the dial it announces follows (the lead time
    later), both at instants the plan allows; None when no instant will do."""
    return plan_notice(
        lambda at: plan_due(uow, policy=policy, callback=callback, now=at)[0],
        now=now,
        lead=timedelta(minutes=policy.notice_lead_minutes),
    )


def ownership(
    uow: UnitOfWork, *, lob: LineOfBusiness, owner: AgentRow | None, due: datetime | None
) -> dict[str, Any]:
    """OB-SA-OWNERSHIP: a Service Assurance callback due inside its owner's shift stays with
    them; otherwise, and for every unowned callback, it goes to the line of business's tracked
    assignment pool. Outside Service Assurance a named owner keeps it."""
    now = uow.clock.now()
    pool = {"owner_agent_id": None, "in_assignment_pool": True, "pooled_at": now}
    if owner is None:
        return pool
    keep = {"owner_agent_id": owner.id, "in_assignment_pool": False, "pooled_at": None}
    if lob not in SERVICE_ASSURANCE:
        return keep
    when = due or now
    shift = shift_around(get_schedule(uow, agent_id=owner.id), when)
    return keep if sa_owner_keeps(when, shift) else pool


def why_not_now(
    uow: UnitOfWork,
    *,
    policy: PolicyConfig,
    callback_id: int,
    agent_id: int | None = None,
    step: Step = Step.DIAL,
    now: datetime,
    inbound_call_id: int | None = None,
) -> Decision:
    """The policy's decision for one step of one callback: every rule, its verdict and facts,
    the next allowed instant and the steps still required. Without ``agent_id`` it is judged
    for the agent it is offered to, else its owner, else any agent in Not Ready - Follow-Up.
    With ``inbound_call_id``, as a dial from that inbound call (judged on the stored call, as
    the dial would be); the Consult path's steps read the call the last dial named."""
    callback = load_callback(uow, callback_id)
    agent_ref = agent_id or callback.offered_to_agent_id or callback.owner_agent_id
    agent = get_agent(uow, agent_id=agent_ref) if agent_ref else None
    caller_role = None if agent else CallerRole(callback.caller_role)
    inbound = None
    if inbound_call_id is not None:
        line_one = load_inbound_call(
            uow, call_id=inbound_call_id, account_id=callback.account_id, lock=False
        )
        inbound = inbound_facts(line_one)
    elif step in (Step.CONSULT, Step.END_LINE_ONE, Step.RECONNECT):
        inbound = tied_inbound(uow, callback)
    context = build_context(
        uow,
        callback=callback,
        step=step,
        now=now,
        agent=agent,
        caller_role=caller_role,
        inbound_call=inbound,
    )
    return evaluate(context, policy)


def advance_after_notifications(uow: UnitOfWork, *, policy: PolicyConfig, now: datetime) -> int:
    """Puts on record the customer messages the outbox has sent: a callback waiting for its
    notice becomes SCHEDULED, due at the plan decision's next allowed instant; a Service
    Assurance callback notes its scheduling email (it is scheduled once the customer picks a
    time). One whose message the outbox gave up on needs attention. One transaction per
    callback; returns how many changed."""
    changed = 0
    for callback_id in list(uow.session.scalars(waiting_on_messages_query())):
        try:
            with uow.atomic():
                callback = load_callback(uow, callback_id)
                moved = record_sent_messages(uow, callback, actor=NOTIFIER, policy=policy, now=now)
        except DomainError:
            # Changed by someone else since it was read; the next pass sees it afresh.
            continue
        changed += moved
    return changed + flag_dead_messages(uow) + renotice_stale(uow, policy=policy, now=now)


def reschedule_due(uow: UnitOfWork, *, policy: PolicyConfig, callback: Callback) -> dict[str, Any]:
    """Values for putting a callback back in the schedule (another attempt, a follow-up). When
    the plan moves past what the last notice announced, a new notice is queued for the lead
    time before the new dial (OB-NOTIFY), and the dial waits for it."""
    now = uow.clock.now()
    due, _decision = plan_due(uow, policy=policy, callback=callback, now=now)
    values: dict[str, Any] = {
        "due_at": due,
        "offered_to_agent_id": None,
        "offered_at": None,
        "lease_owner": None,
        "lease_token": None,
        "lease_expires_at": None,
    }
    sent = callback.notified_at
    valid = timedelta(minutes=policy.notice_valid_minutes)
    if due is None or not callback.notification_template or (sent and due - sent <= valid):
        return values
    values.update(_notice_again(uow, policy=policy, callback=callback, now=now) or {})
    return values


def _notice_again(
    uow: UnitOfWork, *, policy: PolicyConfig, callback: Callback, now: datetime
) -> dict[str, Any] | None:
    """Queues a new notice the lead time before a newly planned dial, in the caller's
    transaction; the values that put it on the callback, or None when no plan will do."""
    plan = notice_times(uow, policy=policy, callback=callback, now=now)
    account = uow.session.get(Account, callback.account_id)
    person = uow.session.get(Person, callback.person_id) if callback.person_id else None
    if plan is None or account is None or person is None or not callback.notification_template:
        return None
    if callback.notification_message_id is not None:
        withdraw_message(
            uow,
            actor=NOTIFIER,
            message_id=callback.notification_message_id,
            reason=f"callback {callback.id}: the plan moved",
        )
    owner = owner_of(uow, callback)
    message = queue_notice(
        uow,
        callback=callback,
        recipient=recipient_for(uow, account, person, callback.number),
        template=callback.notification_template,
        callback_at=plan.dial_at,
        from_line=owner.platform_line if owner else default_platform_line(),
        brand=message_brand(),
        send_at=plan.notice_at,
        again=True,
    )
    return {"due_at": plan.dial_at, "notification_message_id": message.id, "notified_at": None}


def renotice_stale(uow: UnitOfWork, *, policy: PolicyConfig, now: datetime) -> int:
    """A scheduled callback nobody dialled while its notice was fresh (the window closed, no
    agent was free) gets a new notice the lead time before its next possible dial: a notice
    hours old does not say "about to call". One transaction per callback."""
    stale_before = now - timedelta(minutes=policy.notice_valid_minutes - policy.notice_lead_minutes)
    ids = list(
        uow.session.scalars(
            select(Callback.id)
            .where(
                Callback.status == CallbackStatus.SCHEDULED.value,
                Callback.notified_at.is_not(None),
                Callback.notified_at <= stale_before,
                # A queue callback holding its place is noticed again at its turn, not every
                # hour it waits in line.
                Callback.held_in_queue.is_(False),
            )
            .order_by(Callback.id)
            .limit(500)
        )
    )
    changed = 0
    for callback_id in ids:
        try:
            with uow.atomic():
                moved = _renotice(uow, policy=policy, callback_id=callback_id, now=now)
        except DomainError:
            continue  # changed meanwhile (nothing written); the next pass sees it afresh
        changed += moved
    return changed


def _renotice(uow: UnitOfWork, *, policy: PolicyConfig, callback_id: int, now: datetime) -> bool:
    callback = load_callback(uow, callback_id)
    values = _notice_again(uow, policy=policy, callback=callback, now=now)
    if values is None:
        return False
    change(
        uow,
        callback,
        actor=NOTIFIER,
        kind=Event.NOTIFICATION_QUEUED,
        values=values,
        facts={"message_id": values["notification_message_id"], "again": True},
        detail="the last notice is too old to announce the call; a new one is queued",
    )
    return True


def record_sent_messages(
    uow: UnitOfWork, callback: Callback, *, actor: Actor, policy: PolicyConfig, now: datetime
) -> bool:
    """Copies the outbox's "sent" onto the callback (notified_at, scheduling_email_sent_at) and
    moves an AWAITING_NOTIFICATION callback to SCHEDULED, in the caller's transaction. True
    when anything changed.
    The due time comes from the plan decision at that moment (``scheduling.plan``)."""
    changed = False
    email_sent = sent_at(uow, callback.scheduling_email_message_id)
    if email_sent is not None and callback.scheduling_email_sent_at is None:
        change(
            uow,
            callback,
            actor=actor,
            kind=Event.SCHEDULING_EMAIL_SENT,
            values={"scheduling_email_sent_at": email_sent},
            facts={"message_id": callback.scheduling_email_message_id},
        )
        changed = True
    notice_sent = sent_at(uow, callback.notification_message_id)
    if notice_sent is None or callback.notified_at is not None:
        return changed
    values: dict[str, Any] = {"notified_at": notice_sent}
    facts: dict[str, Any] = {
        "template": callback.notification_template,
        "message_id": callback.notification_message_id,
        "sent_at": notice_sent,
    }
    if callback.status != CallbackStatus.AWAITING_NOTIFICATION.value:
        change(uow, callback, actor=actor, kind=Event.NOTIFIED, values=values, facts=facts)
        return True
    due, decision = plan_due(uow, policy=policy, callback=callback, now=now)
    if refuse_for_good(
        uow, callback, actor=actor, decision=decision, now=now, values=values, facts=facts
    ):
        return True
    # The notice announced the call for the planned dial: not before it.
    planned = callback.due_at
    values["due_at"] = max(due, planned) if due is not None and planned is not None else due
    due = values["due_at"]
    facts["next_allowed_at"] = decision.next_allowed_at
    change(
        uow,
        callback,
        actor=actor,
        kind=Event.NOTIFIED,
        to=CallbackStatus.SCHEDULED,
        values=values,
        facts=facts,
        detail=f'"{callback.notification_template}" sent; {_due_text(due)}',
    )
    return True


def _due_text(due: datetime | None) -> str:
    if due is None:
        return "not due until the policy allows a time (see why-not-now)"
    return f"due {due.isoformat()}"


def waiting_on_messages_query() -> Any:
    """Callbacks whose notice or scheduling email was sent and is not yet on their record."""
    notice = and_(
        Callback.notified_at.is_(None),
        Callback.notification_message_id.is_not(None),
        OutboxMessage.id == Callback.notification_message_id,
    )
    email = and_(
        Callback.scheduling_email_sent_at.is_(None),
        Callback.scheduling_email_message_id.is_not(None),
        OutboxMessage.id == Callback.scheduling_email_message_id,
    )
    open_statuses = [
        CallbackStatus.AWAITING_NOTIFICATION.value,
        CallbackStatus.AWAITING_SCHEDULE.value,
        CallbackStatus.SCHEDULED.value,
        CallbackStatus.OFFERED.value,
    ]
    return (
        select(Callback.id)
        .join(OutboxMessage, or_(notice, email))
        .where(Callback.status.in_(open_statuses), OutboxMessage.status == OutboxStatus.SENT.value)
        .order_by(Callback.id)
        .limit(ADVANCE_BATCH)
    )
