"""Callbacks end to end through HTTP: a dropped call called back twice without an answer ends
in a voicemail, an account memo and "closed unreachable"; Global Care tries once; Care refuses a
customer nobody spoke with while Service Assurance may call; a call answered on the simulated
gateway runs the guided steps and completes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from caredesk.callbacks.models import CallbackAttempt
from caredesk.channels.ports import CallEventKind
from caredesk.channels.voice.simulated import OutcomeWeights, SimulatedVoiceGateway
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import LINE, Desk, ScriptedGateway, instant, refused

NO_ANSWER = CallEventKind.NO_ANSWER
VOICEMAIL_MEMO = {
    "reason": "Dropped call callback",
    "summary": "Called twice after the dropped call, no answer; left a voicemail with our number.",
    "customer_response": "No answer on either attempt; voicemail left asking them to call us.",
}


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


def _kinds(events: list[dict[str, Any]]) -> list[str]:
    return [event["kind"] for event in events]


def test_dropped_call_twice_unanswered_ends_in_voicemail_memo_and_closed_unreachable(
    desk: Desk,
) -> None:
    account = desk.account()
    agent_id, agent = desk.agent()
    interaction_id = desk.dropped_call(account, agent_id, agent)

    made = desk.client.post(f"/v1/interactions/{interaction_id}/callback", json={}, headers=agent)
    assert made.status_code == 201, made.text
    callback = made.json()
    callback_id = callback["id"]
    assert (callback["status"], callback["notification_template"]) == (
        "awaiting_notification",
        "Dropped Call",
    )
    assert (callback["origin"], callback["reason"]) == ("dropped_call", "dropped_call")
    assert callback["in_assignment_pool"] is True

    # The same dropped call asked again is the same callback.
    again = desk.client.post(f"/v1/interactions/{interaction_id}/callback", json={}, headers=agent)
    assert again.status_code == 200 and again.json()["id"] == callback_id

    desk.follow_up(agent_id, agent)
    refused(desk.start(callback_id, agent), "OB-NOTIFY")  # not dialled before the message

    [message] = desk.outbox()
    assert (message.kind, message.status, message.channel) == (
        "callback.dropped_call",
        "pending",
        "email",
    )
    report = desk.deliver()
    assert report.sent == 1
    [sent] = desk.sender.messages
    assert "dropped" in sent.text.lower() and sent.to == "ana@example.com"
    assert desk.advance() == 1
    scheduled = desk.get(callback_id)
    assert scheduled["status"] == "scheduled"
    # Inside the window: the notice went at once, the call is due the lead time after it.
    assert instant(scheduled["due_at"]) == desk.clock.now() + timedelta(minutes=10)
    assert instant(scheduled["notified_at"]) == desk.clock.now()

    gateway = ScriptedGateway([NO_ANSWER, NO_ANSWER])
    desk.use_gateway(gateway)
    first = desk.start(callback_id, agent)
    assert first.status_code == 200, first.text
    assert (first.json()["dial_string"], first.json()["from_line"]) == ("3035550123", LINE)
    assert desk.poll(callback_id, first.json()["id"], agent)["result"] == "no_answer"
    after_first = desk.get(callback_id)
    assert (after_first["status"], after_first["attempts_without_contact"]) == ("scheduled", 1)

    desk.clock.advance(timedelta(minutes=30))
    second = desk.start(callback_id, agent)
    assert second.status_code == 200, second.text
    assert desk.poll(callback_id, second.json()["id"], agent)["result"] == "no_answer"
    assert len(gateway.dialed) == 2
    wrap = desk.get(callback_id)
    assert (wrap["status"], wrap["attempts_without_contact"]) == ("wrap_up", 2)
    last = [e for e in desk.events(callback_id) if e["kind"] == "attempt_result"][-1]
    assert {"OB-ATTEMPTS", "OB-VOICEMAIL"} <= set(last["rule_ids"])
    assert "Leave a voicemail" in last["facts"]["required_steps"]
    assert "Write the account memo" in last["facts"]["required_steps"]

    # No third dial: the dial's own answer names the rule and its sentence, like "why not now".
    assert "OB-ATTEMPTS" in [r["rule_id"] for r in desk.why(callback_id)["failed"]]
    third = refused(desk.start(callback_id, agent), "OB-ATTEMPTS")
    [attempts] = [r for r in third["decision"]["failed"] if r["rule_id"] == "OB-ATTEMPTS"]
    assert "2" in attempts["sentence"], attempts
    assert len(gateway.dialed) == 2
    # ... and no closing before the voicemail is left.
    refused(
        desk.wrap_up(callback_id, agent, outcome="voicemail_left", memo=VOICEMAIL_MEMO),
        "OB-VOICEMAIL",
    )
    assert desk.get(callback_id)["status"] == "wrap_up"

    left = desk.client.post(f"/v1/callbacks/{callback_id}/voicemail", json={}, headers=agent)
    assert left.status_code == 200, left.text
    closed = desk.wrap_up(callback_id, agent, outcome="voicemail_left", memo=VOICEMAIL_MEMO)
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["outcome"]) == (
        "closed_unreachable",
        "voicemail_left",
    )
    memos = desk.client.get(f"/v1/accounts/{account['id']}/memos", headers=desk.admin).json()
    [memo] = memos["items"]
    assert memo["kind"] == "voicemail" and memo["summary"] == VOICEMAIL_MEMO["summary"]
    kinds = _kinds(desk.events(callback_id))
    assert kinds[:2] == ["requested", "notification_queued"]
    assert kinds.count("dialing") == 2 and kinds[-2:] == ["voicemail_left", "wrapped_up"]


def test_global_care_attempts_once_then_voicemail_and_closed(desk: Desk) -> None:
    account = desk.account(zone="Europe/London", phone="+447911123456")
    agent_id, agent = desk.agent(lob="global_care")
    callback = desk.request(
        agent,
        account_id=account["id"],
        origin="follow_up",
        reason="device_troubleshooting",
        line_of_business="global_care",
    )
    desk.notified(callback["id"])
    desk.follow_up(agent_id, agent)
    desk.use_gateway(ScriptedGateway([CallEventKind.BUSY]))

    attempt = desk.start(callback["id"], agent)
    assert attempt.status_code == 200, attempt.text
    assert attempt.json()["dial_string"] == "011447911123456"
    assert desk.poll(callback["id"], attempt.json()["id"], agent)["result"] == "busy"
    assert desk.get(callback["id"])["status"] == "wrap_up"
    # The second dial is refused by the rule, in the dial's own answer, and on the record.
    second = refused(desk.start(callback["id"], agent), "OB-ATTEMPTS-GLOBAL")
    assert "OB-ATTEMPTS" not in second["rule_ids"]
    assert (
        second["detail"].startswith("dial refused by ") and "OB-ATTEMPTS-GLOBAL" in second["detail"]
    )
    assert desk.events(callback["id"])[-1]["rule_ids"] == second["rule_ids"]
    failed = [result["rule_id"] for result in desk.why(callback["id"])["failed"]]
    assert "OB-ATTEMPTS-GLOBAL" in failed and "OB-ATTEMPTS" not in failed  # no second try

    desk.client.post(f"/v1/callbacks/{callback['id']}/voicemail", json={}, headers=agent)
    closed = desk.wrap_up(callback["id"], agent, outcome="voicemail_left", memo=VOICEMAIL_MEMO)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed_unreachable"


def test_care_refuses_a_customer_nobody_spoke_with_and_service_assurance_may_call(
    desk: Desk,
) -> None:
    account = desk.account()
    _, agent = desk.agent()
    before = desk.count(CallbackAttempt)
    problem = desk.request(
        agent,
        expect=409,
        account_id=account["id"],
        origin="follow_up",
        reason="device_troubleshooting",
        line_of_business="care",
        customer_spoken_to=False,
    )
    care = desk.get(problem["refusal_id"])
    assert (care["status"], care["refused_rules"]) == ("refused", ["OB-SPOKE-FIRST"])
    assert "OB-SPOKE-FIRST" in care["refusal_detail"]
    events = desk.events(care["id"])
    assert _kinds(events) == ["requested", "refused"]
    assert events[1]["rule_ids"] == ["OB-SPOKE-FIRST"]
    assert not desk.outbox()  # nothing is owed to the customer

    _, specialist = desk.agent(lob="sa_bts", role="specialist")
    sa = desk.request(
        specialist,
        account_id=account["id"],
        origin="sa_ticket",
        reason="ticket_troubleshooting",
        line_of_business="sa_bts",
        ticket=desk.ticket(account),
        customer_spoken_to=False,
    )
    assert sa["status"] == "awaiting_notification" and sa["refused_rules"] is None
    assert desk.count(CallbackAttempt) == before


def test_an_answered_call_on_the_simulated_gateway_runs_the_guided_steps_and_completes(
    desk: Desk,
) -> None:
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
    assert callback["owner_agent_id"] == agent_id and callback["in_assignment_pool"] is False
    desk.notified(callback["id"])
    desk.follow_up(agent_id, agent)
    desk.use_gateway(
        SimulatedVoiceGateway(
            desk.clock,
            lines=[LINE],
            seed=11,
            outcomes=OutcomeWeights(answered=1, no_answer=0, busy=0, machine=0, failed=0),
        )
    )
    attempt = desk.start(callback["id"], agent).json()
    assert desk.poll(callback["id"], attempt["id"], agent)["result"] is None  # still ringing
    desk.clock.advance(timedelta(seconds=30))
    assert desk.poll(callback["id"], attempt["id"], agent)["result"] == "contact"
    assert desk.get(callback["id"])["status"] == "in_call"
    state = desk.client.get(f"/v1/agents/{agent_id}/state", headers=agent).json()
    assert state["state"] == "talking"

    # The handbook's order: first and last name, then the recording disclosure, then the rest.
    refused(desk.step(callback["id"], agent, "disclosure"), "OB-VERIFY-NAME")
    early = desk.step(callback["id"], agent, "payment", payment_raised_by="customer")
    refused(early, "OB-VERIFY-NAME", "OB-DISCLOSURE")
    assert desk.step(callback["id"], agent, "verify_name").status_code == 200
    refused(desk.step(callback["id"], agent, "proof"), "OB-DISCLOSURE")
    assert desk.step(callback["id"], agent, "disclosure").status_code == 200
    refused(desk.step(callback["id"], agent, "payment", payment_raised_by="agent"), "OB-NO-PAYMENT")
    helped = desk.step(callback["id"], agent, "payment", payment_raised_by="customer")
    assert helped.status_code == 200 and helped.json()["kind"] == "payment_help"

    desk.clock.advance(timedelta(hours=1))  # the customer hangs up
    desk.poll(callback["id"], attempt["id"], agent)
    assert desk.get(callback["id"])["status"] == "wrap_up"
    done = desk.wrap_up(
        callback["id"],
        agent,
        outcome="resolved",
        memo={
            "reason": "Device troubleshooting follow-up",
            "summary": "Reset the network settings together; calls and data work again.",
            "customer_response": "Customer confirmed the phone works and needs nothing else.",
        },
    )
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["outcome"]) == ("completed", "resolved")
    memos = desk.client.get(f"/v1/accounts/{account['id']}/memos", headers=desk.admin).json()
    assert [memo["kind"] for memo in memos["items"]] == ["outbound_call"]
