"""Composing senders: one ``MessageSender`` that hands each channel to its own adapter."""

from __future__ import annotations

from collections.abc import Mapping

from caredesk.channels.ports import (
    Channel,
    DeliveryError,
    MessageSender,
    OutboundMessage,
    SendReceipt,
)


class SenderByChannel:
    """Email to SMTP, SMS to an SMS provider (or the log sender in a demo). A channel with no
    adapter is a configuration gap, so the message stays queued rather than dying."""

    def __init__(self, senders: Mapping[Channel, MessageSender]) -> None:
        self._senders = dict(senders)

    def send(self, message: OutboundMessage) -> SendReceipt:
        sender = self._senders.get(message.channel)
        if sender is None:
            raise DeliveryError(f"no sender configured for {message.channel}", retryable=True)
        return sender.send(message)
