"""One call as the SIP server keeps it: its dialog (tags, route set, the caller's contact), where
it stands (ringing, answered, confirmed by the ACK, ended), its RTP endpoint and its timers; and
the requests we send in it (BYE)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import cast

from caredesk.channels.voice.sip.dtmf import EventReceiver
from caredesk.channels.voice.sip.message import SIP_VERSION, SipMessage, param, render, uri_of

Address = tuple[str, int]
MAGIC_COOKIE = "z9hG4bK"
ALLOW = "INVITE, ACK, BYE, CANCEL, OPTIONS, INFO"


def token() -> str:
    return secrets.token_hex(8)


class CallState(StrEnum):
    RINGING = "ringing"
    """The INVITE is taken; no final response yet."""
    ANSWERED = "answered"
    """200 OK sent, waiting for the ACK."""
    CONFIRMED = "confirmed"
    ENDED = "ended"


class RtpEndpoint(asyncio.DatagramProtocol):
    """The call's RTP port: telephone-events become digits; every other packet is dropped (no
    audio is played or heard). Only packets from the caller's hosts count."""

    def __init__(self, receiver: EventReceiver, hosts: set[str], on_digit: Callable[[str], None]):
        self.receiver = receiver
        self.hosts = hosts
        self.on_digit = on_digit
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: Address) -> None:
        if addr[0] not in self.hosts:
            return
        digit = self.receiver.digit(data)
        if digit is not None:
            self.on_digit(digit)

    @property
    def port(self) -> int:
        assert self.transport is not None
        port: int = self.transport.get_extra_info("sockname")[1]
        return port

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


@dataclass
class Call:
    sip_call_id: str
    peer: Address
    invite: SipMessage
    local_tag: str = field(default_factory=token)
    state: CallState = CallState.RINGING
    menu_call: int | None = None
    """The caredesk call (its interaction's id) once the walk has started."""
    cancelled: bool = False
    walk_over: bool = False
    """The walk will take no more input (queued, or hung up)."""
    hung_up: bool = False
    """caredesk has recorded the hang-up."""
    rtp: RtpEndpoint | None = None
    events: EventReceiver = field(default_factory=lambda: EventReceiver(None))
    local_cseq: int = 0
    session_id: int = field(default_factory=lambda: secrets.randbelow(2**31))
    answer_sdp: bytes = b""
    ok_response: bytes = b""
    no_input: asyncio.TimerHandle | None = None
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    @property
    def remote_tag(self) -> str | None:
        return param(self.invite.need("From"), "tag")

    def in_dialog(self, message: SipMessage) -> bool:
        """A request of this dialog: our tag in its To (RFC 3261 12.2.2)."""
        return param(message.need("To"), "tag") == self.local_tag

    def stop_no_input(self) -> None:
        if self.no_input is not None:
            self.no_input.cancel()
            self.no_input = None

    def close_media(self) -> None:
        self.stop_no_input()
        if self.rtp is not None:
            self.rtp.close()

    def bye(self, *, via_host: str, via_port: int) -> tuple[str, bytes]:
        """Our BYE in this dialog, and its branch (to match the response)."""
        self.local_cseq += 1
        branch = f"{MAGIC_COOKIE}-{token()}"
        invite = self.invite
        target = uri_of(invite.header("Contact") or invite.need("From"))
        headers: list[tuple[str, str]] = [
            ("Via", f"SIP/2.0/UDP {via_host}:{via_port};branch={branch};rport"),
            ("Max-Forwards", "70"),
        ]
        # The caller's Record-Route, as a callee keeps it (RFC 3261 12.1.1).
        headers += [("Route", route) for route in invite.all("Record-Route")]
        headers += [
            ("From", f"{invite.need('To')};tag={self.local_tag}"),
            ("To", invite.need("From")),
            ("Call-ID", self.sip_call_id),
            ("CSeq", f"{self.local_cseq} BYE"),
            ("User-Agent", "caredesk"),
        ]
        return branch, render(f"BYE {target} {SIP_VERSION}", headers)
