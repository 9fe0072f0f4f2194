"""Telling the customer before the call (OB-NOTIFY) and scheduling Service Assurance callbacks by
email first (OB-SA-EMAIL-FIRST): composing the messages into the outbox, in the callback's own
transaction, and moving callbacks on once the outbox reports them sent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from caredesk.accounts.models import Account, ContactKind, Person, PersonRole
from caredesk.accounts.models import ContactPoint as ContactRow
from caredesk.accounts.zones import zones_of
from caredesk.agents.models import Agent as AgentRow
from caredesk.agents.service import Schedule, get_schedule
from caredesk.audit.service import Actor
from caredesk.callbacks.models import Callback
from caredesk.channels.compose import compose_notice, compose_scheduling_email
from caredesk.channels.models import OutboxMessage
from caredesk.channels.outbox import enqueue_message
from caredesk.channels.ports import Channel
from caredesk.channels.templates.catalog import TEMPLATES, MessageBrand
from caredesk.config import Settings, get_settings
from caredesk.db.session import UnitOfWork
from caredesk.errors import ValidationFailed
from caredesk.policy import (
    CallbackReason,
    LineOfBusiness,
    LocalWindow,
    PolicyConfig,
)
from caredesk.tickets.models import Ticket

NOTIFIER = Actor.system("notifications")
SLOT_LENGTH = timedelta(hours=1)
SLOT_LEAD = timedelta(hours=2)
SLOT_HORIZON = timedelta(days=14)
SLOTS_OFFERED = 3

PURPOSES = {
    CallbackReason.DROPPED_CALL: "your recent call with us",
    CallbackReason.DEVICE_UNUSABLE: "your device that stopped working",
    CallbackReason.DEVICE_TROUBLESHOOTING: "troubleshooting your device",
    CallbackReason.TICKET_UPDATE: "an update on your ticket",
    CallbackReason.TICKET_TROUBLESHOOTING: "troubleshooting the issue on your ticket",
    CallbackReason.EMAIL_REQUEST: "the request you emailed us",
    CallbackReason.SHIFT_HANDOFF: "your open request",
    CallbackReason.QUEUE_CALLBACK: "the call you asked us to return",
    CallbackReason.CUSTOMER_REQUESTED: "the callback you asked for",
    CallbackReason.ACTIVATION: "your activation",
    CallbackReason.SALES: "your recent order",
}
# Handbook template names ("Dropped Call") to the message templates that carry them.
TEMPLATE_KEYS = {info.display_name.casefold(): key for key, info in TEMPLATES.items()}


def message_brand(settings: Settings | None = None) -> MessageBrand:
    settings = settings or get_settings()
    return MessageBrand(
        name=settings.brand_name,
        support_number=settings.support_number,
        care_mailbox=settings.care_mailbox,
    )


def default_platform_line() -> str:
    """The first platform line of this installation (the number customers see us call from)."""
    return get_settings().voice_lines[0]


@dataclass(frozen=True)
class Recipient:
    person: Person
    email: str | None
    zone: str


def recipient_for(uow: UnitOfWork, account: Account, person: Person, number: str) -> Recipient:
    """Who the messages go to: the person's email address when there is one (else the account
    holder's), in the zone their calling hours are read in."""
    emails = uow.session.execute(
        select(Person.id, ContactRow.value)
        .join(ContactRow, ContactRow.person_id == Person.id)
        .where(Person.account_id == account.id, ContactRow.kind == ContactKind.EMAIL.value)
        .order_by(ContactRow.id)
    ).all()
    own = [value for person_id, value in emails if person_id == person.id]
    holder_ids = {p.id for p in account.people if p.role == PersonRole.ACCOUNT_HOLDER.value}
    holders = [value for person_id, value in emails if person_id in holder_ids]
    email = next(iter(own or holders), None)
    zones = zones_of(uow, account, number).zones
    return Recipient(person, email, zones[0] if zones else "UTC")


def template_key(name: str) -> str:
    key = TEMPLATE_KEYS.get(name.casefold())
    if key is None:
        raise ValidationFailed(
            f'the policy names the template "{name}" for this callback, and no message template '
            f"has that name ({', '.join(info.display_name for info in TEMPLATES.values())})",
            field="reason",
        )
    return key


def case_number(uow: UnitOfWork, ticket_id: int | None) -> str | None:
    if ticket_id is None:
        return None
    return uow.session.scalar(select(Ticket.case_number).where(Ticket.id == ticket_id))


def queue_notice(
    uow: UnitOfWork,
    *,
    callback: Callback,
    recipient: Recipient,
    template: str,
    callback_at: datetime,
    from_line: str,
    brand: MessageBrand,
    send_at: datetime | None = None,
    again: bool = False,
) -> OutboxMessage:
    """OB-NOTIFY: the "Customer Callback" or "Dropped Call" message, by email when the customer
    has an address, else by text to the number we will call. It goes out at ``send_at`` (the
    lead time before ``callback_at``); ``again`` for a notice of a plan that moved."""
    channel, to = (
        (Channel.EMAIL, recipient.email) if recipient.email else (Channel.SMS, callback.number)
    )
    context: dict[str, Any] = {
        "customer_first_name": recipient.person.first_name[:60],
        "zone": recipient.zone,
        "from_number": from_line,
        "callback_at": callback_at,
        "purpose": PURPOSES[CallbackReason(callback.reason)],
        "ticket_number": case_number(uow, callback.ticket_id),
    }
    message = compose_notice(
        key=template_key(template),
        channel=channel,
        to=to,
        context=context,
        idempotency_key=(
            f"callback:{callback.id}:notice:{callback_at.astimezone(UTC):%Y%m%dT%H%M%SZ}"
            if again
            else f"callback:{callback.id}:notice"
        ),
        brand=brand,
    )
    return enqueue_message(
        uow, kind=f"callback.{template_key(template)}", message=message, available_at=send_at
    )


def queue_scheduling_email(
    uow: UnitOfWork,
    *,
    callback: Callback,
    recipient: Recipient,
    slots: Sequence[tuple[datetime, datetime]],
    specialist: AgentRow | None,
    from_line: str,
    brand: MessageBrand,
    key_suffix: str | None = None,
) -> OutboxMessage:
    """OB-SA-EMAIL-FIRST, OB-SA-PREPARE, OB-SA-ALTERNATIVE: purpose, the offered times (each
    also as a calendar invitation), next steps, what to have ready and the 800 number.
    ``key_suffix`` tells a later email with other times from the first one."""
    if recipient.email is None:
        raise ValidationFailed(
            "an email request is scheduled by email first (OB-SA-EMAIL-FIRST) and this "
            "customer has no email address on file",
            field="person_id",
        )
    context: dict[str, Any] = {
        "customer_first_name": recipient.person.first_name[:60],
        "zone": recipient.zone,
        "purpose": PURPOSES[CallbackReason(callback.reason)],
        "ticket_number": case_number(uow, callback.ticket_id),
        "specialist_name": specialist.name[:120] if specialist else None,
        "from_number": from_line,
        "slots": [{"start": start, "end": end} for start, end in slots],
    }
    message = compose_scheduling_email(
        callback_id=callback.id,
        to=recipient.email,
        context=context,
        idempotency_key=f"callback:{callback.id}:sa-scheduling"
        + (f":{key_suffix}" if key_suffix else ""),
        stamp=uow.clock.now(),
        brand=brand,
    )
    return enqueue_message(uow, kind="callback.sa_scheduling_email", message=message)


def offer_times(
    uow: UnitOfWork,
    *,
    policy: PolicyConfig,
    callback: Callback,
    recipient: Recipient,
    owner: AgentRow | None,
    offered: Sequence[tuple[datetime, datetime]],
    from_line: str,
    brand: MessageBrand,
) -> OutboxMessage:
    """Queues the scheduling email with the times given, or the times proposed from the
    calling window (and the specialist's shift), and notes them on the callback."""
    if not offered:
        lob_policy = policy.for_lob(LineOfBusiness(callback.line_of_business))
        schedule = get_schedule(uow, agent_id=owner.id) if owner else None
        account = uow.session.get(Account, callback.account_id)
        offered = propose_slots(
            now=uow.clock.now(),
            zones=zones_of(uow, account, callback.number).zones if account else (),
            window=LocalWindow(lob_policy.window_start, lob_policy.window_end),
            # A specialist with no shifts on record offers the calling window as it is.
            schedule=schedule if schedule and schedule.shifts else None,
        )
    if not offered:
        raise ValidationFailed(
            "no time inside the calling window (and the specialist's shift) in the next "
            "14 days; offer times explicitly",
            field="slots",
        )
    message = queue_scheduling_email(
        uow,
        callback=callback,
        recipient=recipient,
        slots=offered,
        specialist=owner,
        from_line=from_line,
        brand=brand,
    )
    callback.scheduling_email_message_id = message.id
    callback.offered_slots = [
        {"start": start.isoformat(), "end": end.isoformat()} for start, end in offered
    ]
    return message


def _inside(window: LocalWindow, zones: Sequence[str], start: datetime, end: datetime) -> bool:
    last = end - timedelta(seconds=1)
    for key in zones:
        zone = ZoneInfo(key)
        local_start, local_last = start.astimezone(zone), last.astimezone(zone)
        if local_start.date() != local_last.date():
            return False
        if not (window.contains(local_start.time()) and window.contains(local_last.time())):
            return False
    return True


def propose_slots(
    *,
    now: datetime,
    zones: Sequence[str],
    window: LocalWindow,
    schedule: Schedule | None,
    count: int = SLOTS_OFFERED,
) -> list[tuple[datetime, datetime]]:
    """Hour-long times to offer in the scheduling email: inside the customer's calling window
    in every zone they may be in, inside the specialist's shift when one owns the callback, at
    least two hours ahead, one per customer-local day so the choice is real."""
    zones = list(zones) or ["UTC"]
    first_zone = ZoneInfo(zones[0])
    start = (now + SLOT_LEAD).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    start += timedelta(hours=1)
    found: list[tuple[datetime, datetime]] = []
    days: set[object] = set()
    while start < now + SLOT_HORIZON and len(found) < count:
        end = start + SLOT_LENGTH
        day = start.astimezone(first_zone).date()
        fits = day not in days and _inside(window, zones, start, end)
        if fits and schedule is not None:
            shift_end = schedule.shift_end_after(start)
            fits = shift_end is not None and shift_end >= end
        if fits:
            found.append((start, end))
            days.add(day)
        start += timedelta(hours=1)
    return found
