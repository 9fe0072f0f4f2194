"""Checking outbound messages and storing them as JSON payloads in the outbox. Everything is
checked before the row is written, so a malformed message is refused to its author rather than
failing later in a delivery worker."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from typing import Any

from caredesk.channels.ports import Attachment, Channel, OutboundMessage
from caredesk.errors import ValidationFailed
from caredesk.privacy import scrub_text

MAX_PAYLOAD_BYTES = 2 * 1024 * 1024
MAX_SUBJECT = 300
MAX_TEXT = 100_000
MAX_SMS_TEXT = 1_600  # ten concatenated segments
MAX_HTML = 500_000
MAX_ATTACHMENTS = 10
MAX_ATTACHMENT_BYTES = 1024 * 1024
MAX_HEADERS = 20
MAX_KEY = 200

_EMAIL = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251})\.[A-Za-z]{2,63}$")
_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
_HEADER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,59}$")
_FILENAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
# Every repeat bounded (RFC 6838 names are at most 127 characters): linear on any input.
_CONTENT_TYPE = re.compile(
    r"^[a-z]{1,127}/[a-z0-9.+-]{1,127}(?:; ?[a-z-]{1,127}=[A-Za-z0-9_.-]{1,255}){0,16}$"
)
# The sender writes these itself; letting a caller set them would allow spoofing or clashes.
_RESERVED_HEADERS = frozenset(
    {"from", "to", "cc", "bcc", "subject", "date", "message-id", "mime-version", "sender"}
)
_PAYLOAD_KEYS = frozenset({"channel", "to", "subject", "text", "html", "headers", "attachments"})


def _line(value: object, field: str, *, limit: int, required: bool = True) -> str:
    if not isinstance(value, str):
        raise ValidationFailed("must be text", field=field)
    if required and not value.strip():
        raise ValidationFailed("must not be empty", field=field)
    if len(value) > limit:
        raise ValidationFailed(f"must be at most {limit} characters", field=field)
    if "\r" in value or "\n" in value:
        raise ValidationFailed("must be a single line", field=field)
    return value


def _body(value: object, field: str, *, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed("must be non-empty text", field=field)
    if len(value) > limit:
        raise ValidationFailed(f"must be at most {limit} characters", field=field)
    if scrub_text(value) != value:
        raise ValidationFailed(
            "would carry an SSN or a card number to the customer; remove it", field=field
        )
    return value


def _attachment(raw: object, field: str) -> Attachment:
    if not isinstance(raw, Mapping) or set(raw) != {"filename", "content_type", "data_base64"}:
        raise ValidationFailed(
            "an attachment has exactly filename, content_type and data_base64", field=field
        )
    filename = raw["filename"]
    if not isinstance(filename, str) or not _FILENAME.match(filename):
        raise ValidationFailed("a plain file name is required", field=f"{field}.filename")
    content_type = raw["content_type"]
    if not isinstance(content_type, str) or not _CONTENT_TYPE.match(content_type):
        raise ValidationFailed("a MIME type is required", field=f"{field}.content_type")
    encoded = raw["data_base64"]
    try:
        data = base64.b64decode(encoded if isinstance(encoded, str) else "", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed("must be base64", field=f"{field}.data_base64") from exc
    if not data or len(data) > MAX_ATTACHMENT_BYTES:
        raise ValidationFailed(
            f"must hold 1 to {MAX_ATTACHMENT_BYTES} bytes", field=f"{field}.data_base64"
        )
    return Attachment(filename, content_type, data)


def message_from_payload(payload: Mapping[str, Any], *, idempotency_key: str) -> OutboundMessage:
    """The message a payload describes; ``ValidationFailed`` names the first field at fault."""
    if not isinstance(payload, Mapping):
        raise ValidationFailed("must be an object", field="payload")
    unknown = sorted(set(payload) - _PAYLOAD_KEYS)
    if unknown:
        raise ValidationFailed("unknown field", field=f"payload.{unknown[0]}")
    try:
        channel = Channel(str(payload.get("channel")))
    except ValueError as exc:
        choices = ", ".join(item.value for item in Channel)
        raise ValidationFailed(f"must be one of {choices}", field="payload.channel") from exc
    to = _line(payload.get("to"), "payload.to", limit=254)
    if channel == Channel.EMAIL and not _EMAIL.match(to):
        raise ValidationFailed("must be an email address", field="payload.to")
    if channel == Channel.SMS and not _E164.match(to):
        raise ValidationFailed("must be an E.164 number, e.g. +12065550100", field="payload.to")
    subject = _line(
        payload.get("subject", ""),
        "payload.subject",
        limit=MAX_SUBJECT,
        required=channel == Channel.EMAIL,
    )
    limit = MAX_SMS_TEXT if channel == Channel.SMS else MAX_TEXT
    text = _body(payload.get("text"), "payload.text", limit=limit)
    html_raw = payload.get("html")
    html = None if html_raw is None else _body(html_raw, "payload.html", limit=MAX_HTML)
    headers_raw = payload.get("headers") or {}
    if not isinstance(headers_raw, Mapping) or len(headers_raw) > MAX_HEADERS:
        raise ValidationFailed(
            f"must be an object of at most {MAX_HEADERS} headers", field="payload.headers"
        )
    headers: dict[str, str] = {}
    for name, value in headers_raw.items():
        if not isinstance(name, str) or not _HEADER_NAME.match(name):
            raise ValidationFailed("is not a header name", field=f"payload.headers.{name}")
        if name.lower() in _RESERVED_HEADERS:
            raise ValidationFailed("is set by the sender", field=f"payload.headers.{name}")
        headers[name] = _line(value, f"payload.headers.{name}", limit=1000)
    attachments_raw = payload.get("attachments") or []
    if not isinstance(attachments_raw, list) or len(attachments_raw) > MAX_ATTACHMENTS:
        raise ValidationFailed(
            f"must be a list of at most {MAX_ATTACHMENTS} attachments", field="payload.attachments"
        )
    if channel == Channel.SMS and (html is not None or attachments_raw):
        raise ValidationFailed("an SMS is text only", field="payload.channel")
    attachments = tuple(
        _attachment(raw, f"payload.attachments.{index}")
        for index, raw in enumerate(attachments_raw)
    )
    return OutboundMessage(
        channel=channel,
        to=to,
        subject=subject,
        text=text,
        html=html,
        attachments=attachments,
        headers=headers,
        idempotency_key=idempotency_key,
    )


def message_to_payload(message: OutboundMessage) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "channel": message.channel.value,
        "to": message.to,
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
        "headers": dict(message.headers),
        "attachments": [
            {
                "filename": item.filename,
                "content_type": item.content_type,
                "data_base64": base64.b64encode(item.data).decode("ascii"),
            }
            for item in message.attachments
        ],
    }
    return payload


def check_payload(payload: Mapping[str, Any], *, idempotency_key: str) -> OutboundMessage:
    """Refuses a payload that could not be delivered, or is too large to store."""
    if not idempotency_key or len(idempotency_key) > MAX_KEY or not idempotency_key.isprintable():
        raise ValidationFailed(
            f"must be 1 to {MAX_KEY} printable characters", field="idempotency_key"
        )
    try:
        size = len(json.dumps(payload, separators=(",", ":")).encode("utf-8"))
    except (TypeError, ValueError) as exc:
        raise ValidationFailed("must be plain JSON data", field="payload") from exc
    if size > MAX_PAYLOAD_BYTES:
        raise ValidationFailed(
            f"is {size} bytes; the limit is {MAX_PAYLOAD_BYTES}", field="payload"
        )
    return message_from_payload(payload, idempotency_key=idempotency_key)
