"""The SIP user agent server: answers callers over UDP and walks them through the IVR menus.

INVITE gets 100 Trying, then (after `ring_seconds` of 180 Ringing, when set) 200 OK with an SDP
answer, repeated until the ACK comes (RFC 3261 13.3.1.4). A repeated request (the same Call-ID,
CSeq and method) gets the response already sent, and starts nothing. CANCEL before the answer
ends the INVITE with 487; BYE is the caller hanging up (an abandonment when they were queued);
OPTIONS gets 200, INFO carries DTMF, other methods get 501. A datagram that is not SIP is logged
(its size and sender, never its contents) and dropped.

Each digit, from INFO or RTP, goes to the IVR through `walker` (which also times "no input"
and hangs up when the IVR is done with the caller). No audio is played: every prompt is logged,
as the words a speaking server would play."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import cast

from caredesk.channels.voice.sip import dtmf, sdp
from caredesk.channels.voice.sip.calls import ALLOW, Address, Call, CallState, RtpEndpoint
from caredesk.channels.voice.sip.menu import CallerRefused, PhoneMenu
from caredesk.channels.voice.sip.message import (
    SipMessage,
    SipParseError,
    parse,
    response,
    uri_of,
    user_of,
)
from caredesk.channels.voice.sip.walker import T1, T2, TIMER_B, Walker

log = logging.getLogger("caredesk.sip")
# Responses kept to answer retransmitted requests: far more than 32 s of calls can send.
_REMEMBERED = 4096


class SipServer(asyncio.DatagramProtocol):
    def __init__(
        self,
        menu: PhoneMenu,
        *,
        host: str = "127.0.0.1",
        port: int = 5060,
        ring_seconds: float = 0.0,
        advertise: str | None = None,
    ) -> None:
        self.menu = menu
        self.host, self.port = host, port
        self.ring_seconds = ring_seconds
        # The address put in our SDP and Via: the one peers reach us at.
        self.advertise = advertise or host
        self.calls: dict[str, Call] = {}
        self._responses: OrderedDict[tuple[str, int, str], bytes] = OrderedDict()
        self._transport: asyncio.DatagramTransport | None = None
        self.walker = Walker(menu, self.calls, self._send)

    # -- life --------------------------------------------------------------------------------

    async def start(self) -> int:
        """Listens; returns the port (the one the system picked when `port` is 0)."""
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: self, local_addr=(self.host, self.port)
        )
        self._transport = transport
        self.port = transport.get_extra_info("sockname")[1]
        self.walker.start(via=(self.advertise, self.port))
        log.info("sip listening on %s:%s (udp)", self.host, self.port)
        return self.port

    async def stop(self) -> None:
        """Hangs up every call (BYE, and the hang-up recorded), then stops listening."""
        await self.walker.stop()
        if self._transport is not None:
            self._transport.close()
        log.info("sip stopped")

    def _send(self, data: bytes, addr: Address) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.sendto(data, addr)

    # -- datagrams ---------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # The selector loop's UDP transport is not a DatagramTransport subclass, only like one.
        self._transport = cast(asyncio.DatagramTransport, transport)

    def error_received(self, exc: Exception) -> None:
        log.warning("sip socket error: %s", exc)

    def datagram_received(self, data: bytes, addr: Address) -> None:
        try:
            message = parse(data)
        except SipParseError as error:
            if data.strip(b"\r\n"):
                log.warning(
                    "sip dropped %d bytes from %s:%s: %s", len(data), addr[0], addr[1], error
                )
            return
        try:
            if message.is_request:
                self._request(message, addr)
            else:
                self._response(message)
        except SipParseError as error:
            log.warning("sip dropped a %s from %s:%s: %s", message.method, *addr, error)
        except Exception:
            # One bad message must not stop the line for every other caller.
            log.exception("sip failed on a %s from %s:%s", message.method or "response", *addr)

    def _reply(
        self,
        request: SipMessage,
        addr: Address,
        status: int,
        reason: str,
        *,
        call: Call | None = None,
        headers: tuple[tuple[str, str], ...] = (),
        body: bytes = b"",
    ) -> bytes:
        tag = call.local_tag if call is not None else None
        if tag is None and status > 100:
            tag = "x" + request.call_id.encode().hex()[:10]
        data = response(request, status, reason, to_tag=tag, headers=headers, body=body)
        key = (request.call_id, request.cseq[0], request.method or "")
        self._responses[key] = data
        self._responses.move_to_end(key)
        while len(self._responses) > _REMEMBERED:
            self._responses.popitem(last=False)
        self._send(data, addr)
        return data

    def _request(self, message: SipMessage, addr: Address) -> None:
        method = message.method or ""
        key = (message.call_id, message.cseq[0], method)
        if method != "ACK" and key in self._responses:
            # A retransmission: the same answer again, nothing done twice. Not a call event:
            # a peer may send many, and the log is no place for each.
            self._send(self._responses[key], addr)
            log.debug("sip %s %s retransmitted: answered again", method, message.call_id)
            return
        call = self.calls.get(message.call_id)
        if method == "INVITE":
            if call is not None and call.in_dialog(message):
                self._reinvite(call, message, addr)
            elif call is None:
                self._invite(message, addr)
            else:
                self._reply(message, addr, 482, "Loop Detected")
        elif method == "ACK":
            self._ack(call, message)
        elif method == "CANCEL":
            self._cancel(call, message, addr)
        elif method == "BYE":
            if call is None or not call.in_dialog(message) or call.state is CallState.ENDED:
                self._reply(message, addr, 481, "Call/Transaction Does Not Exist")
                return
            self._reply(message, addr, 200, "OK", call=call)
            log.info("sip call %s: the caller hung up (BYE)", call.menu_call)
            self.walker.finish(call)
            self.walker.spawn(self.walker.record_hang_up(call))
        elif method == "INFO":
            self._info(call, message, addr)
        elif method == "OPTIONS":
            self._reply(
                message,
                addr,
                200,
                "OK",
                call=call,
                headers=(("Allow", ALLOW), ("Accept", "application/sdp")),
            )
        else:
            self._reply(message, addr, 501, "Not Implemented", headers=(("Allow", ALLOW),))
            log.info("sip %s from %s:%s: not implemented (501)", method, *addr)

    def _response(self, message: SipMessage) -> None:
        if message.status is not None and message.status >= 200:
            self.walker.answered(message.branch)

    # -- INVITE, CANCEL, ACK -----------------------------------------------------------------

    def _invite(self, message: SipMessage, addr: Address) -> None:
        offer: sdp.Offer | None = None
        if message.body:
            try:
                offer = sdp.parse_offer(message.body)
            except sdp.SdpError as error:
                self._reply(message, addr, 400, f"Bad SDP ({error})")
                return
            if not sdp.answerable(offer):
                self._reply(message, addr, 488, "Not Acceptable Here")
                log.info("sip INVITE %s: no PCMU in the offer (488)", message.call_id)
                return
        call = Call(message.call_id, addr, message)
        self.calls[message.call_id] = call
        self._reply(message, addr, 100, "Trying")
        self.walker.spawn(self._answer(call, offer))

    def _number(self, message: SipMessage) -> str | None:
        for name in ("P-Asserted-Identity", "From"):
            for value in message.all(name):
                user = user_of(uri_of(value))
                if user is not None:
                    return user
        return None

    async def _answer(self, call: Call, offer: sdp.Offer | None) -> None:
        try:
            await self._answer_call(call, offer)
        except Exception:
            # No socket for the media, the store away: the caller hears 500, never silence.
            if call.state is CallState.RINGING and not call.cancelled:
                self.walker.finish(call)
                self._reply(call.invite, call.peer, 500, "Server Internal Error", call=call)
            raise

    async def _answer_call(self, call: Call, offer: sdp.Offer | None) -> None:
        invite, addr = call.invite, call.peer
        loop = asyncio.get_running_loop()
        event_type = offer.event_type if offer is not None else sdp.DEFAULT_EVENT_TYPE
        call.events.payload_type = event_type
        hosts = {addr[0], *([offer.address] if offer is not None else [])}
        rtp = RtpEndpoint(call.events, hosts, lambda digit: self.walker.digit(call, digit, "rtp"))
        await loop.create_datagram_endpoint(lambda: rtp, local_addr=(self.host, 0))
        call.rtp = rtp
        if self.ring_seconds > 0:
            self._reply(invite, addr, 180, "Ringing", call=call)
            await asyncio.sleep(self.ring_seconds)
        if call.cancelled:
            call.close_media()
            return
        number = self._number(invite)
        try:
            if number is None:
                raise CallerRefused("no caller id")
            answer = await self.walker.run(self.menu.start, number=number)
        except CallerRefused as refused:
            self.walker.finish(call)
            self._reply(invite, addr, 433, "Anonymity Disallowed", call=call)
            log.info("sip INVITE %s refused (433): %s", call.sip_call_id, refused)
            return
        call.menu_call = answer.call_id
        if call.cancelled:
            # CANCEL came while the walk was being started: it ends as the caller's hang-up.
            await self.walker.record_hang_up(call)
            return
        call.answer_sdp = sdp.describe(
            address=self.advertise,
            port=rtp.port,
            event_type=event_type or sdp.DEFAULT_EVENT_TYPE,
            session_id=call.session_id,
        )
        headers = (
            ("Contact", f"<sip:caredesk@{self._hostport()}>"),
            ("Allow", ALLOW),
            ("Content-Type", "application/sdp"),
        )
        call.ok_response = self._reply(
            invite, addr, 200, "OK", call=call, headers=headers, body=call.answer_sdp
        )
        call.state = CallState.ANSWERED
        log.info(
            "sip call %s answered (Call-ID %s, RTP port %s, DTMF %s)",
            call.menu_call,
            call.sip_call_id,
            rtp.port,
            "INFO or RTP" if offer is not None and offer.event_type is not None else "INFO",
        )
        self.walker.spawn(self._repeat_ok(call))
        self.walker.apply(call, answer, "answered")

    def _hostport(self) -> str:
        host = f"[{self.advertise}]" if ":" in self.advertise else self.advertise
        return f"{host}:{self.port}"

    async def _repeat_ok(self, call: Call) -> None:
        interval, waited = T1, 0.0
        while waited < TIMER_B:
            await asyncio.sleep(interval)
            waited += interval
            if call.state is not CallState.ANSWERED:
                return
            self._send(call.ok_response, call.peer)
            interval = min(interval * 2, T2)
        if call.state is CallState.ANSWERED:
            await self.walker.hang_up(call, reason="no ACK to the 200 OK")

    def _ack(self, call: Call | None, message: SipMessage) -> None:
        if call is None or call.state is not CallState.ANSWERED or not call.in_dialog(message):
            return  # the ACK of a 487 or another final answer, or a stray one
        call.state = CallState.CONFIRMED
        if message.body and call.rtp is not None:
            # The answer to the offer our 200 made (the INVITE came without SDP).
            try:
                late = sdp.parse_offer(message.body)
            except sdp.SdpError:
                return
            call.rtp.hosts.add(late.address)
            call.events.payload_type = late.event_type or call.events.payload_type

    def _cancel(self, call: Call | None, message: SipMessage, addr: Address) -> None:
        if call is None or call.invite.cseq[0] != message.cseq[0]:
            self._reply(message, addr, 481, "Call/Transaction Does Not Exist")
            return
        self._reply(message, addr, 200, "OK", call=call)
        if call.state is not CallState.RINGING or call.cancelled:
            return  # answered already: the caller will send BYE
        call.cancelled = True
        self.walker.finish(call)
        self._reply(call.invite, call.peer, 487, "Request Terminated", call=call)
        log.info("sip INVITE %s cancelled before the answer (487)", call.sip_call_id)

    def _reinvite(self, call: Call, message: SipMessage, addr: Address) -> None:
        """A session refresh or a hold: the same answer, with the caller's new media address."""
        if message.body and call.rtp is not None:
            try:
                offer = sdp.parse_offer(message.body)
                call.rtp.hosts.add(offer.address)
            except sdp.SdpError:
                pass
        headers = (
            ("Contact", f"<sip:caredesk@{self._hostport()}>"),
            ("Content-Type", "application/sdp"),
        )
        self._reply(message, addr, 200, "OK", call=call, headers=headers, body=call.answer_sdp)

    def _info(self, call: Call | None, message: SipMessage, addr: Address) -> None:
        if call is None or not call.in_dialog(message) or call.state is CallState.ENDED:
            self._reply(message, addr, 481, "Call/Transaction Does Not Exist")
            return
        kind = message.header("Content-Type") or ""
        if message.body and not dtmf.is_dtmf_info(kind):
            accept = (("Accept", "application/dtmf-relay, application/dtmf"),)
            self._reply(message, addr, 415, "Unsupported Media Type", call=call, headers=accept)
            return
        self._reply(message, addr, 200, "OK", call=call)
        digit = dtmf.digit_from_info(kind, message.body) if message.body else None
        if digit is not None:
            self.walker.digit(call, digit, "info")
