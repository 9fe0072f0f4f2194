"""The policy gate on callbacks through HTTP: the calling window in the customer's zone, the memo
check at wrap-up (nothing stored when refused), and every refusal on the callback's record."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from caredesk.audit.models import AuditEvent
from caredesk.callbacks.models import CallbackAttempt, CallbackEvent
from caredesk.channels.ports import CallEventKind
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.memos.models import Memo
from caredesk.tickets.models import TicketUpdate
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import Desk, ScriptedGateway, instant, refused

SSN = "123-45-6789"
GOOD_MEMO = {
    "reason": "Ticket follow-up on the dropped data connection",
    "summary": "Walked through the APN settings; data works again on the customer's phone.",
    "customer_response": "Customer confirmed data works and is happy to close the ticket.",
}
PROGRESS = {
    "findings": "The APN was set to an old value after the last update.",
    "actions_taken": "Reset the APN to the current carrier value together.",
    "new_information": "Customer will report if it comes back after the next update.",
}


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


def ready_callback(desk: Desk, **extra: Any) -> tuple[dict[str, Any], int, dict[str, str]]:
    """A Care follow-up, notified and scheduled, with its agent in Not Ready - Follow-Up."""
    account = extra.pop("account", None) or desk.account()
    agent_id, agent = desk.agent()
    callback = desk.request(
        agent,
        account_id=account["id"],
        origin="follow_up",
        reason="device_troubleshooting",
        line_of_business="care",
        **extra,
    )
    scheduled = desk.notified(callback["id"])
    assert scheduled["status"] == "scheduled", scheduled
    desk.follow_up(agent_id, agent)
    return scheduled, agent_id, agent


def test_a_dial_at_2005_in_denver_is_refused_until_0900_the_next_local_morning(
    desk: Desk,
) -> None:
    desk.clock.set(datetime(2026, 3, 11, 1, 45, tzinfo=UTC))  # notified at 19:45 MDT
    callback, agent_id, agent = ready_callback(desk)
    desk.clock.set(datetime(2026, 3, 11, 2, 5, tzinfo=UTC))  # 20:05 MDT on March 10

    body = refused(desk.start(callback["id"], agent), "OB-WINDOW")
    assert body["rule_ids"] == ["OB-WINDOW"]
    next_allowed = datetime(2026, 3, 11, 15, 0, tzinfo=UTC)  # 09:00 MDT on March 11
    assert instant(body["decision"]["next_allowed_at"]) == next_allowed
    [window] = body["decision"]["failed"]
    assert window["facts"]["local_time.America/Denver"] == "20:05"
    assert desk.count(CallbackAttempt) == 0

    why = desk.why(callback["id"], agent_id=agent_id)
    assert instant(why["next_allowed_at"]) == next_allowed
    [event] = [e for e in desk.events(callback["id"]) if e["kind"] == "refused"]
    assert event["rule_ids"] == ["OB-WINDOW"]
    assert instant(event["facts"]["next_allowed_at"]) == next_allowed
    assert desk.get(callback["id"])["refused_rules"] == ["OB-WINDOW"]

    desk.clock.set(next_allowed - timedelta(seconds=1))
    refused(desk.start(callback["id"], agent), "OB-WINDOW")
    # The evening's notice is stale by morning: a new one goes out at 09:00 before the dial.
    assert desk.advance() == 1
    desk.clock.set(next_allowed)
    desk.notified(callback["id"])
    desk.use_gateway(ScriptedGateway([CallEventKind.NO_ANSWER]))
    assert desk.start(callback["id"], agent).status_code == 200


def _on_wrap_up(desk: Desk, **extra: Any) -> tuple[dict[str, Any], dict[str, str]]:
    callback, _agent_id, agent = ready_callback(desk, **extra)
    desk.use_gateway(ScriptedGateway([CallEventKind.ANSWERED]))
    attempt = desk.start(callback["id"], agent).json()
    assert desk.poll(callback["id"], attempt["id"], agent)["result"] == "contact"
    ended = desk.client.post(f"/v1/callbacks/{callback['id']}/hangup", json={}, headers=agent)
    assert ended.status_code == 200 and ended.json()["status"] == "wrap_up", ended.text
    return callback, agent


def _stored_text(db: Database) -> str:
    with db.uow() as uow:
        rows: list[Any] = list(uow.session.scalars(select(CallbackEvent)))
        rows += list(uow.session.scalars(select(AuditEvent)))
        fields = ("detail", "facts", "details", "before", "after")
        return repr([getattr(row, name, None) for row in rows for name in fields])


def test_a_wrap_up_memo_holding_an_ssn_is_refused_and_nothing_is_stored(desk: Desk) -> None:
    account = desk.account()
    ticket = desk.client.post(
        "/v1/tickets",
        json={"account_id": account["id"], "subject": "No data", "description": "Since Monday."},
        headers=desk.admin,
    ).json()
    callback, agent = _on_wrap_up(desk, account=account, ticket=ticket["case_number"])
    memos, updates = desk.count(Memo), desk.count(TicketUpdate)

    leaky = {**GOOD_MEMO, "summary": f"Verified the customer with SSN {SSN} and fixed the APN."}
    response = desk.wrap_up(
        callback["id"], agent, outcome="resolved", memo=leaky, ticket_update=PROGRESS
    )
    body = refused(response, "OB-MEMO")
    assert SSN not in response.text
    assert (desk.count(Memo), desk.count(TicketUpdate)) == (memos, updates)
    assert desk.get(callback["id"])["status"] == "wrap_up"
    assert "Remove or redact sensitive values from the memo (ssn)" in [
        step["label"] for step in body["decision"]["required_steps"]
    ]
    assert SSN not in _stored_text(desk.db)

    no_progress = desk.wrap_up(callback["id"], agent, outcome="resolved", memo=GOOD_MEMO)
    refused(no_progress, "OB-TICKET-UPDATE")
    assert (desk.count(Memo), desk.count(TicketUpdate)) == (memos, updates)

    done = desk.wrap_up(
        callback["id"], agent, outcome="resolved", memo=GOOD_MEMO, ticket_update=PROGRESS
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    memo = desk.client.get(f"/v1/accounts/{account['id']}/memos", headers=desk.admin).json()
    [stored] = memo["items"]
    assert (stored["kind"], stored["ticket_numbers"]) == ("outbound_call", [ticket["case_number"]])
    timeline = desk.client.get(f"/v1/tickets/{ticket['case_number']}/updates", headers=desk.admin)
    kinds = [entry["kind"] for entry in timeline.json()["items"]]
    assert "callback_update" in kinds


def test_every_refused_dial_and_step_leaves_a_refused_event_naming_its_rules(
    desk: Desk,
) -> None:
    callback, agent_id, agent = ready_callback(desk)
    callback_id = callback["id"]
    desk.state(agent_id, agent, "not_ready_break")
    refused(desk.start(callback_id, agent), "OB-STATE")
    desk.follow_up(agent_id, agent)
    refused(desk.start(callback_id, agent, number="+13035550199"), "OB-SCOPE-CUSTOMER")
    refused(desk.start(callback_id, agent, number="+447911123456"), "OB-SCOPE-CUSTOMER", "OB-INTL")
    desk.clock.set(datetime(2026, 3, 11, 4, 0, tzinfo=UTC))
    refused(desk.start(callback_id, agent), "OB-WINDOW")
    desk.clock.set(datetime(2026, 3, 11, 16, 0, tzinfo=UTC))
    desk.advance()  # yesterday's notice is stale: a new one is queued and sent
    desk.notified(callback_id)

    desk.use_gateway(ScriptedGateway([CallEventKind.ANSWERED]))
    attempt = desk.start(callback_id, agent).json()
    desk.poll(callback_id, attempt["id"], agent)
    refused(desk.step(callback_id, agent, "verify_ssn"), "OB-NO-SSN-PIN")
    refused(
        desk.step(callback_id, agent, "verify_pin", pin="739164", account_change="reset voicemail"),
        "OB-NO-SSN-PIN",
    )
    refused(desk.step(callback_id, agent, "proof"), "OB-VERIFY-NAME")
    refused(
        desk.step(callback_id, agent, "verify_name", fields=["first_name", "ssn"]),
        "OB-VERIFY-NAME",
        "OB-NO-SSN-PIN",
    )

    refusals = [e for e in desk.events(callback_id) if e["kind"] == "refused"]
    expected = [
        "OB-STATE",
        "OB-SCOPE-CUSTOMER",
        "OB-INTL",
        "OB-WINDOW",
        "OB-NO-SSN-PIN",
        "OB-NO-SSN-PIN",
        "OB-VERIFY-NAME",
        "OB-VERIFY-NAME",
    ]
    assert len(refusals) == len(expected)
    for event, rule_id in zip(refusals, expected, strict=True):
        assert rule_id in event["rule_ids"], (rule_id, event["rule_ids"])
    assert [e["facts"]["step"] for e in refusals] == [
        "dial",
        "dial",
        "dial",
        "dial",
        "verify_ssn",
        "verify_pin",
        "proof",
        "verify_name",
    ]
    assert all(e["detail"] and e["from_status"] == e["to_status"] for e in refusals)
    assert desk.count(CallbackAttempt) == 1
    with desk.db.uow() as uow:
        audited = list(
            uow.session.scalars(
                select(AuditEvent.action).where(AuditEvent.subject_type == "callback")
            )
        )
    assert audited.count("callback.step_refused") == len(refusals)
    assert "739164" not in _stored_text(desk.db)


def test_activation_without_a_policy_reference_is_stored_as_refused(desk: Desk) -> None:
    account = desk.account()
    _, agent = desk.agent()
    refused_one = desk.request(
        agent,
        expect=409,
        account_id=account["id"],
        origin="follow_up",
        reason="activation",
        line_of_business="care",
    )
    assert refused_one["rule_ids"] == ["OB-NO-ACTIVATION"]
    assert refused_one["field"] == "policy_reference"
    assert desk.get(refused_one["refusal_id"])["refused_rules"] == ["OB-NO-ACTIVATION"]
    directed = desk.request(
        agent,
        account_id=account["id"],
        origin="follow_up",
        reason="activation",
        line_of_business="care",
        policy_reference="Activation recovery policy AR-7",
    )
    assert directed["status"] == "awaiting_notification"
    third_party = desk.request(
        agent,
        expect=409,
        account_id=account["id"],
        origin="follow_up",
        reason="device_unusable",
        line_of_business="care",
        number="+13035550199",
    )
    assert third_party["rule_ids"] == ["OB-SCOPE-CUSTOMER"]


def test_an_alternate_number_given_on_the_call_becomes_a_contact_point_given_on_the_call(
    desk: Desk,
) -> None:
    callback, agent_id, agent = ready_callback(desk)
    desk.use_gateway(ScriptedGateway([CallEventKind.ANSWERED, CallEventKind.ANSWERED]))
    attempt = desk.start(callback["id"], agent).json()
    desk.poll(callback["id"], attempt["id"], agent)
    desk.step(callback["id"], agent, "verify_name")
    desk.step(callback["id"], agent, "disclosure")
    refused(
        desk.step(callback["id"], agent, "troubleshoot", device_being_called=True), "OB-ALT-NUMBER"
    )

    given = desk.step(
        callback["id"],
        agent,
        "alternate_number",
        device_being_called=True,
        alternate_number="(303) 555-0177",
    )
    assert given.status_code == 200, given.text
    assert (
        "Enter After-Call Work and call the alternate number (3035550177)"
        in given.json()["required_steps"]
    )
    assert desk.get(callback["id"])["alternate_number"] == "+13035550177"
    person = desk.client.get(f"/v1/accounts/{callback['account_id']}", headers=desk.admin).json()[
        "people"
    ][0]
    added = next(c for c in person["contact_points"] if c["value"] == "+13035550177")
    assert (added["given_by"], added["label"]) == (f"agent:{agent_id}", "alternate")
    assert f"callback {callback['id']}" in added["note"]

    # Hang up, move to After-Call Work, and the alternate number may be dialled from there.
    desk.client.post(f"/v1/callbacks/{callback['id']}/hangup", json={}, headers=agent)
    follow = desk.wrap_up(callback["id"], agent, outcome="follow_up_scheduled", memo=GOOD_MEMO)
    assert follow.status_code == 200 and follow.json()["status"] == "scheduled", follow.text
    again = desk.start(callback["id"], agent, number="+13035550177")
    assert again.status_code == 200, again.text
    assert again.json()["dial_string"] == "3035550177"


def test_a_service_assurance_call_offers_the_800_number_before_it_wraps_up(desk: Desk) -> None:
    account = desk.account()
    ticket = desk.client.post(
        "/v1/tickets",
        headers=desk.admin,
        json={"account_id": account["id"], "subject": "Slow data", "description": "Evenings."},
    ).json()
    specialist_id, specialist = desk.agent(lob="sa_ats", role="specialist")
    callback = desk.request(
        specialist,
        account_id=account["id"],
        origin="sa_ticket",
        reason="ticket_update",
        line_of_business="sa_ats",
        ticket=ticket["case_number"],
        customer_spoken_to=False,
    )
    desk.notified(callback["id"])
    desk.follow_up(specialist_id, specialist)
    desk.use_gateway(ScriptedGateway([CallEventKind.ANSWERED]))
    attempt = desk.start(callback["id"], specialist).json()
    desk.poll(callback["id"], attempt["id"], specialist)
    desk.client.post(f"/v1/callbacks/{callback['id']}/hangup", json={}, headers=specialist)
    refused(
        desk.wrap_up(
            callback["id"], specialist, outcome="resolved", memo=GOOD_MEMO, ticket_update=PROGRESS
        ),
        "OB-SA-ALTERNATIVE",
    )
    assert desk.count(Memo) == 0
    # Put on record after the call (marked so), the wrap-up goes through.
    late = desk.step(callback["id"], specialist, "support_number")
    assert late.status_code == 200, late.text
    offered = [e for e in desk.events(callback["id"]) if e["kind"] == "support_number_offered"]
    assert offered[0]["facts"]["during_call"] is False
    gone = desk.step(callback["id"], specialist, "disclosure")  # the customer is gone
    assert gone.status_code == 409 and gone.json()["type"] == "/problems/invalid-transition"
    done = desk.wrap_up(
        callback["id"], specialist, outcome="resolved", memo=GOOD_MEMO, ticket_update=PROGRESS
    )
    assert done.status_code == 200 and done.json()["status"] == "completed", done.text
