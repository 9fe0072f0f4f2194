"""The demo sender: each message becomes one structured log line, and the last few are kept in
memory so the demo console (and tests) can show what a customer would have received."""

from __future__ import annotations

import logging
import threading
from collections import deque

from caredesk.channels.ports import Channel, DeliveryError, OutboundMessage, SendReceipt
from caredesk.privacy import scrub_text

log = logging.getLogger("caredesk.channels.messages")


def mask_address(channel: Channel, to: str) -> str:
    """``a***@example.com`` or ``+1206***0100``: enough to tell messages apart in a log."""
    if channel == Channel.EMAIL and "@" in to:
        local, domain = to.rsplit("@", 1)
        return f"{local[:1]}***@{domain}"
    return f"{to[:5]}***{to[-4:]}" if len(to) > 9 else "***"


class LogSender:
    """``MessageSender`` for demos and tests, for any channel. ``fail_next`` makes the next
    sends raise, to exercise retries."""

    provider = "log"

    def __init__(self, *, keep: int = 100, logger: logging.Logger | None = None) -> None:
        if keep < 1:
            raise ValueError("keep must be at least 1")
        self._log = logger or log
        self._kept: deque[OutboundMessage] = deque(maxlen=keep)
        self._failures: deque[DeliveryError] = deque()
        self._count = 0
        self._lock = threading.Lock()

    def fail_next(self, error: DeliveryError, *, times: int = 1) -> None:
        with self._lock:
            self._failures.extend([error] * times)

    @property
    def messages(self) -> list[OutboundMessage]:
        """The most recent messages, oldest first."""
        with self._lock:
            return list(self._kept)

    def send(self, message: OutboundMessage) -> SendReceipt:
        with self._lock:
            if self._failures:
                raise self._failures.popleft()
            self._count += 1
            reference = f"log-{self._count}"
            self._kept.append(message)
        self._log.info(
            "%s message to %s: %s",
            message.channel,
            mask_address(message.channel, message.to),
            scrub_text(message.subject or message.text[:60]),
            extra={
                "channel": str(message.channel),
                "recipient": mask_address(message.channel, message.to),
                "subject": scrub_text(message.subject),
                "body": scrub_text(message.text),
                "attachments": [item.filename for item in message.attachments],
                "idempotency_key": message.idempotency_key,
                "receipt": reference,
            },
        )
        return SendReceipt(provider=self.provider, reference=reference)
