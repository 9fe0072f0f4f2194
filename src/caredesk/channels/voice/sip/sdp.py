"""The session description (RFC 4566) of a call: what the caller offers, and our answer.

The answer takes G.711 mu-law (PCMU/8000, payload type 0) and telephone-event/8000 (RFC 4733
DTMF) at the payload type the offer gave it, on the RTP port we opened for the call. No audio
is played or heard: the port is there for the DTMF events the caller's phone sends in RTP."""

from __future__ import annotations

from dataclasses import dataclass

PCMU = 0
DEFAULT_EVENT_TYPE = 101


class SdpError(ValueError):
    """An offer this server cannot answer; the text says why."""


@dataclass(frozen=True)
class Offer:
    address: str
    """Where the caller's RTP comes from and goes to (c=)."""
    port: int
    payload_types: tuple[int, ...]
    event_type: int | None
    """The payload type of telephone-event/8000, when offered."""


def parse_offer(body: bytes) -> Offer:
    """The audio stream of an SDP body: its address, port, payload types and the
    telephone-event type."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise SdpError("the SDP is not UTF-8") from None
    session_address: str | None = None
    media_address: str | None = None
    port: int | None = None
    types: tuple[int, ...] = ()
    event: int | None = None
    in_audio = False
    for raw in text.splitlines():
        line = raw.strip()
        kind, equals, value = line.partition("=")
        if not equals or len(kind) != 1:
            continue
        if kind == "m":
            parts = value.split()
            in_audio = len(parts) >= 4 and parts[0] == "audio" and port is None
            if in_audio:
                if not parts[1].split("/")[0].isdigit():
                    raise SdpError("the audio port is not a number")
                port = int(parts[1].split("/")[0])
                types = tuple(int(t) for t in parts[3:] if t.isdigit() and int(t) < 128)
        elif kind == "c":
            parts = value.split()
            if len(parts) == 3 and parts[0] == "IN" and parts[1] in ("IP4", "IP6"):
                found = parts[2].split("/")[0]
                if in_audio:
                    media_address = found
                elif port is None:
                    session_address = found
        elif kind == "a" and in_audio and value.lower().startswith("rtpmap:"):
            number, _, codec = value[len("rtpmap:") :].partition(" ")
            if number.isdigit() and codec.strip().lower().startswith("telephone-event/8000"):
                event = int(number)
    if port is None or not 0 <= port < 65536:
        raise SdpError("no audio stream")
    address = media_address or session_address
    if address is None:
        raise SdpError("no connection address")
    if event is not None and event not in types:
        event = None
    return Offer(address, port, types, event)


def describe(
    *, address: str, port: int, event_type: int, session_id: int, version: int = 1
) -> bytes:
    """Our side of the session: PCMU and telephone-event on `port` (an answer, or our offer when
    the INVITE came without one)."""
    family = "IP6" if ":" in address else "IP4"
    lines = [
        "v=0",
        f"o=caredesk {session_id} {version} IN {family} {address}",
        "s=caredesk",
        f"c=IN {family} {address}",
        "t=0 0",
        f"m=audio {port} RTP/AVP {PCMU} {event_type}",
        f"a=rtpmap:{PCMU} PCMU/8000",
        f"a=rtpmap:{event_type} telephone-event/8000",
        f"a=fmtp:{event_type} 0-15",
        "a=ptime:20",
        "a=sendrecv",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("ascii")


def answerable(offer: Offer) -> bool:
    """The offer includes PCMU, the one codec we answer with."""
    return PCMU in offer.payload_types
