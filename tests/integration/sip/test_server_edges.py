"""The server's protocol edges, with a scripted menu in place of the stored walk and a plain UDP
socket as the peer: who is refused and with what status, INFO bodies we do not take, a call
with no SDP in its INVITE, the 200 repeated until the ACK, a re-INVITE, and the BYE we send when
the IVR is done or the call has ended in caredesk."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator

import pytest

from caredesk.channels.voice.sip.dtmf import event_packet
from caredesk.channels.voice.sip.menu import CallerRefused, MenuAnswer
from caredesk.channels.voice.sip.message import SipMessage, param, parse
from caredesk.channels.voice.sip.sdp import parse_offer
from caredesk.channels.voice.sip.server import SipServer
from tests.integration.sip.conftest import ServerThread

CALL_ID = 7


class ScriptedMenu:
    """Answers from a script: key "9" ends the walk (the IVR hangs up); any other key is taken."""

    no_input_seconds = 60.0

    def __init__(self) -> None:
        self.events: list[tuple[str, str]] = []
        self.ended_calls: set[int] = set()

    def start(self, *, number: str) -> MenuAnswer:
        if number == "anonymous":
            raise CallerRefused("no number")
        if number == "5550000":
            raise RuntimeError("the store is away")
        self.events.append(("start", number))
        return MenuAnswer(CALL_ID, ("Hello.",), "menu")

    def key(self, call_id: int, digit: str) -> MenuAnswer:
        self.events.append(("key", digit))
        if digit == "9":
            return MenuAnswer(call_id, ("Goodbye.",), "ended", outcome="closed")
        return MenuAnswer(call_id, ("Next.",), "menu")

    def no_input(self, call_id: int) -> MenuAnswer:
        self.events.append(("no_input", ""))
        return MenuAnswer(call_id, ("Again.",), "menu", accepted=False)

    def hang_up(self, call_id: int) -> MenuAnswer:
        self.events.append(("hang_up", ""))
        return MenuAnswer(call_id, (), "ended", outcome="hung_up", call_ended=True)

    def ended(self, call_ids: list[int]) -> set[int]:
        return self.ended_calls & set(call_ids)


class Peer:
    """A phone: one UDP socket, messages written by hand."""

    def __init__(self, server_port: int) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(5)
        self.port = self.sock.getsockname()[1]
        self.server = ("127.0.0.1", server_port)
        self.to_tag: str | None = None
        self.settle: Callable[[], None] = lambda: None

    def send(
        self,
        method: str,
        cseq: int,
        *,
        body: str = "",
        kind: str = "",
        from_user: str = "+14155550123",
        call_id: str = "c1",
        to_tag: str | None = None,
    ) -> None:
        tag = to_tag if to_tag is not None else self.to_tag
        lines = [
            f"{method} sip:care@127.0.0.1:{self.server[1]} SIP/2.0",
            f"Via: SIP/2.0/UDP 127.0.0.1:{self.port};branch=z9hG4bK-{method}-{cseq}",
            f"From: <sip:{from_user}@127.0.0.1:{self.port}>;tag=peer",
            "To: <sip:care@127.0.0.1>" + (f";tag={tag}" if tag else ""),
            f"Call-ID: {call_id}",
            f"CSeq: {cseq} {'INVITE' if method == 'ACK' and cseq == 1 else method}",
            f"Contact: <sip:phone@127.0.0.1:{self.port}>",
        ]
        if kind:
            lines.append(f"Content-Type: {kind}")
        lines.append(f"Content-Length: {len(body.encode())}")
        text = "\r\n".join(lines) + "\r\n\r\n" + body
        if method == "ACK":
            text = text.replace(f"CSeq: {cseq} INVITE", f"CSeq: {cseq} ACK")
        self.sock.sendto(text.encode(), self.server)

    def receive(self) -> SipMessage:
        data, _ = self.sock.recvfrom(65535)
        return parse(data)

    def until(self, status: int | None = None, method: str | None = None) -> SipMessage:
        while True:
            message = self.receive()
            if (status is not None and message.status == status) or (
                method is not None and message.method == method
            ):
                return message

    def answer(self, request: SipMessage) -> None:
        lines = [
            "SIP/2.0 200 OK",
            *(f"Via: {via}" for via in request.all("Via")),
            f"From: {request.need('From')}",
            f"To: {request.need('To')}",
            f"Call-ID: {request.call_id}",
            f"CSeq: {request.need('CSeq')}",
            "Content-Length: 0",
        ]
        self.sock.sendto(("\r\n".join(lines) + "\r\n\r\n").encode(), self.server)

    def answered_call(self, body: str = "") -> SipMessage:
        self.send("INVITE", 1, body=body, kind="application/sdp" if body else "")
        ok = self.until(status=200)
        self.to_tag = param(ok.need("To"), "tag")
        return ok


OFFER = (
    "v=0\r\no=p 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 40000 RTP/AVP {types}\r\na=rtpmap:101 telephone-event/8000\r\n"
)


@pytest.fixture
def menu() -> ScriptedMenu:
    return ScriptedMenu()


@pytest.fixture
def peer(menu: ScriptedMenu) -> Iterator[Peer]:
    thread = ServerThread(SipServer(menu, host="127.0.0.1", port=0))
    thread.start()
    phone = Peer(thread.port)
    phone.settle = thread.settle
    try:
        yield phone
    finally:
        phone.sock.close()
        thread.stop()


def test_an_anonymous_caller_is_refused_with_433(peer: Peer, menu: ScriptedMenu) -> None:
    peer.send(
        "INVITE", 1, from_user="anonymous", body=OFFER.format(types="0 101"), kind="application/sdp"
    )
    assert peer.receive().status == 100
    assert peer.receive().status == 433
    assert menu.events == []


def test_a_store_away_is_a_500_and_the_next_call_works(peer: Peer, menu: ScriptedMenu) -> None:
    offer = OFFER.format(types="0 101")
    peer.send("INVITE", 1, from_user="5550000", body=offer, kind="application/sdp")
    assert [peer.receive().status, peer.receive().status] == [100, 500]
    peer.send("INVITE", 1, call_id="c2", body=offer, kind="application/sdp")
    assert peer.until(status=200).call_id == "c2"


def test_an_offer_without_pcmu_is_refused_with_488(peer: Peer) -> None:
    peer.send("INVITE", 1, body=OFFER.format(types="8 101"), kind="application/sdp")
    assert peer.receive().status == 488


def test_requests_outside_any_call(peer: Peer) -> None:
    for method in ("BYE", "INFO", "CANCEL"):
        peer.send(method, 5, call_id="nobody", to_tag="x")
        assert peer.receive().status == 481, method
    peer.send("REGISTER", 1, call_id="reg")
    refused = peer.receive()
    assert refused.status == 501 and "INVITE" in (refused.header("Allow") or "")


def test_info_bodies_we_do_not_take(peer: Peer, menu: ScriptedMenu) -> None:
    peer.answered_call(OFFER.format(types="0 101"))
    peer.send("ACK", 1)
    peer.send("INFO", 2, body="hello", kind="text/plain")
    assert peer.receive().status == 415
    peer.send("INFO", 3)
    assert peer.receive().status == 200
    peer.send("INFO", 4, body="Signal=4", kind="application/dtmf-relay")
    assert peer.receive().status == 200
    peer.send("BYE", 5)
    assert peer.until(status=200).cseq == (5, "BYE")
    peer.settle()
    assert menu.events[1:] == [("key", "4"), ("hang_up", "")]


def test_the_200_is_repeated_until_the_ack_and_a_reinvite_gets_the_same_sdp(peer: Peer) -> None:
    first = peer.answered_call(OFFER.format(types="0 101"))
    again = peer.until(status=200)  # no ACK yet: the 200 comes again
    assert again.body == first.body and again.cseq == (1, "INVITE")
    peer.send("ACK", 1)
    peer.send("INVITE", 2, body=OFFER.format(types="0 101"), kind="application/sdp")
    refreshed = peer.until(status=200)
    assert refreshed.cseq == (2, "INVITE") and refreshed.body == first.body


def test_no_sdp_in_the_invite_our_offer_and_the_answer_in_the_ack(
    peer: Peer, menu: ScriptedMenu
) -> None:
    ok = peer.answered_call()
    offer = parse_offer(ok.body)
    assert offer.event_type == 101 and 0 in offer.payload_types
    answer = OFFER.format(types="0 96").replace("rtpmap:101", "rtpmap:96")
    peer.send("ACK", 1, body=answer, kind="application/sdp")
    rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    for seq, end in ((1, False), (2, True), (3, True)):
        packet = event_packet(
            payload_type=96, seq=seq, timestamp=800, ssrc=3, event=9, end=end, duration=160 * seq
        )
        rtp.sendto(packet, ("127.0.0.1", offer.port))
    rtp.close()
    # Key 9 ends the walk: the server hangs up, and the BYE stops once answered.
    bye = peer.until(method="BYE")
    assert bye.call_id == "c1" and param(bye.need("From"), "tag") == peer.to_tag
    peer.answer(bye)
    assert ("key", "9") in menu.events


def test_a_call_ended_in_caredesk_is_hung_up(peer: Peer, menu: ScriptedMenu) -> None:
    peer.answered_call(OFFER.format(types="0 101"))
    peer.send("ACK", 1)
    menu.ended_calls.add(CALL_ID)
    bye = peer.until(method="BYE")
    peer.answer(bye)
    assert bye.cseq[1] == "BYE"
