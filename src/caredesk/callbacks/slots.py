"""Explicit times for a Service Assurance email request (OB-SA-EMAIL-FIRST): the specialist
offers times of their own (a new scheduling email carries them; the one not yet sent is
withdrawn), and/or enters the time the customer chose — both in one transaction."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from caredesk.accounts.consent import record_consent
from caredesk.accounts.models import Account, ConsentChannel, Person
from caredesk.audit.service import Actor
from caredesk.callbacks.inputs import Slots
from caredesk.callbacks.models import Callback, CallbackStatus
from caredesk.callbacks.notices import (
    NOTIFIER,
    queue_notice,
    queue_scheduling_email,
    recipient_for,
)
from caredesk.callbacks.policy_view import sent_at
from caredesk.callbacks.records import Event, change, load_callback
from caredesk.callbacks.request_inputs import check_slots
from caredesk.callbacks.runtime import CallbackRuntime
from caredesk.callbacks.scheduling import notice_times, owner_of, ownership
from caredesk.channels.outbox import withdraw_message
from caredesk.db.session import UnitOfWork
from caredesk.errors import Conflict, InvalidTransition, ValidationFailed
from caredesk.policy import CallbackOrigin, CallbackReason, LineOfBusiness


def _record_offer(
    uow: UnitOfWork,
    *,
    actor: Actor,
    callback: Callback,
    slots: Slots,
    email: bool,
    runtime: CallbackRuntime,
) -> None:
    if callback.status != CallbackStatus.AWAITING_SCHEDULE.value:
        raise InvalidTransition(
            f"times are offered while the callback waits for one; this one is {callback.status}",
            field="slots",
        )
    offered = check_slots(slots, CallbackOrigin(callback.origin), uow.clock.now())
    shown = [{"start": start.isoformat(), "end": end.isoformat()} for start, end in offered]
    values: dict[str, Any] = {"offered_slots": shown}
    facts: dict[str, Any] = {"slots": shown, "emailed": email}
    if email:
        account = uow.session.get(Account, callback.account_id)
        person = uow.session.get(Person, callback.person_id) if callback.person_id else None
        if account is None or person is None:
            raise ValidationFailed("the callback names no person to email", field="slots")
        if callback.scheduling_email_message_id is not None:
            withdraw_message(
                uow,
                actor=NOTIFIER,
                message_id=callback.scheduling_email_message_id,
                reason=f"callback {callback.id}: other times offered",
            )
        owner = owner_of(uow, callback)
        digest = hashlib.sha256(repr(shown).encode()).hexdigest()[:16]
        message = queue_scheduling_email(
            uow,
            callback=callback,
            recipient=recipient_for(uow, account, person, callback.number),
            slots=offered,
            specialist=owner,
            from_line=owner.platform_line if owner else runtime.default_line,
            brand=runtime.brand,
            key_suffix=digest,
        )
        values.update(scheduling_email_message_id=message.id, scheduling_email_sent_at=None)
        facts["message_id"] = message.id
    change(
        uow,
        callback,
        actor=actor,
        kind=Event.SLOTS_OFFERED,
        values=values,
        facts=facts,
        detail=f"{len(offered)} time(s) offered" + (" by email" if email else ""),
    )


def offer_slots(
    uow: UnitOfWork,
    *,
    actor: Actor,
    runtime: CallbackRuntime,
    callback_id: int,
    slots: Slots,
) -> Callback:
    """Offers these times instead of those first proposed, by a new scheduling email."""
    with uow.atomic():
        callback = load_callback(uow, callback_id)
        _record_offer(
            uow,
            actor=actor,
            callback=callback,
            slots=slots,
            email=True,
            runtime=runtime,
        )
        return callback


def offer_and_choose_slot(
    uow: UnitOfWork,
    *,
    actor: Actor,
    runtime: CallbackRuntime,
    callback_id: int,
    slots: Slots | None,
    slot: int | None,
    channel: ConsentChannel | str = ConsentChannel.EMAIL,
) -> Callback:
    """Explicit times and/or the customer's choice, in one transaction. Offered and chosen at
    once, the times are put on record without a new email (the customer already agreed; the
    scheduling email sent before still stands for OB-SA-EMAIL-FIRST)."""
    with uow.atomic():
        if not slots and slot is None:
            raise ValidationFailed("offer times, choose one, or both", field="slots")
        if slot is None:
            assert slots is not None
            return offer_slots(
                uow,
                actor=actor,
                runtime=runtime,
                callback_id=callback_id,
                slots=slots,
            )
        if slots:
            callback = load_callback(uow, callback_id)
            _record_offer(
                uow,
                actor=actor,
                callback=callback,
                slots=slots,
                email=False,
                runtime=runtime,
            )
        return choose_slot(
            uow,
            actor=actor,
            runtime=runtime,
            callback_id=callback_id,
            slot=slot,
            channel=channel,
        )


def parse_slot(text: str) -> tuple[datetime, datetime]:
    """ "START/END", both ISO 8601 with a UTC offset."""
    start_text, sep, end_text = text.partition("/")
    try:
        if not sep:
            raise ValueError
        start, end = datetime.fromisoformat(start_text), datetime.fromisoformat(end_text)
    except ValueError:
        raise ValidationFailed(
            f"{text!r} is not START/END in ISO 8601, e.g. "
            "2026-03-12T15:00+00:00/2026-03-12T16:00+00:00",
            field="slots",
        ) from None
    return start, end


def _consent_channel(channel: str) -> ConsentChannel:
    try:
        return ConsentChannel(channel)
    except ValueError:
        names = ", ".join(item.value for item in ConsentChannel)
        raise ValidationFailed(f"must be one of {names}", field="channel") from None


def offered_slot(callback: Callback, slot: int) -> tuple[datetime, datetime]:
    slots = callback.offered_slots or []
    if not 1 <= slot <= len(slots):
        raise ValidationFailed(
            f"the scheduling email offered times 1 to {len(slots)}"
            if slots
            else "no times were offered for this callback",
            field="slot",
        )
    chosen = slots[slot - 1]
    return datetime.fromisoformat(chosen["start"]), datetime.fromisoformat(chosen["end"])


def choose_slot(
    uow: UnitOfWork,
    *,
    actor: Actor,
    runtime: CallbackRuntime,
    callback_id: int,
    slot: int,
    channel: ConsentChannel | str = ConsentChannel.EMAIL,
) -> Callback:
    """The customer picked one of the offered times (by replying, in the portal or through the
    API): it becomes their consent window for this callback (OB-WINDOW), the callback is due at
    its start, and a "Customer Callback" message confirms the time (OB-NOTIFY)."""
    with uow.atomic():
        consent_channel = _consent_channel(str(channel))
        callback = load_callback(uow, callback_id)
        if callback.status != CallbackStatus.AWAITING_SCHEDULE.value:
            raise InvalidTransition(
                f"a time is picked while the callback waits for one; this one is {callback.status}",
                field="slot",
            )
        start, end = offered_slot(callback, slot)
        now = uow.clock.now()
        if end <= now:
            raise ValidationFailed("that time has already passed; pick a later one", field="slot")
        email_sent = callback.scheduling_email_sent_at or sent_at(
            uow, callback.scheduling_email_message_id
        )
        if email_sent is None:
            raise Conflict(
                "the scheduling email has not gone out yet, so no time can be picked from it",
                field="slot",
            )
        account = uow.session.get(Account, callback.account_id)
        person = uow.session.get(Person, callback.person_id) if callback.person_id else None
        if account is None or person is None:
            raise ValidationFailed("the callback names no person to agree the time", field="slot")
        recipient = recipient_for(uow, account, person, callback.number)
        consent = record_consent(
            uow,
            actor=actor,
            account_id=account.id,
            person_id=person.id,
            window_start=start,
            window_end=end,
            channel=consent_channel,
            callback_id=callback.id,
            time_zone=recipient.zone,
        )
        # OB-NOTIFY: the notice goes the lead time before the dial, inside the chosen time.
        plan = notice_times(uow, policy=runtime.policy, callback=callback, now=max(start, now))
        dial_at = plan.dial_at if plan is not None else start
        lob = LineOfBusiness(callback.line_of_business)
        owned = ownership(uow, lob=lob, owner=owner_of(uow, callback), due=dial_at)
        template = runtime.policy.template_for(
            CallbackReason(callback.reason), CallbackOrigin(callback.origin)
        )
        owner = owner_of(uow, callback)
        message = queue_notice(
            uow,
            callback=callback,
            recipient=recipient,
            template=template,
            callback_at=dial_at,
            from_line=owner.platform_line if owner else runtime.default_line,
            brand=runtime.brand,
            send_at=plan.notice_at if plan is not None else None,
        )
        change(
            uow,
            callback,
            actor=actor,
            kind=Event.SLOT_CHOSEN,
            to=CallbackStatus.SCHEDULED,
            values={
                "due_at": dial_at,
                "scheduling_email_sent_at": email_sent,
                "notification_template": template,
                "notification_message_id": message.id,
                **owned,
            },
            facts={
                "slot": slot,
                "start": start,
                "end": end,
                "channel": consent_channel.value,
                "consent_id": consent.id,
                "confirmation_message_id": message.id,
                "assignment_pool": owned["in_assignment_pool"],
            },
            detail=f"the customer chose time {slot} ({start.isoformat()} to {end.isoformat()})",
        )
        return callback
