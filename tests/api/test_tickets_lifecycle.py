"""The case lifecycle over HTTP: status moves, escalation, resolution, the check, reopening."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.conftest import TokenMaker
from tests.integration.tickets.factories import counts, make_account, make_agent

PROBLEM = "application/problem+json"
SUMMARY = "Replaced the SIM card; test calls held for ten minutes."


def _case(client: TestClient, headers: dict[str, str], account: int) -> str:
    response = client.post(
        "/v1/tickets",
        json={"account_id": account, "subject": "Calls drop", "description": "Drops indoors."},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["case_number"])


def _timeline(client: TestClient, headers: dict[str, str], ref: str) -> list[dict]:
    return list(client.get(f"/v1/tickets/{ref}/updates", headers=headers).json()["items"])


def test_status_moves_and_invalid_move_writes_nothing(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    staff = auth(Role.AGENT)
    ref = _case(client, staff, make_account(db))
    moved = client.post(f"/v1/tickets/{ref}/status", json={"status": "open"}, headers=staff)
    assert moved.status_code == 200, moved.text
    assert moved.json()["status"] == "open"

    before = counts(db)
    timeline = _timeline(client, staff, ref)
    refused = client.post(f"/v1/tickets/{ref}/status", json={"status": "closed"}, headers=staff)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith(PROBLEM)
    problem = refused.json()
    assert problem["type"] == "/problems/invalid-transition"
    assert problem["field"] == "status"
    assert (problem["current"], problem["requested"]) == ("open", "closed")
    assert counts(db) == before
    assert _timeline(client, staff, ref) == timeline
    assert client.get(f"/v1/tickets/{ref}", headers=staff).json()["status"] == "open"


def test_plain_move_to_a_status_with_its_own_action_is_pointed_there(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    staff = auth(Role.AGENT)
    ref = _case(client, staff, make_account(db))
    before = counts(db)
    response = client.post(f"/v1/tickets/{ref}/status", json={"status": "escalated"}, headers=staff)
    assert response.status_code == 422
    assert response.json()["field"] == "status"
    assert "/escalate" in response.json()["detail"]
    unknown = client.post(f"/v1/tickets/{ref}/status", json={"status": "lost"}, headers=staff)
    assert unknown.status_code == 422 and unknown.json()["field"] == "status"
    assert counts(db) == before


def test_escalation_over_http(client: TestClient, auth: TokenMaker, db: Database) -> None:
    staff = auth(Role.AGENT)
    leader = make_agent(db)
    ref = _case(client, staff, make_account(db))
    before = counts(db)
    for body, field in [
        ({"department": "leaders"}, "reason"),
        ({"reason": "pls", "department": "leaders"}, "reason"),
        ({"reason": "Customer asked for a supervisor"}, "leader_id"),
        ({"reason": "Customer asked for a supervisor", "leader_id": 99_999}, "leader_id"),
        ({"reason": "Customer asked for a supervisor", "leader_id": leader, "why": 1}, "why"),
    ]:
        response = client.post(f"/v1/tickets/{ref}/escalate", json=body, headers=staff)
        assert response.status_code in (404, 422), (body, response.text)
        assert response.json()["field"] == field
    assert counts(db) == before

    escalated = client.post(
        f"/v1/tickets/{ref}/escalate",
        json={"reason": "Customer asked for a supervisor twice", "leader_id": leader},
        headers=staff,
    )
    assert escalated.status_code == 200, escalated.text
    body = escalated.json()
    assert (body["status"], body["escalated_to_agent_id"]) == ("escalated", leader)
    assert body["escalated_at"] == "2026-03-10T18:00:00Z"
    audit = client.get(
        "/v1/audit-events?action=ticket.escalated", headers=auth(Role.LEADER)
    ).json()["items"]
    assert audit[0]["details"]["reason"] == "Customer asked for a supervisor twice"


def test_resolution_check_answered_by_the_customer(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    staff = auth(Role.AGENT)
    account = make_account(db)
    customer = auth(Role.CUSTOMER, account_id=account)
    ref = _case(client, customer, account)
    resolved = client.post(f"/v1/tickets/{ref}/resolve", json={"summary": SUMMARY}, headers=staff)
    assert resolved.status_code == 200, resolved.text
    body = resolved.json()
    assert (body["status"], body["resolution_summary"]) == ("resolved", SUMMARY)
    assert body["follow_up_due_at"] == "2026-03-13T18:00:00Z"

    unsure = client.post(
        f"/v1/tickets/{ref}/resolution-check", json={"held": None}, headers=customer
    )
    assert unsure.status_code == 422 and unsure.json()["field"] == "held"
    missing = client.post(f"/v1/tickets/{ref}/resolution-check", json={}, headers=customer)
    assert missing.status_code == 422 and missing.json()["field"] == "held"

    no = client.post(
        f"/v1/tickets/{ref}/resolution-check",
        json={"held": False, "note": "Still drops in the kitchen"},
        headers=customer,
    )
    assert no.status_code == 200, no.text
    assert (no.json()["status"], no.json()["resolution_outcome"]) == ("reopened", "not_held")

    client.post(f"/v1/tickets/{ref}/resolve", json={"summary": SUMMARY}, headers=staff)
    yes = client.post(f"/v1/tickets/{ref}/resolution-check", json={"held": True}, headers=customer)
    assert (yes.json()["status"], yes.json()["resolution_outcome"]) == ("closed", "held")
    kinds = [u["kind"] for u in _timeline(client, customer, ref)]
    assert kinds == ["resolution", "follow_up", "status_change", "resolution", "follow_up"]

    again = client.post(
        f"/v1/tickets/{ref}/resolution-check", json={"held": True}, headers=customer
    )
    assert again.status_code == 409 and again.json()["field"] == "status"


def test_customer_cannot_answer_for_another_account(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    staff = auth(Role.AGENT)
    ref = _case(client, staff, make_account(db))
    client.post(f"/v1/tickets/{ref}/resolve", json={"summary": SUMMARY}, headers=staff)
    stranger = auth(Role.CUSTOMER, account_id=make_account(db))
    before = counts(db)
    response = client.post(
        f"/v1/tickets/{ref}/resolution-check", json={"held": True}, headers=stranger
    )
    assert response.status_code == 404
    assert counts(db) == before
    assert client.get(f"/v1/tickets/{ref}", headers=staff).json()["status"] == "resolved"


def test_staff_records_no_answer_then_the_check_lapses(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    from caredesk.tickets.resolution import lapse_resolution_checks

    staff = auth(Role.AGENT)
    ref = _case(client, staff, make_account(db))
    client.post(f"/v1/tickets/{ref}/resolve", json={"summary": SUMMARY}, headers=staff)
    no_answer = client.post(
        f"/v1/tickets/{ref}/resolution-check", json={"held": None}, headers=staff
    )
    assert no_answer.json()["status"] == "resolved"
    clock.advance(timedelta(days=3, seconds=1))
    with db.uow() as uow:
        assert [t.case_number for t in lapse_resolution_checks(uow)] == [ref]
    body = client.get(f"/v1/tickets/{ref}", headers=staff).json()
    assert (body["status"], body["resolution_outcome"]) == ("closed", "lapsed")


def test_resolve_and_reopen_refusals(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    staff = auth(Role.AGENT)
    ref = _case(client, staff, make_account(db))
    before = counts(db)
    for body, field in [
        ({"summary": "ok"}, "summary"),
        ({"summary": SUMMARY, "follow_up_at": "2026-03-12T10:00:00"}, "follow_up_at"),
        ({"summary": SUMMARY, "follow_up_at": "2020-01-01T00:00:00Z"}, "follow_up_at"),
        ({"summary": "Customer confirmed passcode: 998877 and reset"}, "summary"),
    ]:
        response = client.post(f"/v1/tickets/{ref}/resolve", json=body, headers=staff)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["field"] == field
        assert "998877" not in response.text
    reopen_open = client.post(
        f"/v1/tickets/{ref}/reopen", json={"reason": "Customer says it broke again"}, headers=staff
    )
    assert reopen_open.status_code == 409 and reopen_open.json()["field"] == "status"
    assert counts(db) == before

    custom = client.post(
        f"/v1/tickets/{ref}/resolve",
        json={"summary": SUMMARY, "follow_up_at": "2026-03-20T15:00:00+00:00"},
        headers=staff,
    )
    assert custom.json()["follow_up_due_at"] == "2026-03-20T15:00:00Z"
    clock.advance(timedelta(days=31))
    late = client.post(
        f"/v1/tickets/{ref}/reopen", json={"reason": "Customer says it broke again"}, headers=staff
    )
    assert late.status_code == 409
    assert late.json()["field"] == "status"
    assert "reopen window" in late.json()["detail"]


def test_reopen_over_http(client: TestClient, auth: TokenMaker, db: Database) -> None:
    staff = auth(Role.AGENT)
    ref = _case(client, staff, make_account(db))
    client.post(f"/v1/tickets/{ref}/resolve", json={"summary": SUMMARY}, headers=staff)
    client.post(f"/v1/tickets/{ref}/status", json={"status": "closed"}, headers=staff)
    short = client.post(f"/v1/tickets/{ref}/reopen", json={"reason": "no"}, headers=staff)
    assert short.status_code == 422 and short.json()["field"] == "reason"
    reopened = client.post(
        f"/v1/tickets/{ref}/reopen",
        json={"reason": "Customer says the drops came back"},
        headers=staff,
    )
    assert reopened.status_code == 200, reopened.text
    assert (reopened.json()["status"], reopened.json()["reopen_count"]) == ("reopened", 1)
