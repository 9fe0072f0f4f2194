"""The SMTP sender against a real SMTP server on loopback."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from icalendar import Calendar

from caredesk.channels.compose import CALLBACK_HEADER, compose_scheduling_email
from caredesk.channels.email.smtp import SmtpSender, SmtpSettings
from caredesk.channels.ports import Channel, DeliveryError, OutboundMessage
from caredesk.channels.templates import MessageBrand
from caredesk.clock import FixedClock
from tests.integration.channels.conftest import SmtpServer, free_port

NOW = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
SLOTS = [
    (datetime(2026, 3, 11, 15, 0, tzinfo=UTC), datetime(2026, 3, 11, 16, 0, tzinfo=UTC)),
    (datetime(2026, 3, 12, 20, 30, tzinfo=UTC), datetime(2026, 3, 12, 21, 30, tzinfo=UTC)),
]
BRAND = MessageBrand(name="Northwind Mobile", care_mailbox="care@northwind.example")
PIN_READY = "please have your account PIN/passcode ready"
# The login tests run AUTH over plain loopback on purpose; aiosmtpd warns about that.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


def sender_for(port: int, *, timeout: float = 5.0) -> SmtpSender:
    settings = SmtpSettings(
        host="127.0.0.1",
        port=port,
        from_address="care@northwind.example",
        from_name="Northwind Mobile Care",
        timeout_seconds=timeout,
    )
    return SmtpSender(settings, FixedClock(NOW))


def scheduling_email(to: str = "ana@example.com") -> OutboundMessage:
    return compose_scheduling_email(
        callback_id=4211,
        to=to,
        context={
            "customer_first_name": "Ana",
            "zone": "America/Chicago",
            "purpose": "troubleshooting your home internet",
            "ticket_number": "TK-88",
            "specialist_name": "Jordan",
            "from_number": "+12065550100",
            "slots": [{"start": start, "end": end} for start, end in SLOTS],
            "portal_url": "https://portal.northwind.example/callbacks/4211",
        },
        idempotency_key="callback:4211:sa-scheduling",
        stamp=NOW,
        brand=BRAND,
    )


def simple(to: str = "ana@example.com", key: str = "k-1") -> OutboundMessage:
    return OutboundMessage(
        channel=Channel.EMAIL, to=to, subject="Hello", text="Plain text", idempotency_key=key
    )


def test_scheduling_email_arrives_with_both_parts_and_invitations(
    smtp_server: SmtpServer,
) -> None:
    receipt = sender_for(smtp_server.port).send(scheduling_email())

    [received] = smtp_server.inbox.received
    assert received.mail_from == "care@northwind.example"
    assert received.rcpt_tos == ["ana@example.com"]
    mail = received.parsed()
    assert mail["To"] == "ana@example.com"
    assert mail["From"] == "Northwind Mobile Care <care@northwind.example>"
    assert mail["Subject"] == (
        "Let's schedule your callback: troubleshooting your home internet (ticket TK-88)"
    )
    assert mail[CALLBACK_HEADER] == "4211"
    assert mail["Message-ID"] == receipt.reference
    assert mail["Date"].datetime == NOW

    text_part = mail.get_body(preferencelist=("plain",))
    html_part = mail.get_body(preferencelist=("html",))
    assert text_part is not None and html_part is not None
    text = text_part.get_content()
    html = html_part.get_content()
    for body in (text, html):
        flat = " ".join(body.split())
        assert "troubleshooting your home internet" in flat
        assert "1-800-937-8997" in flat
        assert PIN_READY in flat
        assert "Troubleshooting can be done during the call" in flat
        # Each slot in the customer's local time with the zone abbreviation.
        assert "Wednesday, March 11, 10:00 AM CDT to 11:00 AM CDT" in flat
        assert "Thursday, March 12, 3:30 PM CDT to 4:30 PM CDT" in flat
        assert "(206) 555-0100" in flat
        assert "https://portal.northwind.example/callbacks/4211" in flat
    assert "reply to this email with the number" in text
    assert "1. Wednesday" in text and "2. Thursday" in text

    invitations = [
        part for part in mail.iter_attachments() if part.get_content_type() == "text/calendar"
    ]
    assert len(invitations) == len(SLOTS)
    for number, (part, (start, end)) in enumerate(zip(invitations, SLOTS, strict=True), 1):
        assert part.get_param("method") == "REQUEST"
        assert part.get_filename() == f"callback-4211-option-{number}.ics"
        calendar = Calendar.from_ical(part.get_content())
        assert str(calendar["method"]) == "REQUEST"
        [event] = calendar.walk("VEVENT")
        assert event.decoded("dtstart") == start
        assert event.decoded("dtend") == end
        raw = event.to_ical().decode()
        assert f"DTSTART:{start:%Y%m%dT%H%M%S}Z" in raw  # written in UTC, not a local zone
        assert f"DTEND:{end:%Y%m%dT%H%M%S}Z" in raw
        assert str(event["uid"]) == f"callback-4211-slot-{number}@northwind.example"
        assert str(event["status"]) == "TENTATIVE"
        assert str(event["organizer"]) == "mailto:care@northwind.example"
        assert "1-800-937-8997" in str(event["description"])


def test_scheduling_email_carries_no_pin_or_ssn_shaped_digits(smtp_server: SmtpServer) -> None:
    sender_for(smtp_server.port).send(scheduling_email())
    mail = smtp_server.inbox.received[0].parsed()
    text_part = mail.get_body(preferencelist=("plain",))
    html_part = mail.get_body(preferencelist=("html",))
    assert text_part is not None and html_part is not None
    for body in (text_part.get_content(), html_part.get_content(), str(mail["Subject"])):
        assert not re.search(r"\b\d{3}-\d{2}-\d{4}\b", body)
        # Known numbers out; whatever is left must hold no run of four or more digits.
        rest = body.replace("1-800-937-8997", "").replace("(206) 555-0100", "")
        rest = rest.replace("4211", "")  # the callback id inside the portal link
        assert not re.search(r"\d{4,}", rest), rest


def test_message_id_is_stable_for_an_idempotency_key(smtp_server: SmtpServer) -> None:
    sender = sender_for(smtp_server.port)
    first = sender.send(simple(key="same"))
    second = sender.send(simple(key="same"))
    third = sender.send(simple(key="other"))
    assert first.reference == second.reference != third.reference
    assert smtp_server.inbox.message_ids() == [first.reference] * 2 + [third.reference]


def test_closed_port_is_retryable() -> None:
    with pytest.raises(DeliveryError) as caught:
        sender_for(free_port()).send(simple())
    assert caught.value.retryable


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts TCP connections (the kernel does) but never says hello."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        yield int(listener.getsockname()[1])


def test_timeout_is_retryable(silent_server: int) -> None:
    with pytest.raises(DeliveryError) as caught:
        sender_for(silent_server, timeout=0.3).send(simple())
    assert caught.value.retryable
    assert "timed out" in caught.value.reason


def test_permanent_refusal_is_not_retryable(smtp_server: SmtpServer) -> None:
    with pytest.raises(DeliveryError) as caught:
        sender_for(smtp_server.port).send(simple(to="reject-me@example.com"))
    assert not caught.value.retryable
    assert "550" in caught.value.reason
    assert smtp_server.inbox.received == []


def test_temporary_refusal_is_retryable(smtp_server: SmtpServer) -> None:
    with pytest.raises(DeliveryError) as caught:
        sender_for(smtp_server.port).send(simple(to="later@example.com"))
    assert caught.value.retryable
    assert "451" in caught.value.reason
    assert smtp_server.inbox.received == []


def test_sms_is_refused_by_the_email_sender(smtp_server: SmtpServer) -> None:
    message = OutboundMessage(channel=Channel.SMS, to="+12065550199", subject="", text="Hi")
    with pytest.raises(DeliveryError) as caught:
        sender_for(smtp_server.port).send(message)
    assert not caught.value.retryable
    assert smtp_server.inbox.received == []


def test_header_injection_is_refused_before_connecting(smtp_server: SmtpServer) -> None:
    message = OutboundMessage(
        channel=Channel.EMAIL,
        to="ana@example.com",
        subject="Hi\r\nBcc: everyone@example.com",
        text="Body",
    )
    with pytest.raises(DeliveryError) as caught:
        sender_for(smtp_server.port).send(message)
    assert not caught.value.retryable
    assert smtp_server.inbox.received == []


def test_settings_refuse_bad_values() -> None:
    for bad in (
        {"port": 0},
        {"port": 70000},
        {"from_address": "no-at-sign"},
        {"timeout_seconds": 0},
        {"username": "only-user"},
        {"host": ""},
    ):
        with pytest.raises(ValueError):
            SmtpSettings(**bad)  # type: ignore[arg-type]


def test_password_is_not_in_the_settings_repr() -> None:
    settings = SmtpSettings(username="relay", password="hunter2-secret")
    assert "hunter2" not in repr(settings)


def test_a_late_slot_crossing_midnight_names_both_days(smtp_server: SmtpServer) -> None:
    late = datetime(2026, 3, 13, 4, 30, tzinfo=UTC)  # 11:30 PM CDT on the 12th
    message = compose_scheduling_email(
        callback_id=9,
        to="ana@example.com",
        context={
            "customer_first_name": "Ana",
            "zone": "America/Chicago",
            "purpose": "a ticket update",
            "from_number": "+12065550100",
            "slots": [{"start": late, "end": late + timedelta(hours=1)}],
        },
        idempotency_key="callback:9:sa",
        stamp=NOW,
    )
    sender_for(smtp_server.port).send(message)
    body = smtp_server.inbox.received[0].parsed().get_body(preferencelist=("plain",))
    assert body is not None
    assert "Thursday, March 12, 11:30 PM CDT to Friday, March 13, 12:30 AM CDT" in (
        body.get_content()
    )


def relay_login(
    server: object, session: object, envelope: object, mechanism: str, auth_data: object
) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"relay",
        b"right-pass",
    )
    # handled=False: the server itself answers 535 to a refusal (the default leaves the client
    # waiting for an answer that never comes).
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def auth_server() -> Iterator[SmtpServer]:
    server = SmtpServer(
        free_port(), authenticator=relay_login, auth_require_tls=False, auth_required=True
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


def with_login(port: int, password: str) -> SmtpSender:
    settings = SmtpSettings(
        host="127.0.0.1",
        port=port,
        from_address="care@northwind.example",
        username="relay",
        password=password,
    )
    return SmtpSender(settings, FixedClock(NOW))


def test_login_then_send(auth_server: SmtpServer) -> None:
    with_login(auth_server.port, "right-pass").send(simple())
    assert len(auth_server.inbox.received) == 1


def test_wrong_credentials_keep_the_message_for_later(auth_server: SmtpServer) -> None:
    with pytest.raises(DeliveryError) as caught:
        with_login(auth_server.port, "wrong-pass").send(simple())
    # An operator fixes the password; the message itself was fine.
    assert caught.value.retryable
    assert caught.value.reason == "SMTP authentication failed (535)"
    assert "wrong-pass" not in caught.value.reason
    assert auth_server.inbox.received == []


def test_starttls_required_but_not_offered_is_retryable(smtp_server: SmtpServer) -> None:
    settings = SmtpSettings(
        host="127.0.0.1",
        port=smtp_server.port,
        from_address="care@northwind.example",
        starttls=True,
    )
    with pytest.raises(DeliveryError) as caught:
        SmtpSender(settings, FixedClock(NOW)).send(simple())
    assert caught.value.retryable
    assert smtp_server.inbox.received == []
