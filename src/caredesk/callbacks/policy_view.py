"""Building the policy's view of one callback from the database: ``PolicyContext`` for one
callback, one agent, one step and one instant. The policy reads nothing else, so everything a
rule needs is gathered here: the account's contact points and zone, the attempts, the messages
the outbox actually sent, the consent windows, the owner's shift and what happened on the call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from caredesk.accounts.consent import list_consents
from caredesk.accounts.models import Account, ContactKind, Person, PersonRole
from caredesk.accounts.models import ContactPoint as ContactRow
from caredesk.accounts.zones import zone_facts
from caredesk.agents.models import Agent as AgentRow
from caredesk.agents.models import AgentRole
from caredesk.agents.service import Schedule, get_schedule
from caredesk.agents.shifts import occurrences
from caredesk.callbacks.models import Callback, CallbackAttempt, CallbackEvent
from caredesk.callbacks.records import Event
from caredesk.channels.queries import delivery_of
from caredesk.db.session import UnitOfWork
from caredesk.policy import (
    Agent,
    AgentState,
    Attempt,
    AttemptResult,
    CallbackOrigin,
    CallbackReason,
    CallEnd,
    CallerRole,
    CallProgress,
    ConsentChannel,
    ContactPoint,
    ContactProvenance,
    Customer,
    DialTarget,
    EmailItem,
    History,
    InboundCall,
    LineOfBusiness,
    Notification,
    PaymentRaisedBy,
    PolicyContext,
    SchedulingEmail,
    Shift,
    Step,
    WrapUp,
)
from caredesk.policy import Callback as PolicyCallback
from caredesk.policy import ConsentWindow as PolicyConsent
from caredesk.tickets.models import Ticket

# Stands in for "whichever agent takes it" when no agent is named: a callback is planned for the
# state it will be dialled from, so OB-STATE does not colour the plan.
# (No id: the explanations then speak of "the agent who takes it".)
UNASSIGNED = Agent("", AgentState.NOT_READY_FOLLOW_UP)
# The sa_scheduling_email template states every item the Service Assurance rules look for.
SCHEDULING_EMAIL_ITEMS = frozenset(EmailItem)
_CONSENT_CHANNELS = {
    "voice": ConsentChannel.PHONE,
    "chat": ConsentChannel.CHAT,
    "email": ConsentChannel.EMAIL,
    "portal": ConsentChannel.PORTAL,
    "api": ConsentChannel.PORTAL,
}
_ROLES = {
    AgentRole.LEADER.value: CallerRole.LEADER,
    AgentRole.ADMIN.value: CallerRole.LEADER,
    AgentRole.SPECIALIST.value: CallerRole.SPECIALIST,
}


def caller_role_of(agent: AgentRow) -> CallerRole:
    return _ROLES.get(agent.role, CallerRole.AGENT)


def sent_at(uow: UnitOfWork, message_id: int | None) -> datetime | None:
    """When the outbox message went out; None while it is still pending (or dead)."""
    delivery = delivery_of(uow, message_id)
    return delivery.went_at if delivery is not None else None


def shift_around(schedule: Schedule, instant: datetime) -> Shift | None:
    """The stretch on shift that holds ``instant``, or None when the agent is off shift then."""
    if not schedule.shifts:
        return None
    ends = schedule.shift_end_after(instant)
    if ends is None:
        return None
    starts = [
        begins
        for begins, finish in occurrences(
            schedule.shifts, schedule.zone, instant - timedelta(days=2), instant + timedelta(0, 1)
        )
        if begins <= instant < finish
    ]
    if not starts or ends <= min(starts):
        return None
    return Shift(min(starts), ends)


def _provenance(person: Person, contact: ContactRow) -> ContactProvenance:
    if contact.given_by.startswith("agent:"):
        return ContactProvenance.GIVEN_ON_CALL
    if person.role == PersonRole.AUTHORISED_USER.value:
        return ContactProvenance.AUTHORISED_USER
    return ContactProvenance.ACCOUNT


def customer_of(uow: UnitOfWork, account_id: int) -> Customer:
    """The customer as the policy sees them; the zone facts come from the same reader as the
    account's zones endpoint (accounts.zones), so the two cannot disagree."""
    account = uow.session.get(Account, account_id)
    rows = uow.session.execute(
        select(Person, ContactRow)
        .join(ContactRow, ContactRow.person_id == Person.id)
        .where(Person.account_id == account_id, ContactRow.kind == ContactKind.PHONE.value)
        .order_by(Person.id, ContactRow.id)
    ).all()
    points = tuple(dict.fromkeys(ContactPoint(c.value, _provenance(p, c)) for p, c in rows))
    facts = zone_facts(uow, account) if account is not None else None
    return Customer(
        account_id=str(account_id),
        zone=facts.account_zone if facts else None,
        contact_points=points,
        confirmed_zones=facts.confirmations if facts else (),
    )


def attempts_of(uow: UnitOfWork, callback: Callback) -> list[CallbackAttempt]:
    if callback.id is None:
        return []
    return list(
        uow.session.scalars(
            select(CallbackAttempt)
            .where(CallbackAttempt.callback_id == callback.id)
            .order_by(CallbackAttempt.id)
        )
    )


def _consents(uow: UnitOfWork, callback: Callback, now: datetime) -> tuple[PolicyConsent, ...]:
    if callback.id is None:
        return ()
    found = []
    for row in list_consents(uow, account_id=callback.account_id, callback_id=callback.id):
        if row.closed_at is not None and row.closed_at <= now:
            continue
        person = row.person
        role = person.role.replace("_", " ")
        found.append(
            PolicyConsent(
                callback_id=str(callback.id),
                given_by=f"{person.first_name} {person.last_name} ({role}, person {person.id})",
                entered_by=row.recorded_by,
                given_at=row.given_at,
                channel=_CONSENT_CHANNELS.get(row.channel, ConsentChannel.PORTAL),
                start=row.window_start,
                end=row.window_end,
                zone=row.time_zone,
                expires_at=row.expires_at,
            )
        )
    return tuple(found)


def policy_callback(uow: UnitOfWork, callback: Callback, now: datetime) -> PolicyCallback:
    ticket_numbers: tuple[str, ...] = ()
    if callback.ticket_id is not None:
        number = uow.session.scalar(
            select(Ticket.case_number).where(Ticket.id == callback.ticket_id)
        )
        ticket_numbers = (number,) if number else ()
    attempts = tuple(
        Attempt(row.started_at, row.number, AttemptResult(row.result), row.ended_at)
        for row in attempts_of(uow, callback)
        if row.result is not None
    )
    notifications: tuple[Notification, ...] = ()
    queued: datetime | None = None
    template = callback.notification_template
    if template:
        # One read of the notice's message gives both: when it went, or when it is to go.
        notice = (
            None if callback.notified_at else delivery_of(uow, callback.notification_message_id)
        )
        notice_sent = callback.notified_at or (notice.went_at if notice else None)
        if notice_sent is not None:
            notifications = (Notification(template, notice_sent),)
        elif notice is not None:
            queued = notice.goes_at
    email_sent = callback.scheduling_email_sent_at or sent_at(
        uow, callback.scheduling_email_message_id
    )
    email = SchedulingEmail(email_sent, SCHEDULING_EMAIL_ITEMS) if email_sent else None
    return PolicyCallback(
        callback_id=str(callback.id) if callback.id is not None else "new",
        reason=CallbackReason(callback.reason),
        origin=CallbackOrigin(callback.origin),
        policy_reference=callback.policy_reference,
        ticket_numbers=ticket_numbers,
        due_at=callback.due_at,
        owner_agent_id=str(callback.owner_agent_id) if callback.owner_agent_id else None,
        assignment_tracked=bool(callback.in_assignment_pool or callback.pooled_at),
        attempts=attempts,
        notifications=notifications,
        notice_queued_for=queued,
        scheduling_email=email,
        consents=_consents(uow, callback, now),
    )


def policy_agent(
    uow: UnitOfWork,
    agent: AgentRow | None,
    around: datetime,
    inbound_call: InboundCall | None = None,
) -> Agent:
    if agent is None:
        return UNASSIGNED
    shift = shift_around(get_schedule(uow, agent_id=agent.id), around)
    return Agent(str(agent.id), AgentState(agent.state), inbound_call=inbound_call, shift=shift)


def call_events(uow: UnitOfWork, callback: Callback) -> list[CallbackEvent]:
    """The events of the call in progress: everything since the last dial."""
    if callback.id is None:
        return []
    events = list(
        uow.session.scalars(
            select(CallbackEvent)
            .where(CallbackEvent.callback_id == callback.id)
            .order_by(CallbackEvent.id)
        )
    )
    last_dial = max((i for i, e in enumerate(events) if e.kind == Event.DIALING), default=-1)
    return events[last_dial + 1 :]


@dataclass(frozen=True)
class CallSoFar:
    """What the timeline says happened on the current call, in the policy's terms."""

    progress: CallProgress

    @classmethod
    def of(cls, callback: Callback, events: Sequence[CallbackEvent]) -> CallSoFar:
        kinds = {event.kind for event in events}
        payment: PaymentRaisedBy | None = None
        alternate_asked = False
        alternate: str | None = None
        consulted: str | None = None
        for event in events:
            facts: dict[str, Any] = event.facts or {}
            if event.kind == Event.PAYMENT_HELP and facts.get("raised_by"):
                payment = PaymentRaisedBy(facts["raised_by"])
            if event.kind == Event.ALTERNATE_NUMBER:
                alternate_asked = True
                alternate = facts.get("alternate_number") or None
            if event.kind == Event.CONSULTED:
                alternate_asked = True
                consulted = facts.get("consulted_number") or None
        return cls(
            CallProgress(
                answered=callback.contact_made,
                disclosure_read=Event.DISCLOSURE_READ in kinds,
                name_verified=Event.NAME_VERIFIED in kinds,
                payment_raised_by=payment,
                alternate_number_asked=alternate_asked,
                alternate_number=alternate or consulted,
                consulted_number=consulted,
                line_one_ended=Event.LINE_ONE_ENDED in kinds,
                reconnected=Event.RECONNECTED in kinds,
                voicemail_left=Event.VOICEMAIL_LEFT in kinds,
                support_number_offered=Event.SUPPORT_NUMBER_OFFERED in kinds,
            )
        )


def build_context(
    uow: UnitOfWork,
    *,
    callback: Callback,
    step: Step,
    now: datetime,
    agent: AgentRow | None = None,
    caller_role: CallerRole | None = None,
    dial: DialTarget | None = None,
    call: CallProgress | None = None,
    wrap_up: WrapUp | None = None,
    inbound_call: InboundCall | None = None,
) -> PolicyContext:
    """The policy context for ``step`` at ``now``. Without ``dial`` the callback's own number
    is the target, from the agent's platform line; without ``call`` the call so far comes from
    the timeline; without ``agent`` the callback is judged as if any eligible agent took it.
    ``inbound_call`` is the stored record's facts of the inbound call the call names (see
    ``inbound_link``), never a client's say-so."""
    if dial is None:
        dial = DialTarget(
            number=callback.number, originating_line=agent.platform_line if agent else ""
        )
    if call is None:
        call = CallSoFar.of(callback, call_events(uow, callback)).progress
    role = caller_role or (caller_role_of(agent) if agent else CallerRole(callback.caller_role))
    last_end = CallEnd(callback.last_call_end) if callback.last_call_end else None
    return PolicyContext(
        now=now,
        step=step,
        line_of_business=LineOfBusiness(callback.line_of_business),
        caller_role=role,
        agent=policy_agent(uow, agent, callback.due_at or now, inbound_call),
        customer=customer_of(uow, callback.account_id),
        callback=policy_callback(uow, callback, now),
        history=History(
            customer_spoken_to=callback.customer_spoken_to,
            agent_spoke_to_customer=callback.agent_spoke_to_customer,
            last_call_end=last_end,
        ),
        dial=dial,
        call=call,
        wrap_up=wrap_up,
    )
