"""A callback request the policy refuses for good answers 409 with a problem document naming
each refusing rule (ID and sentence) and the stored refusal's id, on every route that requests
callbacks; a retry with the same key gets the same refusal; the refusal is on record once."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from caredesk.callbacks.models import Callback
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import PROBLEM, Desk

# One request per rule that refuses a request for good, and the field the answer names.
REFUSALS: list[tuple[str, dict[str, Any], str]] = [
    ("OB-SPOKE-FIRST", {"customer_spoken_to": False}, "customer_spoken_to"),
    ("OB-NO-ACTIVATION", {"reason": "activation"}, "policy_reference"),
    ("OB-NO-SALES", {"reason": "sales"}, "policy_reference"),
    ("OB-SCOPE-CUSTOMER", {"number": "+13035550199"}, "number"),
    ("OB-REASON", {"reason": "email_request"}, "reason"),
    ("OB-NO-CALL-DISCONNECT", {"last_call_end": "customer_disconnected"}, "last_call_end"),
    ("OB-NO-CALL-TIME", {"last_call_end": "time_restriction"}, "last_call_end"),
    ("OB-LEADER-TICKET", {"agent_spoke_to_customer": False, "ticket": True}, "agent_spoke_to"),
]


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


@pytest.mark.parametrize(("rule_id", "change", "field"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_a_refused_request_answers_409_naming_the_rules_and_the_stored_refusal(
    desk: Desk, rule_id: str, change: dict[str, Any], field: str
) -> None:
    account = desk.account()
    leader = rule_id == "OB-LEADER-TICKET"
    agent_id, headers = desk.agent(role="leader" if leader else "agent")
    if leader:
        headers = desk.auth(Role.LEADER, agent_id=agent_id)
    body: dict[str, Any] = {
        "account_id": account["id"],
        "origin": "follow_up",
        "reason": "device_troubleshooting",
        "line_of_business": "care",
        **change,
    }
    if body.pop("ticket", None):
        body["ticket"] = desk.ticket(account)
    key = {"Idempotency-Key": f"refusal-{rule_id}"}
    response = desk.client.post("/v1/callbacks", json=body, headers=headers | key)

    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["status"] == 409 and problem["type"] == "/problems/policy-refused"
    assert problem["rule_ids"] == [rule_id]
    assert problem["field"].startswith(field)
    [rule] = problem["rules"]
    assert rule["rule_id"] == rule_id and len(rule["sentence"]) > 10
    assert rule["sentence"] in problem["detail"]
    stored = desk.get(problem["refusal_id"])
    assert stored["status"] == "refused" and stored["refused_rules"] == [rule_id]
    # The stored detail names the refusing rule only, not the steps a live callback would owe.
    assert stored["refusal_detail"] == f"blocked by {rule_id}: {rule['sentence']}"

    again = desk.client.post("/v1/callbacks", json=body, headers=headers | key)
    assert again.status_code == 409 and again.json()["refusal_id"] == problem["refusal_id"]
    assert desk.count(Callback) == 1


def test_a_dropped_call_callback_refused_for_good_answers_409(desk: Desk) -> None:
    account = desk.account(phone="+447911123456")
    agent_id, headers = desk.agent()
    interaction_id = desk.dropped_call(account, agent_id, headers)
    response = desk.client.post(
        f"/v1/interactions/{interaction_id}/callback",
        json={"line_of_business": "care"},
        headers=headers,
    )
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["rule_ids"] == ["OB-INTL"] and problem["field"] == "number"
    assert desk.get(problem["refusal_id"])["status"] == "refused"


def test_an_accepted_request_still_answers_201(desk: Desk) -> None:
    account = desk.account()
    _, headers = desk.agent()
    made = desk.request(
        headers,
        account_id=account["id"],
        origin="follow_up",
        reason="device_troubleshooting",
        line_of_business="care",
    )
    assert made["status"] == "awaiting_notification"
