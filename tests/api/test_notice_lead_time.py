"""The "Dropped Call" notice says "about to call" when the call is about to happen: requested at
21:10 in Denver it goes out at 09:00 the next morning for a call at 09:10, not at once for a call
twelve hours later; when the plan moves past what the notice announced, a new notice goes the
lead time before the new dial, and the dial waits for it."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from caredesk.channels.ports import CallEventKind
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import Desk, ScriptedGateway, instant, refused

DENVER = ZoneInfo("America/Denver")


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


def dropped_call(desk: Desk) -> tuple[dict[str, object], int, dict[str, str]]:
    account = desk.account()
    agent_id, agent = desk.agent()
    callback = desk.request(
        agent,
        account_id=account["id"],
        origin="follow_up",
        reason="dropped_call",
        line_of_business="care",
        owner_agent_id=agent_id,
    )
    return callback, agent_id, agent


def test_a_notice_requested_at_2110_goes_at_0900_for_a_call_at_0910(desk: Desk) -> None:
    desk.clock.set(datetime(2026, 3, 10, 21, 10, tzinfo=DENVER))
    callback, _, _ = dropped_call(desk)
    [message] = desk.outbox()
    assert message.kind == "callback.dropped_call"
    assert message.available_at == datetime(2026, 3, 11, 9, 0, tzinfo=DENVER)
    assert instant(str(callback["due_at"])) == datetime(2026, 3, 11, 9, 10, tzinfo=DENVER)

    assert desk.deliver().sent == 0  # not at 21:10
    # "Why not now" says the notice is on its way, not that someone must send it.
    why = desk.why(int(str(callback["id"])))
    [notify] = [rule for rule in why["failed"] if rule["rule_id"] == "OB-NOTIFY"]
    assert notify["sentence"] == (
        'the "Dropped Call" template is queued to go 2026-03-11 09:00 America/Denver, shortly '
        "before the call; the call waits for it"
    )
    assert why["required_steps"][0]["kind"] == "await_template"
    desk.clock.set(datetime(2026, 3, 11, 8, 59, tzinfo=DENVER))
    assert desk.deliver().sent == 0
    desk.clock.set(datetime(2026, 3, 11, 9, 0, tzinfo=DENVER))
    assert desk.deliver().sent == 1
    [sent] = desk.sender.messages
    assert "9:10 AM MDT" in sent.text
    assert desk.advance() == 1
    scheduled = desk.get(int(str(callback["id"])))
    assert scheduled["status"] == "scheduled"
    assert instant(scheduled["due_at"]) == datetime(2026, 3, 11, 9, 10, tzinfo=DENVER)


def test_when_the_plan_moves_a_new_notice_goes_before_the_new_dial(desk: Desk) -> None:
    desk.clock.set(datetime(2026, 3, 10, 19, 48, tzinfo=DENVER))
    callback, agent_id, agent = dropped_call(desk)
    callback_id = int(str(callback["id"]))
    assert desk.deliver().sent == 1  # inside the window: at once, for a call at 19:58
    desk.advance()
    assert instant(desk.get(callback_id)["due_at"]) == datetime(2026, 3, 10, 19, 58, tzinfo=DENVER)

    desk.clock.set(datetime(2026, 3, 10, 19, 58, tzinfo=DENVER))
    desk.follow_up(agent_id, agent)
    desk.use_gateway(ScriptedGateway([CallEventKind.NO_ANSWER, CallEventKind.NO_ANSWER]))
    first = desk.start(callback_id, agent)
    assert first.status_code == 200, first.text
    assert desk.poll(callback_id, first.json()["id"], agent)["result"] == "no_answer"

    # The next attempt can only be tomorrow: yesterday evening's notice does not announce it.
    moved = desk.get(callback_id)
    assert moved["status"] == "scheduled" and moved["notified_at"] is None
    assert instant(moved["due_at"]) == datetime(2026, 3, 11, 9, 10, tzinfo=DENVER)
    old, new = desk.outbox()
    assert (old.status, new.status) == ("sent", "pending")
    assert new.available_at == datetime(2026, 3, 11, 9, 0, tzinfo=DENVER)
    assert moved["notification_template"] == "Dropped Call"

    desk.clock.set(datetime(2026, 3, 11, 9, 10, tzinfo=DENVER))
    refused(desk.start(callback_id, agent), "OB-NOTIFY")  # the new notice has not gone yet
    desk.clock.set(datetime(2026, 3, 11, 9, 0, tzinfo=DENVER))
    assert desk.deliver().sent == 1
    desk.advance()
    desk.clock.set(datetime(2026, 3, 11, 9, 10, tzinfo=DENVER))
    second = desk.start(callback_id, agent)
    assert second.status_code == 200, second.text


def test_a_plan_that_stays_close_keeps_the_notice(desk: Desk) -> None:
    desk.clock.set(datetime(2026, 3, 10, 12, 0, tzinfo=DENVER))
    callback, agent_id, agent = dropped_call(desk)
    callback_id = int(str(callback["id"]))
    desk.deliver()
    desk.advance()
    desk.clock.set(datetime(2026, 3, 10, 12, 10, tzinfo=DENVER))
    desk.follow_up(agent_id, agent)
    desk.use_gateway(ScriptedGateway([CallEventKind.NO_ANSWER]))
    first = desk.start(callback_id, agent)
    desk.poll(callback_id, first.json()["id"], agent)
    kept = desk.get(callback_id)
    assert kept["notified_at"] is not None  # the 12:00 notice still announces a 12:25 call
    assert instant(kept["due_at"]) == datetime(2026, 3, 10, 12, 25, tzinfo=DENVER)
    assert len(desk.outbox()) == 1


def test_a_callback_nobody_dialled_in_time_gets_a_fresh_notice_before_its_next_dial(
    desk: Desk,
) -> None:
    desk.clock.set(datetime(2026, 3, 10, 19, 48, tzinfo=DENVER))
    callback, _, _ = dropped_call(desk)
    callback_id = int(str(callback["id"]))
    desk.deliver()
    desk.advance()
    assert desk.advance() == 0  # fresh: nothing to do

    # Nobody dialled it before the window closed; the next morning the old notice is stale.
    desk.clock.set(datetime(2026, 3, 11, 7, 0, tzinfo=DENVER))
    assert desk.advance() == 1
    renewed = desk.get(callback_id)
    assert renewed["notified_at"] is None
    assert instant(renewed["due_at"]) == datetime(2026, 3, 11, 9, 10, tzinfo=DENVER)
    old, new = desk.outbox()
    assert old.status == "sent" and new.available_at == datetime(2026, 3, 11, 9, 0, tzinfo=DENVER)
    assert desk.advance() == 0  # queued once
