"""Digits from INFO bodies and from RFC 4733 events (one per event, whatever the repeats), and
the SDP offer read and answered."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caredesk.channels.voice.sip.dtmf import EventReceiver, digit_from_info, event_packet
from caredesk.channels.voice.sip.sdp import SdpError, answerable, describe, parse_offer


@pytest.mark.parametrize(
    ("kind", "body", "digit"),
    [
        ("application/dtmf-relay", b"Signal=5\r\nDuration=160\r\n", "5"),
        ("application/dtmf-relay", b"Signal= #\r\n", "#"),
        ("Application/DTMF-Relay; charset=x", b"signal=*", "*"),
        ("application/dtmf", b"7", "7"),
        ("application/dtmf", b"11", "#"),
        ("application/dtmf-relay", b"Signal=A", None),
        ("application/dtmf-relay", b"Duration=160", None),
        ("application/dtmf", b"\xff", None),
        ("text/plain", b"5", None),
    ],
)
def test_info_bodies(kind: str, body: bytes, digit: str | None) -> None:
    assert digit_from_info(kind, body) == digit


def _event(digit: int, ts: int, seq: int, *, end: bool, duration: int, pt: int = 101) -> bytes:
    return event_packet(
        payload_type=pt, seq=seq, timestamp=ts, ssrc=7, event=digit, end=end, duration=duration
    )


def test_one_digit_per_event_whatever_the_repeats() -> None:
    receiver = EventReceiver(101)
    packets = [_event(1, 1000, n, end=False, duration=160 * n) for n in range(5)]
    packets += [_event(1, 1000, 5, end=True, duration=800)] * 3
    packets += [_event(10, 2000, 6 + n, end=n > 1, duration=160 * n) for n in range(4)]
    packets += [_event(1, 3000, 12, end=True, duration=800)] * 3  # the start was lost
    digits = [d for d in (receiver.digit(p) for p in packets) if d is not None]
    assert digits == ["1", "*", "1"]


def test_other_payloads_and_junk_are_not_digits() -> None:
    receiver = EventReceiver(101)
    assert receiver.digit(_event(1, 1, 1, end=False, duration=0, pt=0)) is None
    assert receiver.digit(b"\x80\x65") is None
    assert receiver.digit(b"\x00" * 16) is None
    assert receiver.digit(_event(12, 1, 1, end=True, duration=0)) is None  # "A"
    assert EventReceiver(None).digit(_event(1, 1, 1, end=True, duration=0)) is None


OFFER = (
    b"v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
    b"t=0 0\r\nm=audio 6000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\n"
    b"a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"
)


def test_an_offer_and_its_answer() -> None:
    offer = parse_offer(OFFER)
    assert (offer.address, offer.port, offer.event_type) == ("127.0.0.1", 6000, 101)
    assert answerable(offer)
    answer = parse_offer(describe(address="127.0.0.1", port=7000, event_type=101, session_id=1))
    assert (answer.port, answer.payload_types, answer.event_type) == (7000, (0, 101), 101)


def test_offers_we_cannot_answer() -> None:
    assert not answerable(parse_offer(OFFER.replace(b"RTP/AVP 0 8 101", b"RTP/AVP 8 101")))
    with pytest.raises(SdpError, match="no audio"):
        parse_offer(b"v=0\r\nc=IN IP4 1.2.3.4\r\n")
    with pytest.raises(SdpError, match="connection"):
        parse_offer(b"v=0\r\nm=audio 5 RTP/AVP 0\r\n")
    no_event = parse_offer(OFFER.replace(b"telephone-event", b"opus"))
    assert no_event.event_type is None


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_any_packet_is_a_digit_or_nothing(packet: bytes) -> None:
    assert EventReceiver(101).digit(packet) in (None, *"0123456789*#")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512))
def test_any_sdp_is_an_offer_or_refused(body: bytes) -> None:
    with contextlib.suppress(SdpError):
        parse_offer(body)


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=len(OFFER)), st.binary(max_size=6))
def test_a_damaged_offer_is_an_offer_or_refused(at: int, junk: bytes) -> None:
    with contextlib.suppress(SdpError):
        parse_offer(OFFER[:at] + junk + OFFER[at + len(junk) :])
