"""Pieces of the outbox that need no database: backoff and the stored payload format."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caredesk.channels.delivery import RetryPolicy
from caredesk.channels.messages import check_payload, message_from_payload, message_to_payload
from caredesk.channels.ports import Attachment, Channel, OutboundMessage


def test_backoff_doubles_from_the_base_to_the_cap() -> None:
    policy = RetryPolicy(base_seconds=30, cap_seconds=3600)
    delays = [policy.delay(n).total_seconds() for n in range(1, 10)]
    assert delays == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    assert policy.delay(10_000) == timedelta(hours=1)  # no overflow on a long outage


@pytest.mark.parametrize(
    "arguments",
    [
        {"base_seconds": 0},
        {"base_seconds": 100, "cap_seconds": 10},
        {"max_attempts": 0},
    ],
)
def test_bad_retry_policy_is_refused(arguments: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**arguments)  # type: ignore[arg-type]


def test_payload_round_trip() -> None:
    message = OutboundMessage(
        channel=Channel.EMAIL,
        to="ana@example.com",
        subject="Subject",
        text="Text",
        html="<p>Html</p>",
        attachments=(Attachment("a.ics", "text/calendar; method=REQUEST", b"\x00\x01ics"),),
        headers={"X-Caredesk-Callback": "3"},
        idempotency_key="key-1",
    )
    payload = message_to_payload(message)
    assert message_from_payload(payload, idempotency_key="key-1") == message
    assert check_payload(payload, idempotency_key="key-1") == message


def test_a_payload_that_is_not_json_is_refused() -> None:
    from caredesk.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as caught:
        check_payload({"to": object()}, idempotency_key="k")
    assert caught.value.field == "payload"
