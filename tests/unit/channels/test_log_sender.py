"""The demo sender: a scrubbed log line per message and the last few kept for inspection."""

from __future__ import annotations

import logging

import pytest

from caredesk.channels.email.log_sender import LogSender, mask_address
from caredesk.channels.ports import Channel, DeliveryError, MessageSender, OutboundMessage


def message(n: int, text: str = "Hi") -> OutboundMessage:
    return OutboundMessage(Channel.SMS, "+12065550199", "", f"{text} {n}", idempotency_key=f"k{n}")


def test_keeps_the_last_n() -> None:
    sender: MessageSender = LogSender(keep=2)
    receipts = [sender.send(message(n)) for n in range(3)]
    assert [r.reference for r in receipts] == ["log-1", "log-2", "log-3"]
    assert isinstance(sender, LogSender)
    assert [m.text for m in sender.messages] == ["Hi 1", "Hi 2"]


def test_log_line_is_scrubbed_and_masked(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="caredesk.channels.messages")
    LogSender().send(message(1, text="SSN 123-45-6789"))
    [entry] = caplog.records
    assert "123-45-6789" not in entry.getMessage()
    assert "123-45-6789" not in entry.body  # type: ignore[attr-defined]
    assert entry.recipient == "+1206***0199"  # type: ignore[attr-defined]
    assert "+12065550199" not in entry.getMessage()


def test_fail_next_raises_then_recovers() -> None:
    sender = LogSender()
    sender.fail_next(DeliveryError("down", retryable=True), times=2)
    for _ in range(2):
        with pytest.raises(DeliveryError):
            sender.send(message(1))
    assert sender.send(message(1)).reference == "log-1"
    assert len(sender.messages) == 1


def test_masking() -> None:
    assert mask_address(Channel.EMAIL, "ana@example.com") == "a***@example.com"
    assert mask_address(Channel.SMS, "+12065550199") == "+1206***0199"
    assert mask_address(Channel.SMS, "+1") == "***"


def test_keep_must_be_positive() -> None:
    with pytest.raises(ValueError):
        LogSender(keep=0)


def test_sender_by_channel_routes_and_keeps_unrouted_messages_retryable() -> None:
    from caredesk.channels.senders import SenderByChannel

    sms = LogSender()
    router = SenderByChannel({Channel.SMS: sms})
    assert router.send(message(1)).provider == "log"
    with pytest.raises(DeliveryError) as caught:
        router.send(OutboundMessage(Channel.EMAIL, "ana@example.com", "Hi", "Body"))
    assert caught.value.retryable
    assert len(sms.messages) == 1
