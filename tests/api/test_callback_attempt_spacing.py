"""After an attempt without contact the next one waits the minimum gap (OB-ATTEMPTS): the callback
is due at the end of the gap, every dial path refuses it sooner naming the rule, the dispatcher
does not claim it before then, and "why not now?" says when it may go."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from caredesk.callbacks.dispatch.claims import claim_due_callbacks
from caredesk.channels.ports import CallEventKind
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import Desk, ScriptedGateway, instant, refused

GAP = timedelta(minutes=15)


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


def test_a_no_answer_is_retried_only_after_the_gap(desk: Desk) -> None:
    account = desk.account()
    agent_id, agent = desk.agent()
    callback = desk.request(
        agent,
        account_id=account["id"],
        origin="follow_up",
        reason="device_troubleshooting",
        line_of_business="care",
        owner_agent_id=agent_id,
    )
    callback_id = callback["id"]
    desk.notified(callback_id)
    desk.follow_up(agent_id, agent)
    desk.use_gateway(ScriptedGateway([CallEventKind.NO_ANSWER, CallEventKind.NO_ANSWER]))
    first = desk.start(callback_id, agent)
    assert first.status_code == 200, first.text
    assert desk.poll(callback_id, first.json()["id"], agent)["result"] == "no_answer"
    ended = desk.clock.now()

    rescheduled = desk.get(callback_id)
    assert rescheduled["status"] == "scheduled"
    assert instant(rescheduled["due_at"]) == ended + GAP

    desk.clock.advance(timedelta(minutes=5))
    body = refused(desk.start(callback_id, agent), "OB-ATTEMPTS")
    assert body["decision"]["next_allowed_at"] is not None
    assert instant(body["decision"]["next_allowed_at"]) == ended + GAP
    why = desk.why(callback_id)
    [result] = [r for r in why["failed"] if r["rule_id"] == "OB-ATTEMPTS"]
    assert "at least 15 minutes apart" in result["sentence"]
    assert instant(why["next_allowed_at"]) == ended + GAP

    def claimed_at(offset: timedelta) -> list[int]:
        claims = claim_due_callbacks(
            desk.db, now=ended + offset, batch=10, lease_seconds=1, worker_id="spacing"
        )
        return [claim.id for claim in claims]

    assert claimed_at(GAP - timedelta(seconds=1)) == []
    assert claimed_at(GAP + timedelta(seconds=2)) == [callback_id]

    desk.clock.advance(GAP)
    second = desk.start(callback_id, agent)
    assert second.status_code == 200, second.text
