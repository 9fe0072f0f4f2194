"""DTMF digits as peers send them: in a SIP INFO body (`application/dtmf-relay`, "Signal=5",
or `application/dtmf`, "5"), or as RFC 4733 telephone-events in RTP.

An RTP event is sent as many packets: updates while the key is held and the end packet three
times, all with the event's timestamp. `EventReceiver` gives each event's digit once, on the
first packet of a timestamp it has not seen (so a lost start packet still counts)."""

from __future__ import annotations

import struct
from collections import deque

DIGITS = "0123456789*#"
_EVENTS = "0123456789*#ABCD"
RTP_HEADER = struct.Struct("!BBHII")
# Timestamps remembered per call: more than a caller keys in the time the ends repeat.
_REMEMBERED = 64


def digit_from_info(content_type: str, body: bytes) -> str | None:
    """The digit of an INFO body, or None when it holds none we take (A-D are not keys of a
    phone's keypad and no menu uses them)."""
    kind = content_type.split(";", 1)[0].strip().lower()
    try:
        text = body.decode("ascii").strip()
    except UnicodeDecodeError:
        return None
    if kind == "application/dtmf-relay":
        for line in text.splitlines():
            key, _, value = line.partition("=")
            if key.strip().lower() == "signal":
                return _digit(value.strip())
        return None
    if kind == "application/dtmf":
        return _digit(text)
    return None


def _digit(value: str) -> str | None:
    if value in ("10", "11"):
        # Some peers send the event code for * and # (RFC 4733 section 3.2).
        return "*" if value == "10" else "#"
    return value if len(value) == 1 and value in DIGITS else None


def is_dtmf_info(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return kind in ("application/dtmf-relay", "application/dtmf")


class EventReceiver:
    """Telephone-events of one call's RTP stream, one digit per event."""

    def __init__(self, payload_type: int | None) -> None:
        self.payload_type = payload_type
        self._seen: deque[tuple[int, int]] = deque(maxlen=_REMEMBERED)

    def digit(self, packet: bytes) -> str | None:
        """The digit a packet starts, or None (another payload, a repeat, not RTP)."""
        if self.payload_type is None or len(packet) < RTP_HEADER.size + 4:
            return None
        first, second, _seq, timestamp, ssrc = RTP_HEADER.unpack_from(packet)
        if first >> 6 != 2 or second & 0x7F != self.payload_type:
            return None
        offset = RTP_HEADER.size + 4 * (first & 0x0F)
        if first & 0x10:
            # A header extension: its length in 32-bit words follows its profile word.
            if len(packet) < offset + 4:
                return None
            offset += 4 + 4 * struct.unpack_from("!H", packet, offset + 2)[0]
        if len(packet) < offset + 4:
            return None
        event = packet[offset]
        key = (ssrc, timestamp)
        if event >= len(_EVENTS) or key in self._seen:
            return None
        self._seen.append(key)
        digit = _EVENTS[event]
        return digit if digit in DIGITS else None


def event_packet(
    *, payload_type: int, seq: int, timestamp: int, ssrc: int, event: int, end: bool, duration: int
) -> bytes:
    """One RFC 4733 packet (for tests and for a peer that wants to see one)."""
    marker = 0x80 if duration == 0 else 0
    header = RTP_HEADER.pack(0x80, marker | payload_type, seq & 0xFFFF, timestamp, ssrc)
    flags = (0x80 if end else 0) | 10
    return header + struct.pack("!BBH", event, flags, duration)
