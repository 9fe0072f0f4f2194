"""Account memos over HTTP: append-only, secrets refused, customers see their own."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.conftest import TokenMaker
from tests.integration.tickets.factories import counts, make_account, make_ticket

PROBLEM = "application/problem+json"
MEMO = {
    "kind": "outbound_call",
    "reason": "Dropped call follow-up",
    "summary": "Called back after the drop; walked through a network reset.",
    "customer_response": "Confirmed calls work now; will call if it recurs.",
}


def _all_stored_text(db: Database) -> str:
    with db.engine.connect() as connection:
        rows = [
            *connection.execute(text("SELECT * FROM memos")).all(),
            *connection.execute(text("SELECT * FROM audit_events")).all(),
        ]
    return json.dumps([[str(value) for value in row] for row in rows])


def test_staff_adds_and_reads_memos(client: TestClient, auth: TokenMaker, db: Database) -> None:
    staff = auth(Role.AGENT, login="casey")
    account = make_account(db)
    ticket = make_ticket(db, account)
    created = client.post(
        f"/v1/accounts/{account}/memos",
        json={**MEMO, "ticket_numbers": [ticket.case_number]},
        headers=staff,
    )
    assert created.status_code == 201, created.text
    memo = created.json()
    assert memo["author_name"] == "Test agent"
    assert memo["author_user_id"] is not None
    assert memo["ticket_numbers"] == [ticket.case_number]
    assert client.get(f"/v1/memos/{memo['id']}", headers=staff).json() == memo
    listed = client.get(f"/v1/accounts/{account}/memos", headers=staff).json()
    assert listed == {"items": [memo], "next_cursor": None}


def test_list_is_newest_first_with_cursor(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    staff = auth(Role.AGENT)
    account = make_account(db)
    ids = [
        client.post(
            f"/v1/accounts/{account}/memos",
            json={**MEMO, "kind": "note", "summary": f"note {i}"},
            headers=staff,
        ).json()["id"]
        for i in range(3)
    ]
    page = client.get(f"/v1/accounts/{account}/memos?limit=2", headers=staff).json()
    assert [m["id"] for m in page["items"]] == [ids[2], ids[1]]
    rest = client.get(
        f"/v1/accounts/{account}/memos?limit=2&cursor={page['next_cursor']}", headers=staff
    ).json()
    assert [m["id"] for m in rest["items"]] == [ids[0]]
    notes = client.get(f"/v1/accounts/{account}/memos?kind=email", headers=staff).json()
    assert notes["items"] == []


def test_memos_are_internal_so_customers_read_none(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    staff = auth(Role.AGENT)
    mine, theirs = make_account(db), make_account(db)
    my_memo = client.post(f"/v1/accounts/{mine}/memos", json=MEMO, headers=staff).json()
    their_memo = client.post(f"/v1/accounts/{theirs}/memos", json=MEMO, headers=staff).json()
    customer = auth(Role.CUSTOMER, account_id=mine)

    for path in (
        f"/v1/memos/{my_memo['id']}",
        f"/v1/accounts/{mine}/memos",
        f"/v1/memos/{their_memo['id']}",
        f"/v1/accounts/{theirs}/memos",
    ):
        refused = client.get(path, headers=customer)
        assert refused.status_code == 403, path
        assert refused.json()["field"] == "role"
        assert MEMO["summary"] not in refused.text
    assert client.get(f"/v1/memos/{my_memo['id']}", headers=staff).status_code == 200

    before = counts(db)
    write = client.post(f"/v1/accounts/{mine}/memos", json=MEMO, headers=customer)
    assert write.status_code == 403 and write.json()["field"] == "role"
    assert counts(db) == before


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
def test_memos_cannot_be_changed_or_removed(
    client: TestClient, auth: TokenMaker, db: Database, method: str
) -> None:
    admin = auth(Role.ADMIN)
    account = make_account(db)
    memo = client.post(f"/v1/accounts/{account}/memos", json=MEMO, headers=admin).json()
    before = counts(db)
    for path in [f"/v1/memos/{memo['id']}", f"/v1/accounts/{account}/memos"]:
        response = client.request(method, path, json={"summary": "rewritten"}, headers=admin)
        assert response.status_code == 405, (method, path)
        assert response.headers["content-type"].startswith(PROBLEM)
        assert response.json()["type"] == "/problems/method-not-allowed"
    assert counts(db) == before
    assert client.get(f"/v1/memos/{memo['id']}", headers=admin).json() == memo


@pytest.mark.parametrize(
    ("field", "value", "secret", "kind"),
    [
        ("summary", "Customer read out SSN 123-45-6789 unprompted.", "123-45-6789", "ssn"),
        (
            "summary",
            "Charge on 4111 1111 1111 1111 disputed.",
            "4111 1111 1111 1111",
            "card_number",
        ),
        ("customer_response", "Said the PIN is 4821 and asked to reset.", "4821", "pin"),
        ("reason", "Reset passcode: 998877 requested", "998877", "pin"),
    ],
)
def test_secrets_refused_and_stored_nowhere(
    client: TestClient,
    auth: TokenMaker,
    db: Database,
    field: str,
    value: str,
    secret: str,
    kind: str,
) -> None:
    staff = auth(Role.AGENT)
    account = make_account(db)
    before = counts(db)
    response = client.post(
        f"/v1/accounts/{account}/memos", json={**MEMO, field: value}, headers=staff
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["field"] == field
    start = value.index(secret)
    assert problem["findings"] == [
        {"field": field, "kind": kind, "start": start, "end": start + len(secret)}
    ]
    assert secret not in response.text
    assert secret.replace(" ", "") not in response.text
    assert counts(db) == before
    assert secret not in _all_stored_text(db)


def test_bad_memo_bodies_write_nothing(client: TestClient, auth: TokenMaker, db: Database) -> None:
    staff = auth(Role.AGENT)
    account = make_account(db)
    before = counts(db)
    for body, field, status in [
        ({**MEMO, "kind": "gossip"}, "kind", 422),
        ({**MEMO, "mood": "happy"}, "mood", 422),
        ({**MEMO, "reason": "r" * 501}, "reason", 422),
        ({**MEMO, "customer_response": None}, "customer_response", 422),
        ({**MEMO, "ticket_numbers": ["CS-000001"] * 21}, "ticket_numbers", 422),
        ({**MEMO, "ticket_numbers": ["CS-999999"]}, "ticket_numbers[0]", 404),
        ({**MEMO, "ticket_numbers": ["nope"]}, "ticket_numbers[0]", 422),
        ({**MEMO, "summary": "s" * (1024 * 1024 + 1)}, "body", 413),
    ]:
        response = client.post(f"/v1/accounts/{account}/memos", json=body, headers=staff)
        assert response.status_code == status, (field, response.text)
        assert response.json()["field"] == field
    malformed = client.post(
        f"/v1/accounts/{account}/memos",
        content=b'{"kind": ',
        headers={**staff, "Content-Type": "application/json"},
    )
    assert malformed.status_code == 400 and malformed.json()["field"] == "body"
    unknown_account = client.post("/v1/accounts/99999/memos", json=MEMO, headers=staff)
    assert unknown_account.status_code == 404
    assert unknown_account.json()["field"] == "account_id"
    assert client.get("/v1/memos/99999", headers=staff).status_code == 404
    assert counts(db) == before
