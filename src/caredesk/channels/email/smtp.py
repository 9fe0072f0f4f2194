"""Sending email over SMTP (stdlib smtplib). Failures are sorted into the two kinds the outbox
cares about: try again later (server down, timeout, 4xx) or never (5xx, malformed message)."""

from __future__ import annotations

import hashlib
import smtplib
import socket
import ssl
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from caredesk.channels.ports import Channel, DeliveryError, OutboundMessage, SendReceipt
from caredesk.clock import Clock


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to hand mail over. Read from ``CAREDESK_SMTP_*`` settings by bootstrap."""

    host: str = "127.0.0.1"
    port: int = 25
    from_address: str = "care@caredesk.example"
    from_name: str = "Customer Care"
    starttls: bool = False
    timeout_seconds: float = 10.0
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    # Named explicitly: the default would look the machine's name up in DNS on every send.
    helo_name: str | None = None

    def __post_init__(self) -> None:
        if not self.host:
            raise ValueError("smtp host must not be empty")
        if not 1 <= self.port <= 65535:
            raise ValueError("smtp port must be 1 to 65535")
        if "@" not in self.from_address or any(c in self.from_address for c in "\r\n <>"):
            raise ValueError("smtp from_address must be a plain email address")
        if not 0 < self.timeout_seconds <= 300:
            raise ValueError("smtp timeout_seconds must be above 0 and at most 300")
        if (self.username is None) != (self.password is None):
            raise ValueError("smtp username and password go together")

    @property
    def domain(self) -> str:
        return self.from_address.rsplit("@", 1)[1]


def _classify(exc: Exception) -> DeliveryError:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        reasons = "; ".join(
            f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
            for code, text in exc.recipients.values()
        )
        return DeliveryError(
            f"recipient refused: {reasons}", retryable=any(code < 500 for code in codes)
        )
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        # Fixable by an operator; the message itself is fine, so keep it for later.
        return DeliveryError(f"SMTP authentication failed ({exc.smtp_code})", retryable=True)
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error
        detail = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        return DeliveryError(
            f"SMTP server answered {exc.smtp_code} {detail}", retryable=exc.smtp_code < 500
        )
    if isinstance(exc, TimeoutError | socket.timeout):
        return DeliveryError("SMTP server timed out", retryable=True)
    if isinstance(exc, ConnectionRefusedError):
        return DeliveryError("SMTP server refused the connection", retryable=True)
    return DeliveryError(f"SMTP delivery failed: {type(exc).__name__}: {exc}", retryable=True)


class SmtpSender:
    """``MessageSender`` for email over SMTP. Opens one connection per message, so a failure
    never leaves a half-used connection behind; the outbox sends in small batches."""

    provider = "smtp"

    def __init__(self, settings: SmtpSettings, clock: Clock) -> None:
        self.settings = settings
        self._clock = clock

    def message_id(self, message: OutboundMessage) -> str:
        # Stable per idempotency key, so a repeat after a lost lease is recognisable downstream.
        seed = message.idempotency_key or uuid.uuid4().hex
        digest = hashlib.sha256(seed.encode("utf-8")).hexdigest()[:32]
        return f"<{digest}@{self.settings.domain}>"

    def build_email(self, message: OutboundMessage) -> EmailMessage:
        if message.channel != Channel.EMAIL:
            raise DeliveryError(
                f"the SMTP sender sends email, not {message.channel}", retryable=False
            )
        try:
            email = EmailMessage()
            email["From"] = formataddr((self.settings.from_name, self.settings.from_address))
            email["To"] = message.to
            email["Subject"] = message.subject
            email["Date"] = format_datetime(self._clock.now())
            email["Message-ID"] = self.message_id(message)
            for name, value in message.headers.items():
                email[name] = value
            email.set_content(message.text)
            if message.html is not None:
                email.add_alternative(message.html, subtype="html")
            for attachment in message.attachments:
                main, _, rest = attachment.content_type.partition(";")
                maintype, _, subtype = main.strip().partition("/")
                params = dict(part.strip().split("=", 1) for part in rest.split(";") if "=" in part)
                email.add_attachment(
                    attachment.data,
                    maintype=maintype,
                    subtype=subtype,
                    filename=attachment.filename,
                    params=params,
                )
        except (ValueError, TypeError) as exc:
            raise DeliveryError(
                f"message cannot be written as email: {exc}", retryable=False
            ) from exc
        return email

    def send(self, message: OutboundMessage) -> SendReceipt:
        email = self.build_email(message)
        settings = self.settings
        try:
            with smtplib.SMTP(
                settings.host,
                settings.port,
                local_hostname=settings.helo_name or settings.domain,
                timeout=settings.timeout_seconds,
            ) as client:
                if settings.starttls:
                    client.starttls(context=ssl.create_default_context())
                if settings.username is not None and settings.password is not None:
                    client.login(settings.username, settings.password)
                client.send_message(email, from_addr=settings.from_address, to_addrs=[message.to])
        except (smtplib.SMTPException, OSError) as exc:
            raise _classify(exc) from exc
        return SendReceipt(provider=self.provider, reference=str(email["Message-ID"]))
