"""The SIP parser: requests and responses, compact and folded headers, list headers split,
the body cut at Content-Length, and every malformed datagram refused with a reason (never a
crash, whatever the bytes)."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caredesk.channels.voice.sip.message import (
    MAX_DATAGRAM,
    SipParseError,
    host_port_of,
    param,
    parse,
    response,
    uri_of,
    user_of,
)

INVITE = (
    "INVITE sip:care@127.0.0.1:5060 SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK-1\r\n"
    "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK-0, SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK-x\r\n"
    'From: "Ann" <sip:+14155550123@127.0.0.1>;tag=abc\r\n'
    "To: <sip:care@127.0.0.1>\r\n"
    "Call-ID: 1-2@127.0.0.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "Contact: <sip:ann@127.0.0.1:5061>\r\n"
    "Content-Type: application/sdp\r\n"
    "Content-Length: 4\r\n"
    "\r\n"
    "v=0\nEXTRA"
)


def test_a_request_with_its_headers_and_body() -> None:
    message = parse(INVITE.encode())
    assert (message.method, message.uri) == ("INVITE", "sip:care@127.0.0.1:5060")
    assert message.call_id == "1-2@127.0.0.1"
    assert message.cseq == (1, "INVITE")
    # Three Vias, two of them on one line, in order.
    assert [param(v, "branch") for v in message.all("via")] == [
        "z9hG4bK-1",
        "z9hG4bK-0",
        "z9hG4bK-x",
    ]
    assert message.branch == "z9hG4bK-1"
    assert message.body == b"v=0\n"  # cut at Content-Length
    assert param(message.need("From"), "tag") == "abc"
    assert user_of(uri_of(message.need("From"))) == "+14155550123"


def test_compact_forms_and_folded_lines() -> None:
    text = (
        "BYE sip:care@h SIP/2.0\r\n"
        "v: SIP/2.0/UDP h;branch=z9hG4bK-2\r\n"
        "f: <sip:1@h>;tag=a\r\n"
        "t: <sip:2@h>\r\n"
        "  ;tag=b\r\n"
        "i: xyz\r\n"
        "CSeq: 2\r\n\tBYE\r\n"
        "l: 0\r\n\r\n"
    )
    message = parse(text.encode())
    assert message.call_id == "xyz"
    assert message.cseq == (2, "BYE")
    assert param(message.need("To"), "tag") == "b"
    assert message.body == b""


def test_a_response() -> None:
    text = (
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK-3\r\nFrom: <sip:a@h>;tag=1\r\n"
        "To: <sip:b@h>;tag=2\r\nCall-ID: c\r\nCSeq: 7 BYE\r\n\r\n"
    )
    message = parse(text.encode())
    assert (message.status, message.reason, message.is_request) == (200, "OK", False)


def test_no_content_length_takes_the_rest_over_udp() -> None:
    text = INVITE.replace("Content-Length: 4\r\n", "")
    assert parse(text.encode()).body == b"v=0\nEXTRA"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (("Content-Length: 4", "Content-Length: 400"), "longer than the datagram"),
        (("Content-Length: 4", "Content-Length: -1"), "not a number"),
        (("Content-Length: 4", "Content-Length: 4\r\nl: 5"), "twice"),
        (("Call-ID: 1-2@127.0.0.1\r\n", ""), "no Call-ID"),
        (("CSeq: 1 INVITE", "CSeq: 1 BYE"), "differs"),
        (("CSeq: 1 INVITE", "CSeq: one INVITE"), "CSeq"),
        (("SIP/2.0\r\nVia", "SIP/3.0\r\nVia"), "request line"),
        (("Contact: <sip", "Contact <sip"), "no name"),
    ],
)
def test_malformed_messages_say_why(change: tuple[str, str], reason: str) -> None:
    with pytest.raises(SipParseError, match=reason):
        parse(INVITE.replace(*change, 1).encode())


def test_huge_empty_and_binary_datagrams_are_refused() -> None:
    with pytest.raises(SipParseError, match="over"):
        parse(INVITE.encode() + b"x" * MAX_DATAGRAM)
    with pytest.raises(SipParseError, match="keep-alive"):
        parse(b"\r\n\r\n")
    with pytest.raises(SipParseError, match="UTF-8"):
        parse(b"\xff\xfe INVITE")


def test_a_response_copies_the_request_and_tags_the_to() -> None:
    request = parse(INVITE.encode())
    written = response(request, 200, "OK", to_tag="us", headers=[("Contact", "<sip:c@h>")])
    back = parse(written)
    assert back.status == 200
    assert back.all("Via") == request.all("Via")
    assert param(back.need("To"), "tag") == "us"
    assert back.need("CSeq") == "1 INVITE"
    assert back.header("Content-Length") == "0"


def test_uris() -> None:
    assert user_of("tel:+14155550123;phone-context=x") == "+14155550123"
    assert user_of("sip:host") is None
    assert user_of("mailto:a@b") is None
    assert host_port_of("sip:ann@10.0.0.5:5062;transport=udp") == ("10.0.0.5", 5062)
    assert host_port_of("sip:[::1]:5070") == ("::1", 5070)
    assert host_port_of("sip:example.com") == ("example.com", None)
    assert uri_of("sip:a@b;tag=1") == "sip:a@b"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_any_bytes_parse_or_are_refused(data: bytes) -> None:
    with contextlib.suppress(SipParseError):
        parse(data)


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=len(INVITE)), st.binary(max_size=8))
def test_a_damaged_invite_parses_or_is_refused(at: int, junk: bytes) -> None:
    data = INVITE.encode()
    with contextlib.suppress(SipParseError):
        parse(data[:at] + junk + data[at + len(junk) :])
