"""Composing template output into messages for the outbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from caredesk.channels.compose import compose_notice, compose_scheduling_email
from caredesk.channels.messages import check_payload, message_to_payload
from caredesk.channels.ports import Channel
from caredesk.errors import ValidationFailed

AT = datetime(2026, 3, 11, 18, 15, tzinfo=UTC)
NOTICE = {
    "customer_first_name": "Ana",
    "zone": "America/New_York",
    "from_number": "+12065550100",
    "callback_at": AT,
}


def test_sms_notice_is_text_only_and_storable() -> None:
    message = compose_notice(
        key="dropped_call",
        channel=Channel.SMS,
        to="+12065550199",
        context=NOTICE,
        idempotency_key="callback:1:notice",
    )
    assert message.subject == "" and message.html is None
    assert "(206) 555-0100" in message.text
    assert check_payload(message_to_payload(message), idempotency_key="k") is not None


def test_email_notice_has_subject_and_html() -> None:
    message = compose_notice(
        key="customer_callback",
        channel=Channel.EMAIL,
        to="ana@example.com",
        context=NOTICE,
        idempotency_key="callback:1:notice",
    )
    assert message.subject and message.html and "<p>" in message.html


def test_only_notice_templates_are_notices() -> None:
    with pytest.raises(ValidationFailed) as caught:
        compose_notice(
            key="sa_scheduling_email",
            channel=Channel.EMAIL,
            to="ana@example.com",
            context=NOTICE,
            idempotency_key="k",
        )
    assert caught.value.field == "key"


def test_scheduling_email_numbers_invitations_like_the_text() -> None:
    later, sooner = AT + timedelta(days=1), AT
    message = compose_scheduling_email(
        callback_id=8,
        to="ana@example.com",
        context={
            "customer_first_name": "Ana",
            "zone": "America/New_York",
            "purpose": "a ticket update",
            "from_number": "+12065550100",
            "slots": [
                {"start": later, "end": later + timedelta(hours=1)},
                {"start": sooner, "end": sooner + timedelta(hours=1)},
            ],
        },
        idempotency_key="callback:8:sa",
        stamp=AT,
    )
    assert "1. Wednesday, March 11" in message.text
    assert "attached as a calendar invitation" in message.text
    first = message.attachments[0].data.decode()
    assert "DTSTART:20260311T181500Z" in first and "slot-1@" in first
    stored = check_payload(message_to_payload(message), idempotency_key=message.idempotency_key)
    assert stored == message
