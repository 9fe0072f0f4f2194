"""Explicit times for a Service Assurance email request (OB-SA-EMAIL-FIRST): the specialist
offers times of their own (a new scheduling email carries them; the one not yet sent is
withdrawn), and/or enters the time the customer chose — both in one transaction."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from caredesk.accounts.models import Account, ConsentChannel, Person
from caredesk.audit.service import Actor
from caredesk.callbacks.models import Callback, CallbackStatus
from caredesk.callbacks.notify import (
    NOTIFIER,
    default_platform_line,
    message_brand,
    queue_scheduling_email,
    recipient_for,
)
from caredesk.callbacks.policy import CallbackOrigin, PolicyConfig
from caredesk.callbacks.records import Event, change, load_callback
from caredesk.callbacks.request_inputs import Slots, check_slots
from caredesk.callbacks.scheduling import choose_slot, owner_of
from caredesk.channels.outbox import withdraw_message
from caredesk.channels.templates import MessageBrand
from caredesk.db.session import UnitOfWork
from caredesk.errors import InvalidTransition, ValidationFailed


def _record_offer(
    uow: UnitOfWork,
    *,
    actor: Actor,
    callback: Callback,
    slots: Slots,
    email: bool,
    brand: MessageBrand | None,
    from_line: str | None,
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
            from_line=from_line or (owner.platform_line if owner else default_platform_line()),
            brand=brand or message_brand(),
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
    callback_id: int,
    slots: Slots,
    brand: MessageBrand | None = None,
    from_line: str | None = None,
) -> Callback:
    """Offers these times instead of those first proposed, by a new scheduling email."""
    callback = load_callback(uow, callback_id)
    _record_offer(
        uow,
        actor=actor,
        callback=callback,
        slots=slots,
        email=True,
        brand=brand,
        from_line=from_line,
    )
    uow.commit()
    return callback


def offer_and_choose_slot(
    uow: UnitOfWork,
    *,
    actor: Actor,
    policy: PolicyConfig,
    callback_id: int,
    slots: Slots | None,
    slot: int | None,
    channel: ConsentChannel | str = ConsentChannel.EMAIL,
    brand: MessageBrand | None = None,
    from_line: str | None = None,
) -> Callback:
    """Explicit times and/or the customer's choice, in one transaction. Offered and chosen at
    once, the times are put on record without a new email (the customer already agreed; the
    scheduling email sent before still stands for OB-SA-EMAIL-FIRST)."""
    if not slots and slot is None:
        raise ValidationFailed("offer times, choose one, or both", field="slots")
    if slot is None:
        assert slots is not None
        return offer_slots(
            uow,
            actor=actor,
            callback_id=callback_id,
            slots=slots,
            brand=brand,
            from_line=from_line,
        )
    if slots:
        callback = load_callback(uow, callback_id)
        _record_offer(
            uow,
            actor=actor,
            callback=callback,
            slots=slots,
            email=False,
            brand=brand,
            from_line=from_line,
        )
    return choose_slot(
        uow,
        actor=actor,
        policy=policy,
        callback_id=callback_id,
        slot=slot,
        channel=channel,
        brand=brand,
        from_line=from_line,
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
