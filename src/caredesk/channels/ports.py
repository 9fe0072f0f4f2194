"""The ports every channel adapter implements. Use cases depend on these, never on an adapter;
``bootstrap`` picks the adapter (SMTP or log sender, simulated or SIP gateway)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str  # full type with parameters, e.g. "text/calendar; method=REQUEST"
    data: bytes


@dataclass(frozen=True)
class OutboundMessage:
    """One message to one customer address. ``idempotency_key`` is stable across retries so a
    provider (or the receiving mail system, through the Message-ID) can recognise a repeat."""

    channel: Channel
    to: str
    subject: str
    text: str
    html: str | None = None
    attachments: tuple[Attachment, ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    idempotency_key: str = ""


@dataclass(frozen=True)
class SendReceipt:
    provider: str  # "smtp", "log", ...
    reference: str  # the provider's id for the message (Message-ID for SMTP)


class DeliveryError(Exception):
    """A send failed. ``retryable`` says whether the same message may succeed later (server down,
    timeout, 4xx) or never will (5xx refusal, malformed address)."""

    def __init__(self, reason: str, *, retryable: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class MessageSender(Protocol):
    def send(self, message: OutboundMessage) -> SendReceipt:
        """Hands the message to the provider; raises ``DeliveryError`` when it was not accepted."""
        ...


class CallEventKind(StrEnum):
    RINGING = "ringing"
    ANSWERED = "answered"  # a person picked up: contact is possible
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    MACHINE = "machine"  # voicemail or answering machine picked up (OB-VOICEMAIL)
    FAILED = "failed"  # the network could not place the call
    ENDED = "ended"  # the line is down; always the last event of a call


@dataclass(frozen=True)
class CallEvent:
    kind: CallEventKind
    at: datetime
    detail: str = ""


class VoiceGateway(Protocol):
    """Places calls from platform lines only (OB-DEVICE). A dial is asynchronous: ``dial`` returns
    at once with a call id and the call's progress arrives as events over time."""

    def platform_lines(self) -> frozenset[str]:
        """The originating lines this gateway may use (E.164)."""
        ...

    def dial(self, dial_string: str, *, from_line: str, call_ref: str) -> str:
        """Starts a call and returns its id. ``call_ref`` is the caller's key for the attempt: the
        same ref dials once and returns the same call id. A ``from_line`` that is not a platform
        line is refused with ``PolicyRefused`` naming OB-DEVICE."""
        ...

    def poll(self, call_id: str, *, now: datetime | None = None) -> list[CallEvent]:
        """Every event of the call that has happened by ``now``, oldest first. Repeated polls
        return the same prefix plus whatever happened since."""
        ...

    def hangup(self, call_id: str) -> None:
        """Ends the call from the platform side; a call that already ended is left as it is."""
        ...
