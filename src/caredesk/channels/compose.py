"""Turning a template and its context into an ``OutboundMessage`` ready for the outbox."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from caredesk.channels.ports import Channel, OutboundMessage
from caredesk.channels.templates.catalog import MessageBrand
from caredesk.errors import ValidationFailed

NOTICE_TEMPLATES = frozenset({"customer_callback", "dropped_call"})
CALLBACK_HEADER = "X-Caredesk-Callback"


def compose_notice(
    *,
    key: str,
    channel: Channel,
    to: str,
    context: Mapping[str, Any],
    idempotency_key: str,
    brand: MessageBrand | None = None,
) -> OutboundMessage:
    """OB-NOTIFY: "Customer Callback" or "Dropped Call", by SMS (text only) or email."""
    if key not in NOTICE_TEMPLATES:
        raise ValidationFailed(
            f"a callback notice uses one of {', '.join(sorted(NOTICE_TEMPLATES))}", field="key"
        )
    # Jinja2 and the typed contexts load with the first message composed, not with every use
    # case that may compose one (a call's start or result seldom does).
    from caredesk.channels.templates.render import render

    rendered = render(key, context, brand=brand)
    email = channel == Channel.EMAIL
    return OutboundMessage(
        channel=channel,
        to=to,
        subject=rendered.subject if email else "",
        text=rendered.text,
        html=rendered.html if email else None,
        idempotency_key=idempotency_key,
    )


def compose_scheduling_email(
    *,
    callback_id: int,
    to: str,
    context: Mapping[str, Any],
    idempotency_key: str,
    stamp: datetime,
    brand: MessageBrand | None = None,
) -> OutboundMessage:
    """OB-SA-EMAIL-FIRST: the scheduling email with one calendar invitation per offered slot."""
    # icalendar is loaded here, not with the notices: most messages carry no invitation.
    from caredesk.channels.email.invites import build_slot_invitations
    from caredesk.channels.templates.render import SchedulingEmailContext, render

    brand = brand or MessageBrand()
    full = {**context, "calendar_attached": True}
    rendered = render("sa_scheduling_email", full, brand=brand)
    parsed = SchedulingEmailContext.model_validate(full)
    invitations = build_slot_invitations(
        callback_id=callback_id,
        slots=[(slot.start, slot.end) for slot in parsed.slots],
        summary=f"{brand.name} callback: {parsed.purpose}",
        purpose=f"Purpose of the call: {parsed.purpose}",
        support_number=brand.support_number,
        organizer_email=brand.care_mailbox,
        organizer_name=brand.name,
        attendee_email=to,
        stamp=stamp,
    )
    return OutboundMessage(
        channel=Channel.EMAIL,
        to=to,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        attachments=invitations,
        headers={CALLBACK_HEADER: str(callback_id)},
        idempotency_key=idempotency_key,
    )
