"""Cases over HTTP: opening, finding, changing; roles and customer scoping."""

from __future__ import annotations

from fastapi.testclient import TestClient

from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.conftest import TokenMaker
from tests.integration.tickets.factories import counts, make_account, make_agent

PROBLEM = "application/problem+json"
CASE = {"subject": "No signal at home", "description": "Since Monday the phone shows SOS only."}


def _open(client: TestClient, headers: dict[str, str], account: int, **extra: object) -> dict:
    response = client.post(
        "/v1/tickets", json={**CASE, "account_id": account, **extra}, headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_staff_opens_and_reads_by_number_or_id(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    staff = auth(Role.AGENT)
    agent = make_agent(db)
    account = make_account(db)
    case = _open(client, staff, account, priority="urgent", queue="sa_bts", assignee_id=agent)
    assert case["case_number"] == f"CS-{case['id']:06d}"
    assert (case["status"], case["priority"], case["queue"]) == ("new", "urgent", "sa_bts")
    assert case["sla_due_at"] == "2026-03-10T22:00:00Z"
    assert case["overdue"] is False
    by_number = client.get(f"/v1/tickets/{case['case_number']}", headers=staff)
    by_id = client.get(f"/v1/tickets/{case['id']}", headers=staff)
    assert by_number.json() == by_id.json() == case


def test_unknown_and_malformed_references(client: TestClient, auth: TokenMaker) -> None:
    staff = auth(Role.AGENT)
    missing = client.get("/v1/tickets/CS-999999", headers=staff)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith(PROBLEM)
    assert missing.json()["field"] == "ticket"
    bad = client.get("/v1/tickets/not-a-case", headers=staff)
    assert bad.status_code == 422
    assert bad.json()["field"] == "ticket"


def test_anonymous_refused(client: TestClient, db: Database) -> None:
    account = make_account(db)
    before = counts(db)
    response = client.post("/v1/tickets", json={**CASE, "account_id": account})
    assert response.status_code == 401
    assert client.get("/v1/tickets").status_code == 401
    assert counts(db) == before


def test_customer_opens_on_own_account_only(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    mine, theirs = make_account(db), make_account(db)
    customer = auth(Role.CUSTOMER, account_id=mine)
    case = _open(client, customer, mine)
    assert case["account_id"] == mine and case["priority"] == "normal"

    before = counts(db)
    other = client.post("/v1/tickets", json={**CASE, "account_id": theirs}, headers=customer)
    assert other.status_code == 404
    assert other.json()["field"] == "account_id"
    triage = client.post(
        "/v1/tickets", json={**CASE, "account_id": mine, "priority": "urgent"}, headers=customer
    )
    assert triage.status_code == 403
    assert triage.json()["field"] == "priority"
    assert counts(db) == before


def test_customer_reads_only_own_cases(client: TestClient, auth: TokenMaker, db: Database) -> None:
    staff = auth(Role.AGENT)
    mine, theirs = make_account(db), make_account(db)
    my_case = _open(client, staff, mine)
    their_case = _open(client, staff, theirs)
    customer = auth(Role.CUSTOMER, account_id=mine)

    assert client.get(f"/v1/tickets/{my_case['case_number']}", headers=customer).status_code == 200
    refused = client.get(f"/v1/tickets/{their_case['case_number']}", headers=customer)
    assert refused.status_code == 404
    assert "No signal" not in refused.text

    listed = client.get("/v1/tickets", headers=customer).json()
    assert [c["id"] for c in listed["items"]] == [my_case["id"]]
    # Asking for someone else's account is refused (as if it did not exist), not emptied.
    assert client.get(f"/v1/tickets?account_id={theirs}", headers=customer).status_code == 404
    assert (
        client.get(f"/v1/tickets/{their_case['id']}/updates", headers=customer).status_code == 404
    )


def test_customer_cannot_change_cases(client: TestClient, auth: TokenMaker, db: Database) -> None:
    account = make_account(db)
    customer = auth(Role.CUSTOMER, account_id=account)
    case = _open(client, customer, account)
    before = counts(db)
    ref = case["case_number"]
    for method, path, body in [
        ("PATCH", f"/v1/tickets/{ref}", {"priority": "urgent"}),
        ("POST", f"/v1/tickets/{ref}/status", {"status": "open"}),
        (
            "POST",
            f"/v1/tickets/{ref}/escalate",
            {"reason": "I want a manager now", "department": "leaders"},
        ),
        ("POST", f"/v1/tickets/{ref}/resolve", {"summary": "Fixed it myself, all good"}),
        ("POST", f"/v1/tickets/{ref}/updates", {"body": "hello"}),
    ]:
        response = client.request(method, path, json=body, headers=customer)
        assert response.status_code == 403, (method, path, response.text)
        assert response.json()["field"] == "role"
    assert counts(db) == before


def test_list_filters_and_cursor(client: TestClient, auth: TokenMaker, db: Database) -> None:
    staff = auth(Role.AGENT)
    agent = make_agent(db)
    a, b = make_account(db), make_account(db)
    first = _open(client, staff, a, queue="care")
    second = _open(client, staff, a, queue="billing", subject="Bill is double", assignee_id=agent)
    third = _open(client, staff, b, queue="billing", subject="Roaming charge")
    client.post(f"/v1/tickets/{third['id']}/status", json={"status": "open"}, headers=staff)

    def ids(query: str) -> list[int]:
        response = client.get(f"/v1/tickets?{query}", headers=staff)
        assert response.status_code == 200, response.text
        return [c["id"] for c in response.json()["items"]]

    assert ids("queue=billing") == [second["id"], third["id"]]
    assert ids("status=open") == [third["id"]]
    assert ids(f"assignee_id={agent}") == [second["id"]]
    assert ids(f"account_id={a}") == [first["id"], second["id"]]
    assert ids("q=double") == [second["id"]]
    assert ids("q=SOS") == [first["id"], second["id"], third["id"]]
    assert ids("queue=billing&account_id=" + str(b)) == [third["id"]]

    page = client.get("/v1/tickets?limit=2", headers=staff).json()
    assert [c["id"] for c in page["items"]] == [first["id"], second["id"]]
    rest = client.get(f"/v1/tickets?limit=2&cursor={page['next_cursor']}", headers=staff).json()
    assert [c["id"] for c in rest["items"]] == [third["id"]]
    assert rest["next_cursor"] is None


def test_list_refuses_bad_parameters(client: TestClient, auth: TokenMaker) -> None:
    staff = auth(Role.AGENT)
    for query, field in [
        ("status=lost", "status"),
        ("limit=0", "limit"),
        ("limit=201", "limit"),
        ("cursor=garbage!", "cursor"),
        ("queue=Not%20A%20Queue", "queue"),
        ("q=" + "x" * 201, "q"),
    ]:
        response = client.get(f"/v1/tickets?{query}", headers=staff)
        assert response.status_code == 422, (query, response.text)
        assert response.json()["field"] == field


def test_malformed_unknown_and_huge_bodies_write_nothing(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    staff = auth(Role.AGENT)
    account = make_account(db)
    before = counts(db)
    malformed = client.post(
        "/v1/tickets",
        content=b'{"subject": "x", ',
        headers={**staff, "Content-Type": "application/json"},
    )
    assert malformed.status_code == 400
    assert malformed.json()["field"] == "body"

    unknown = client.post(
        "/v1/tickets", json={**CASE, "account_id": account, "severity": 1}, headers=staff
    )
    assert unknown.status_code == 422
    assert unknown.json()["field"] == "severity"

    for field, value in [
        ("subject", "x" * 201),
        ("subject", "   "),
        ("description", "y" * 20_001),
        ("priority", "critical"),
        ("account_id", 0),
        ("queue", "Care Team"),
    ]:
        response = client.post(
            "/v1/tickets", json={**CASE, "account_id": account, field: value}, headers=staff
        )
        assert response.status_code == 422, (field, response.text)
        assert response.json()["field"] == field

    huge = client.post(
        "/v1/tickets",
        json={**CASE, "account_id": account, "description": "z" * (1024 * 1024 + 1)},
        headers=staff,
    )
    assert huge.status_code == 413
    missing_account = client.post("/v1/tickets", json={**CASE, "account_id": 99_999}, headers=staff)
    assert missing_account.status_code == 404
    assert missing_account.json()["field"] == "account_id"
    assert counts(db) == before


def test_secret_in_case_text_refused_and_not_echoed(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    staff = auth(Role.AGENT)
    account = make_account(db)
    before = counts(db)
    response = client.post(
        "/v1/tickets",
        json={**CASE, "account_id": account, "description": "My SSN is 123-45-6789, help"},
        headers=staff,
    )
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "description"
    assert body["findings"] == [{"field": "description", "kind": "ssn", "start": 10, "end": 21}]
    assert "6789" not in response.text
    assert counts(db) == before


def test_patch_changes_only_what_is_sent(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    staff = auth(Role.LEADER)
    agent = make_agent(db)
    case = _open(client, staff, make_account(db), assignee_id=agent)
    ref = case["case_number"]
    raised = client.patch(f"/v1/tickets/{ref}", json={"priority": "high"}, headers=staff)
    assert raised.status_code == 200, raised.text
    assert raised.json()["assignee_id"] == agent
    assert raised.json()["sla_due_at"] == "2026-03-11T18:00:00Z"

    unassigned = client.patch(f"/v1/tickets/{ref}", json={"assignee_id": None}, headers=staff)
    assert unassigned.json()["assignee_id"] is None
    assert unassigned.json()["priority"] == "high"

    before = counts(db)
    for body, field in [
        ({}, "body"),
        ({"priority": None}, "priority"),
        ({"queue": None}, "queue"),
        ({"status": "open"}, "status"),
        ({"assignee_id": 99_999}, "assignee_id"),
    ]:
        response = client.patch(f"/v1/tickets/{ref}", json=body, headers=staff)
        assert response.status_code in (404, 422), (body, response.text)
        assert response.json()["field"] == field
    assert counts(db) == before


def test_timeline_over_http(client: TestClient, auth: TokenMaker, db: Database) -> None:
    staff = auth(Role.AGENT)
    account = make_account(db)
    case = _open(client, staff, account)
    ref = case["case_number"]
    public = client.post(
        f"/v1/tickets/{ref}/updates",
        json={"body": "Reset network settings with the customer", "kind": "follow_up"},
        headers=staff,
    )
    assert public.status_code == 201, public.text
    assert public.json()["author"].startswith("user:")
    internal = client.post(
        f"/v1/tickets/{ref}/updates",
        json={"body": "Suspect tower 114 sector B", "internal": True},
        headers=staff,
    )
    assert internal.status_code == 201

    staff_view = client.get(f"/v1/tickets/{ref}/updates", headers=staff).json()["items"]
    assert [u["kind"] for u in staff_view] == ["follow_up", "comment"]
    customer = auth(Role.CUSTOMER, account_id=account)
    customer_view = client.get(f"/v1/tickets/{ref}/updates", headers=customer).json()["items"]
    assert [u["body"] for u in customer_view] == ["Reset network settings with the customer"]

    before = counts(db)
    for body, field in [
        ({"body": "x", "kind": "resolution"}, "kind"),
        ({"body": "x", "kind": "gossip"}, "kind"),
        ({"body": ""}, "body"),
        ({"body": "x", "colour": "red"}, "colour"),
        ({"body": "card 4111111111111111 on file"}, "body"),
    ]:
        response = client.post(f"/v1/tickets/{ref}/updates", json=body, headers=staff)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["field"] == field
        assert "4111111111111111" not in response.text
    assert counts(db) == before


def test_absurdly_nested_details_refused_and_nothing_written(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    staff = auth(Role.AGENT)
    case = _open(client, staff, make_account(db))
    depth = 3000
    raw = '{"body": "deep", "details": {"x": ' + "[" * depth + '"leaf"' + "]" * depth + "}}"
    before = counts(db)
    response = client.post(
        f"/v1/tickets/{case['id']}/updates",
        content=raw.encode(),
        headers={**staff, "Content-Type": "application/json"},
    )
    # Refused while parsing, before any handler runs.
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(PROBLEM)
    assert counts(db) == before
