"""The agent's state follows the callback: Talking from the dial, After-Call Work once the call is
over (and on the handbook's alternate-number path, where the alternate number is dialled from),
then the state the policy names after wrap-up, every move in the agent's state history. Runs on
both engines for the normal path, an unanswered attempt, the voicemail path and the alternate
number path."""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from caredesk.channels.ports import CallEventKind
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.errors import NotFound
from caredesk.policy import AgentState
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import Desk, ScriptedGateway

ANSWERED, NO_ANSWER = CallEventKind.ANSWERED, CallEventKind.NO_ANSWER
FOLLOW_UP, TALKING, ACW, READY = (
    "not_ready_follow_up",
    "talking",
    "after_call_work",
    "ready",
)
MEMO = {
    "reason": "Device troubleshooting follow-up",
    "summary": "Reset the network settings together; calls and data work again.",
    "customer_response": "Customer confirmed the phone works and needs nothing else.",
}
VOICEMAIL_MEMO = {
    "reason": "Device troubleshooting follow-up",
    "summary": "Called twice, no answer; left a voicemail with our number.",
    "customer_response": "No answer on either attempt; voicemail left asking them to call.",
}


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


def _ready(desk: Desk, *signals: CallEventKind) -> tuple[int, int, dict[str, str]]:
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
    desk.notified(callback["id"])
    desk.follow_up(agent_id, agent)
    desk.use_gateway(ScriptedGateway(list(signals)))
    return callback["id"], agent_id, agent


def _state(desk: Desk, agent_id: int) -> str:
    response = desk.client.get(f"/v1/agents/{agent_id}/state", headers=desk.admin)
    assert response.status_code == 200, response.text
    state: str = response.json()["state"]
    return state


def _moves(desk: Desk, agent_id: int, callback_id: int) -> list[tuple[str, str]]:
    """The state history the callback caused, oldest first."""
    response = desk.client.get(
        f"/v1/agents/{agent_id}/state/history", params={"limit": 200}, headers=desk.admin
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return [
        (item["from_state"], item["to_state"])
        for item in items
        if item["reason"] == f"callback {callback_id}"
    ]


def _dial(desk: Desk, callback_id: int, agent: dict[str, str], **body: Any) -> int:
    started = desk.start(callback_id, agent, **body)
    assert started.status_code == 200, started.text
    attempt_id = int(started.json()["id"])
    desk.poll(callback_id, attempt_id, agent)
    return attempt_id


def _ok(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_normal_path_talking_then_after_call_work_then_back_to_follow_up(desk: Desk) -> None:
    callback_id, agent_id, agent = _ready(desk, ANSWERED)
    _dial(desk, callback_id, agent)
    assert _state(desk, agent_id) == TALKING
    _ok(desk.step(callback_id, agent, "verify_name"))
    _ok(desk.step(callback_id, agent, "disclosure"))
    assert _state(desk, agent_id) == TALKING
    _ok(desk.client.post(f"/v1/callbacks/{callback_id}/hangup", json={}, headers=agent))
    assert _state(desk, agent_id) == ACW
    _ok(desk.wrap_up(callback_id, agent, outcome="resolved", memo=MEMO))
    assert _state(desk, agent_id) == FOLLOW_UP
    assert _moves(desk, agent_id, callback_id) == [
        (FOLLOW_UP, TALKING),
        (TALKING, ACW),
        (ACW, FOLLOW_UP),
    ]
    wrapped = [e for e in desk.events(callback_id) if e["kind"] == "wrapped_up"]
    assert wrapped[0]["facts"]["agent_state"] == FOLLOW_UP


def test_after_wrap_up_the_agent_goes_where_the_policy_says(desk: Desk) -> None:
    runtime = desk.runtime
    policy = dataclasses.replace(runtime.policy, after_wrap_up=AgentState.READY)
    desk.client.app.state.callbacks = dataclasses.replace(runtime, policy=policy)  # type: ignore[attr-defined]
    callback_id, agent_id, agent = _ready(desk, ANSWERED)
    _dial(desk, callback_id, agent)
    _ok(desk.client.post(f"/v1/callbacks/{callback_id}/hangup", json={}, headers=agent))
    _ok(desk.wrap_up(callback_id, agent, outcome="resolved", memo=MEMO))
    assert _state(desk, agent_id) == READY
    assert _moves(desk, agent_id, callback_id)[-1] == (ACW, READY)


def test_an_unanswered_attempt_goes_through_after_call_work_back_to_follow_up(
    desk: Desk,
) -> None:
    callback_id, agent_id, agent = _ready(desk, NO_ANSWER, ANSWERED)
    _dial(desk, callback_id, agent)
    assert desk.get(callback_id)["status"] == "scheduled"
    assert _state(desk, agent_id) == FOLLOW_UP  # ready to dial the next attempt
    assert _moves(desk, agent_id, callback_id) == [
        (FOLLOW_UP, TALKING),
        (TALKING, ACW),
        (ACW, FOLLOW_UP),
    ]
    desk.clock.advance(timedelta(minutes=30))
    _dial(desk, callback_id, agent)
    assert _state(desk, agent_id) == TALKING


def test_voicemail_path_stays_in_after_call_work_until_wrapped_up(desk: Desk) -> None:
    callback_id, agent_id, agent = _ready(desk, NO_ANSWER, NO_ANSWER)
    _dial(desk, callback_id, agent)
    desk.clock.advance(timedelta(minutes=30))
    _dial(desk, callback_id, agent)
    assert desk.get(callback_id)["status"] == "wrap_up"
    assert _state(desk, agent_id) == ACW
    _ok(desk.client.post(f"/v1/callbacks/{callback_id}/voicemail", json={}, headers=agent))
    assert _state(desk, agent_id) == ACW
    _ok(desk.wrap_up(callback_id, agent, outcome="voicemail_left", memo=VOICEMAIL_MEMO))
    assert _state(desk, agent_id) == FOLLOW_UP
    assert _moves(desk, agent_id, callback_id) == [
        (FOLLOW_UP, TALKING),
        (TALKING, ACW),
        (ACW, FOLLOW_UP),
        (FOLLOW_UP, TALKING),
        (TALKING, ACW),
        (ACW, FOLLOW_UP),
    ]


def test_alternate_number_path_dials_the_alternate_from_after_call_work(desk: Desk) -> None:
    callback_id, agent_id, agent = _ready(desk, ANSWERED, ANSWERED)
    _dial(desk, callback_id, agent)
    _ok(desk.step(callback_id, agent, "verify_name"))
    _ok(desk.step(callback_id, agent, "disclosure"))
    given = _ok(
        desk.step(
            callback_id,
            agent,
            "alternate_number",
            device_being_called=True,
            alternate_number="(303) 555-0177",
        )
    )
    assert any("After-Call Work" in step for step in given["required_steps"])
    _ok(desk.client.post(f"/v1/callbacks/{callback_id}/hangup", json={}, headers=agent))
    _ok(desk.wrap_up(callback_id, agent, outcome="follow_up_scheduled", memo=MEMO))
    assert _state(desk, agent_id) == ACW  # the handbook: enter ACW and call the alternate

    attempt_id = _dial(desk, callback_id, agent, number="+13035550177")
    assert _state(desk, agent_id) == TALKING
    dialing = [e for e in desk.events(callback_id) if e["kind"] == "dialing"][-1]
    assert dialing["facts"]["attempt_id"] == attempt_id
    facts = dialing["facts"]
    assert (facts["number"], facts["agent_state"]) == ("+13035550177", TALKING)
    _ok(desk.client.post(f"/v1/callbacks/{callback_id}/hangup", json={}, headers=agent))
    _ok(desk.wrap_up(callback_id, agent, outcome="resolved", memo=MEMO))
    assert _state(desk, agent_id) == FOLLOW_UP
    assert _moves(desk, agent_id, callback_id) == [
        (FOLLOW_UP, TALKING),
        (TALKING, ACW),
        (ACW, TALKING),
        (TALKING, ACW),
        (ACW, FOLLOW_UP),
    ]


class _LostGateway(ScriptedGateway):
    """Answers the dial, then fails or no longer knows the call when asked to hang it up."""

    def __init__(self, failure: Exception) -> None:
        super().__init__([ANSWERED])
        self.failure = failure

    def hangup(self, call_id: str) -> None:
        raise self.failure


@pytest.mark.parametrize(
    ("failure", "warned"),
    [
        (ConnectionError("gateway down"), ["gateway hangup failed: ConnectionError"]),
        # The gateway holds no such call: it has ended already; nothing to warn about.
        (NotFound("no call with id 'x'", field="call_id"), []),
    ],
    ids=["gateway-down", "call-gone"],
)
def test_the_call_ends_on_our_side_whatever_the_gateway_answers(
    desk: Desk, caplog: pytest.LogCaptureFixture, failure: Exception, warned: list[str]
) -> None:
    callback_id, agent_id, agent = _ready(desk, ANSWERED)
    desk.use_gateway(_LostGateway(failure))
    _dial(desk, callback_id, agent)
    caplog.clear()
    _ok(desk.client.post(f"/v1/callbacks/{callback_id}/hangup", json={}, headers=agent))
    assert _state(desk, agent_id) == ACW
    assert desk.get(callback_id)["status"] == "wrap_up"
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == warned
