"""Real SIP calls from sipp: the stored call has the caller's number, every step of the walk,
the queue, and how it ended, exactly as a walk over HTTP records it."""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.inbound.models import IvrStep, IvrWalk
from caredesk.interactions.models import Interaction
from tests.integration.sip.conftest import CALLER, Serve
from tests.integration.sip.pcap import write_digits


@dataclass(frozen=True)
class Stored:
    """A call as stored: its interaction, its walk and every step."""

    number: str | None
    channel: str
    direction: str
    disposition: str | None
    ended: bool
    queue: str | None
    outcome: str | None
    steps: list[tuple[str, str, str, bool]]


def stored_calls(db: Database) -> list[Stored]:
    with db.uow() as uow:
        found = []
        for walk in uow.session.scalars(select(IvrWalk).order_by(IvrWalk.id)):
            interaction = uow.session.get(Interaction, walk.interaction_id)
            assert interaction is not None
            steps = uow.session.scalars(
                select(IvrStep).where(IvrStep.walk_id == walk.id).order_by(IvrStep.seq)
            )
            found.append(
                Stored(
                    number=interaction.from_address,
                    channel=interaction.channel,
                    direction=interaction.direction,
                    disposition=interaction.disposition,
                    ended=interaction.ended_at is not None,
                    queue=walk.queue,
                    outcome=walk.outcome,
                    steps=[(s.menu, s.kind, s.value, s.accepted) for s in steps],
                )
            )
        return found


def _count(db: Database) -> int:
    with db.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(Interaction)) or 0


def test_info_digits_walk_to_a_queue_and_bye_is_an_abandonment(serve: Serve, db: Database) -> None:
    sip = serve()
    run = sip.run("info_to_queue")
    assert run.returncode == 0, sip.report(run)
    [call] = stored_calls(db)
    assert (call.channel, call.direction, call.number) == ("voice", "inbound", CALLER)
    assert call.steps == [
        ("language", "start", "", True),
        ("language", "digit", "1", True),
        ("main", "digit", "1", True),
        ("ended", "hangup", "", True),
    ]
    assert (call.queue, call.outcome) == ("billing", "queued")
    assert (call.disposition, call.ended) == ("abandoned", True)


def test_rfc4733_digits_in_rtp_walk_the_menus(serve: Serve, db: Database) -> None:
    sip = serve()
    write_digits(sip.workdir / "digits.pcap", "251")
    run = sip.run("rtp_digits")
    assert run.returncode == 0, sip.report(run)
    [call] = stored_calls(db)
    assert call.steps == [
        ("language", "start", "", True),
        ("language", "digit", "2", True),
        ("main", "digit", "5", True),
        ("international", "digit", "1", True),
        ("ended", "hangup", "", True),
    ]
    assert (call.queue, call.outcome, call.disposition) == (
        "international_emergency",
        "queued",
        "abandoned",
    )


def test_cancel_before_the_answer_makes_no_call(serve: Serve, db: Database) -> None:
    sip = serve(ring_seconds=3)
    run = sip.run("cancel")
    assert run.returncode == 0, sip.report(run)
    assert stored_calls(db) == [] and _count(db) == 0


@pytest.mark.parametrize("ring_seconds", [0, 1])
def test_a_retransmitted_invite_makes_one_call(
    serve: Serve, db: Database, caplog: pytest.LogCaptureFixture, ring_seconds: float
) -> None:
    # Answered at once, the copy meets the 100 or the 200; ringing, the 100 or the 180.
    sip = serve(ring_seconds=ring_seconds)
    with caplog.at_level(logging.DEBUG, logger="caredesk.sip"):
        run = sip.run("retransmitted_invite")
    assert run.returncode == 0, sip.report(run)
    assert any("INVITE" in line and "answered again" in line for line in caplog.messages)
    [call] = stored_calls(db)
    assert call.steps == [("language", "start", "", True), ("language", "hangup", "", True)]
    assert call.disposition == "customer_disconnected"


def test_malformed_datagrams_are_dropped_and_the_next_call_works(
    serve: Serve, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    sip = serve()
    secret = "my card 4111 1111 1111 1111 and PIN 4821"
    junk = [
        b"\xff\xfe\x00garbage",
        b"INVITE sip:care@127.0.0.1 SIP/2.0\r\nVia: x\r\n\r\n" + secret.encode(),
        b"INVITE sip:care@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK-j\r\n"
        b"From: <sip:1@h>;tag=1\r\nTo: <sip:2@h>\r\nCall-ID: j\r\nCSeq: 1 INVITE\r\n"
        b"Content-Length: 999\r\n\r\nv=0",
        b"x" * 60_000,
        b"\r\n\r\n",
        ("BYE sip:care@h SIP/2.0\r\n" + secret + "\r\n\r\n").encode(),
    ]
    with (
        caplog.at_level(logging.INFO, logger="caredesk.sip"),
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sender,
    ):
        for datagram in junk:
            sender.sendto(datagram, ("127.0.0.1", sip.port))
        run = sip.run("options_and_unknown")
        assert run.returncode == 0, sip.report(run)
        run = sip.run("info_to_queue")
        assert run.returncode == 0, sip.report(run)
    dropped = [r.getMessage() for r in caplog.records if "dropped" in r.getMessage()]
    assert len(dropped) == 5, dropped  # the keep-alive is not worth a line
    assert all("4111" not in line and "4821" not in line for line in caplog.messages)
    [call] = stored_calls(db)
    assert (call.queue, call.disposition) == ("billing", "abandoned")


def test_no_input_replays_then_general_care(serve: Serve, db: Database) -> None:
    sip = serve(no_input_seconds=1)
    run = sip.run("no_input")
    assert run.returncode == 0, sip.report(run)
    [call] = stored_calls(db)
    assert call.steps == [
        ("language", "start", "", True),
        ("language", "no_input", "", False),
        ("language", "no_input", "", False),
        ("language", "no_input", "", False),
        ("ended", "hangup", "", True),
    ]
    assert (call.queue, call.outcome, call.disposition) == ("general_care", "queued", "abandoned")


def test_after_hours_the_ivr_says_so_and_hangs_up(
    serve: Serve, db: Database, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 3, 10, 8, 0, tzinfo=UTC))  # 4 AM in New York
    sip = serve()
    run = sip.run("ivr_hangs_up")
    assert run.returncode == 0, sip.report(run)
    [call] = stored_calls(db)
    assert call.steps[-2:] == [("main", "digit", "1", True), ("ended", "hangup", "", True)]
    assert (call.queue, call.outcome, call.ended) == ("billing", "closed", True)


def test_dtmf_captured_from_a_phone_walks_the_menus(serve: Serve, db: Database) -> None:
    sip = serve()
    run = sip.run("rtp_captured_digits")
    assert run.returncode == 0, sip.report(run)
    [call] = stored_calls(db)
    assert [(menu, value) for menu, kind, value, _ in call.steps if kind == "digit"] == [
        ("language", "1"),
        ("main", "5"),
        ("international", "2"),
    ]
    assert (call.queue, call.disposition) == ("international", "abandoned")
