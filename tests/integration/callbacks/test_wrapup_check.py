"""The memo check a desktop runs as the agent types says "ok" exactly when the wrap-up itself
accepts the draft: for a ticket-linked call, drafts missing the customer's response, holding a
card number or a PIN, with an outcome for the wrong kind of call, or a case update without
progress are each refused by both; the complete one is accepted by both."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from caredesk.callbacks.guide import Phase, call_guide
from caredesk.callbacks.wrapup_check import WrapUpDraft, check_wrap_up
from caredesk.channels.ports import CallEventKind
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import Desk, ScriptedGateway

COMPLETE = WrapUpDraft(
    outcome="resolved",
    reason="Device troubleshooting follow-up",
    summary="Reset the network settings together; calls and data work again.",
    customer_response="Customer confirmed the phone works and needs nothing else.",
    findings="The APN was set to an old value after the update.",
    actions_taken="Reset the APN and restarted the phone with the customer.",
)
REFUSED = [
    WrapUpDraft(**{**COMPLETE.__dict__, "customer_response": ""}),
    WrapUpDraft(**{**COMPLETE.__dict__, "customer_response": "n/a"}),
    WrapUpDraft(**{**COMPLETE.__dict__, "summary": "Card 4111 1111 1111 1111 was read out."}),
    WrapUpDraft(**{**COMPLETE.__dict__, "findings": "The customer's PIN is 739164."}),
    WrapUpDraft(**{**COMPLETE.__dict__, "outcome": "voicemail_left"}),
    WrapUpDraft(**{**COMPLETE.__dict__, "outcome": "closed"}),
    WrapUpDraft(**{**COMPLETE.__dict__, "findings": "", "actions_taken": ""}),
]


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


def _body(draft: WrapUpDraft) -> dict[str, object]:
    return {
        "outcome": draft.outcome,
        "memo": {
            "reason": draft.reason,
            "summary": draft.summary,
            "customer_response": draft.customer_response,
        },
        "ticket_update": {
            "findings": draft.findings,
            "actions_taken": draft.actions_taken,
            "new_information": draft.new_information,
        },
    }


def test_the_check_accepts_exactly_what_the_wrap_up_accepts(desk: Desk) -> None:
    account = desk.account()
    agent_id, agent = desk.agent()
    callback = desk.request(
        agent,
        account_id=account["id"],
        origin="follow_up",
        reason="device_troubleshooting",
        line_of_business="care",
        owner_agent_id=agent_id,
        ticket=desk.ticket(account),
    )
    callback_id = int(callback["id"])
    desk.notified(callback_id)
    desk.follow_up(agent_id, agent)
    desk.use_gateway(ScriptedGateway([CallEventKind.ANSWERED]))
    attempt = desk.start(callback_id, agent).json()
    desk.poll(callback_id, attempt["id"], agent)
    for step in ("verify_name", "disclosure"):
        assert desk.step(callback_id, agent, step).status_code == 200
    assert (
        desk.client.post(f"/v1/callbacks/{callback_id}/hangup", json={}, headers=agent).status_code
        == 200
    )

    with desk.db.uow() as uow:
        guide = call_guide(uow, runtime=desk.runtime, callback_id=callback_id, agent_id=agent_id)
        assert guide.phase is Phase.AFTER_CALL and guide.on_my_call
        assert [o.value for o in guide.outcomes] == [
            "resolved",
            "follow_up_scheduled",
            "handed_off",
        ]
    for draft in [*REFUSED, COMPLETE]:
        with desk.db.uow() as uow:
            check = check_wrap_up(uow, runtime=desk.runtime, callback_id=callback_id, draft=draft)
        answer = desk.wrap_up(callback_id, agent, **_body(draft))
        accepted = answer.status_code == 200
        assert check.ok is accepted, (draft, check, answer.text)
        assert check.ticket_linked
    assert accepted and answer.json()["status"] == "completed"
