"""Interactions over HTTP: staff record and end them; customers read their own."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.conftest import TokenMaker
from tests.integration.tickets.factories import counts, make_account, make_agent

CALL = {"channel": "voice", "direction": "inbound", "from_address": "+14155550123"}


def test_record_list_and_end(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    staff = auth(Role.AGENT)
    agent = make_agent(db)
    account = make_account(db)
    created = client.post(
        "/v1/interactions", json={**CALL, "agent_id": agent, "account_id": account}, headers=staff
    )
    assert created.status_code == 201, created.text
    call = created.json()
    assert (call["started_at"], call["ended_at"], call["disposition"]) == (
        "2026-03-10T18:00:00Z",
        None,
        None,
    )
    ongoing = client.get("/v1/interactions?ongoing=true", headers=staff).json()["items"]
    assert [i["id"] for i in ongoing] == [call["id"]]

    clock.advance(timedelta(minutes=4))
    ended = client.patch(
        f"/v1/interactions/{call['id']}", json={"disposition": "transferred"}, headers=staff
    )
    assert ended.status_code == 200, ended.text
    assert ended.json()["ended_at"] == "2026-03-10T18:04:00Z"
    assert client.get("/v1/interactions?ongoing=true", headers=staff).json()["items"] == []
    again = client.patch(
        f"/v1/interactions/{call['id']}", json={"disposition": "dropped"}, headers=staff
    )
    assert again.status_code == 409 and again.json()["field"] == "ended_at"


def test_already_finished_contact_in_one_request(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    staff = auth(Role.AGENT)
    body = {
        **CALL,
        "direction": "outbound",
        "started_at": "2026-03-10T17:00:00Z",
        "ended_at": "2026-03-10T17:01:00+00:00",
        "disposition": "no_answer",
        "account_id": make_account(db),
    }
    created = client.post("/v1/interactions", json=body, headers=staff)
    assert created.status_code == 201, created.text
    assert created.json()["disposition"] == "no_answer"


def test_refusals_write_nothing(client: TestClient, auth: TokenMaker, db: Database) -> None:
    staff = auth(Role.AGENT)
    call = client.post("/v1/interactions", json=CALL, headers=staff).json()
    before = counts(db)
    for body, field in [
        ({**CALL, "channel": "pigeon"}, "channel"),
        ({**CALL, "duration": 5}, "duration"),
        ({**CALL, "started_at": "2026-03-10T17:00:00"}, "started_at"),
        (
            {
                **CALL,
                "started_at": "2026-03-10T17:00:00Z",
                "ended_at": "2026-03-10T16:00:00Z",
                "disposition": "resolved",
            },
            "ended_at",
        ),
        ({**CALL, "from_address": "call me maybe"}, "from_address"),
        ({**CALL, "from_address": "x" * 321}, "from_address"),
        ({**CALL, "account_id": 99_999}, "account_id"),
    ]:
        response = client.post("/v1/interactions", json=body, headers=staff)
        assert response.status_code in (404, 422), (body, response.text)
        assert response.json()["field"] == field
    for body, field in [
        ({}, "disposition"),
        ({"disposition": "resolved", "ended_at": "2026-03-10T17:00:00Z"}, "ended_at"),
        ({"disposition": "resolved", "agent_id": 3}, "agent_id"),
    ]:
        response = client.patch(f"/v1/interactions/{call['id']}", json=body, headers=staff)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["field"] == field
    malformed = client.post(
        "/v1/interactions", content=b"{", headers={**staff, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400
    assert client.get("/v1/interactions/99999", headers=staff).status_code == 404
    assert counts(db) == before


def test_customer_scoping(client: TestClient, auth: TokenMaker, db: Database) -> None:
    staff = auth(Role.AGENT)
    mine, theirs = make_account(db), make_account(db)
    my_call = client.post("/v1/interactions", json={**CALL, "account_id": mine}, headers=staff)
    their_call = client.post("/v1/interactions", json={**CALL, "account_id": theirs}, headers=staff)
    loose_call = client.post("/v1/interactions", json=CALL, headers=staff)
    customer = auth(Role.CUSTOMER, account_id=mine)

    listed = client.get("/v1/interactions", headers=customer).json()["items"]
    assert [i["id"] for i in listed] == [my_call.json()["id"]]
    assert client.get(f"/v1/interactions?account_id={theirs}", headers=customer).status_code == 404
    assert (
        client.get(f"/v1/interactions/{my_call.json()['id']}", headers=customer).status_code == 200
    )
    # Another account's contact, or one tied to no account, is a 404 like a missing one.
    for other in (their_call, loose_call):
        response = client.get(f"/v1/interactions/{other.json()['id']}", headers=customer)
        assert response.status_code == 404
        assert response.json()["field"] == "interaction_id"

    before = counts(db)
    assert client.post("/v1/interactions", json=CALL, headers=customer).status_code == 403
    ended = client.patch(
        f"/v1/interactions/{my_call.json()['id']}",
        json={"disposition": "resolved"},
        headers=customer,
    )
    assert ended.status_code == 403
    assert counts(db) == before
    assert client.get("/v1/interactions").status_code == 401
