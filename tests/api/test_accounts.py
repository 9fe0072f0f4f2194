"""/v1/accounts through HTTP: creation, refusals, lists and the account's holdings."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.conftest import TokenMaker
from tests.integration.accounts.builders import PIN, SSN_LAST4, counts

PROBLEM = "application/problem+json"


def account_body(number: str = "ACC-0001234", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "number": number,
        "type": "consumer",
        "plan_name": "Unlimited Plus",
        "balance": "42.50",
        "service_address": {
            "street": "1 Main St",
            "city": "New York",
            "region": "NY",
            "postal_code": "10001",
            "country": "US",
            "time_zone": "America/New_York",
        },
        "people": [
            {
                "first_name": "Ana",
                "last_name": "Lopez",
                "role": "account_holder",
                "pin": PIN,
                "ssn_last4": SSN_LAST4,
                "contact_points": [
                    {"kind": "phone", "value": "(212) 555-0123", "label": "mobile"},
                    {"kind": "email", "value": "Ana@Example.com"},
                ],
            }
        ],
        "lines": [{"msisdn": "212-555-0123"}],
    }
    body.update(overrides)
    return body


def create(client: TestClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = client.post("/v1/accounts", json=account_body(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def refused(response: Any, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["field"] == field


def test_agent_creates_an_account_in_one_request(client: TestClient, auth: TokenMaker) -> None:
    agent = auth(Role.AGENT)
    account = create(client, agent)
    assert account["number"] == "ACC-0001234"
    assert (account["status"], account["type"], account["priority_handling"]) == (
        "active",
        "consumer",
        False,
    )
    assert account["balance"] == "42.50"
    assert account["service_address"]["time_zone"] == "America/New_York"
    (person,) = account["people"]
    assert person["has_pin"] is True and person["has_ssn_last4"] is True
    assert "pin" not in person and "ssn_last4" not in person
    assert [c["value"] for c in person["contact_points"]] == [
        "+12125550123",
        "ana@example.com",
    ]
    assert person["contact_points"][0]["given_by"] == "customer"
    assert [line["msisdn"] for line in account["lines"]] == ["+12125550123"]

    fetched = client.get(f"/v1/accounts/{account['id']}", headers=agent)
    assert fetched.status_code == 200
    assert fetched.json() == account


def test_business_account_gets_priority_handling(client: TestClient, auth: TokenMaker) -> None:
    account = create(
        client, auth(Role.LEADER), type="business", business_name="Acme Ltd", people=[], lines=[]
    )
    assert account["priority_handling"] is True


def test_invalid_phone_in_second_contact_point_writes_no_account(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    agent = auth(Role.AGENT)
    body = account_body()
    body["people"][0]["contact_points"][1] = {"kind": "phone", "value": "+1 555 000"}
    before = counts(db)
    response = client.post("/v1/accounts", json=body, headers=agent)
    refused(response, 422, "people[0].contact_points[1].value")
    assert counts(db) == before


def test_duplicate_account_number_is_409_naming_number(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    agent = auth(Role.AGENT)
    create(client, agent)
    before = counts(db)
    again = client.post("/v1/accounts", json=account_body(people=[], lines=[]), headers=agent)
    refused(again, 409, "number")
    assert counts(db) == before


def test_unknown_zone_is_422_naming_service_address_time_zone(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    agent = auth(Role.AGENT)
    before = counts(db)
    body = account_body(service_address={"city": "Olympus", "time_zone": "Mars/Olympus_Mons"})
    response = client.post("/v1/accounts", json=body, headers=agent)
    refused(response, 422, "service_address.time_zone")
    assert counts(db) == before


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"number": "N" * 21}, "number"),
        ({"plan_name": "p" * 101}, "plan_name"),
        ({"business_name": "b" * 10_000}, "business_name"),
        ({"service_address": {"street": "s" * 201}}, "service_address.street"),
        ({"balance": "1.005"}, "balance"),
        ({"balance": "NaN"}, "balance"),
        ({"balance": "1e20"}, "balance"),
        ({"lines": [{"msisdn": "1" * 33}]}, "lines[0].msisdn"),
        ({"account_manager_id": 2**40}, "account_manager_id"),
        ({"people": [{"first_name": "A" * 100_000, "last_name": "B", "role": "account_holder"}]},
         "people[0].first_name"),
        ({"people": [{"first_name": "A\x00", "last_name": "B", "role": "account_holder"}]},
         "people[0].first_name"),
        ({"people": [{"first_name": "A", "last_name": "B", "role": "account_holder",
                      "pin": "12"}]}, "people[0].pin"),
        ({"people": [{"first_name": "A", "last_name": "B", "role": "account_holder",
                      "contact_points": [{"kind": "email", "value": "x@y.zz",
                                          "note": "n" * 501}]}]},
         "people[0].contact_points[0].note"),
        ({"shoe_size": 9}, "shoe_size"),
    ],
)  # fmt: skip
def test_malformed_and_huge_fields_are_refused_and_nothing_written(
    client: TestClient, auth: TokenMaker, db: Database, change: dict[str, Any], field: str
) -> None:
    agent = auth(Role.AGENT)
    before = counts(db)
    response = client.post("/v1/accounts", json=account_body(**change), headers=agent)
    refused(response, 422, field)
    assert PIN not in response.text
    assert counts(db) == before


def test_list_filters_search_and_cursor(client: TestClient, auth: TokenMaker) -> None:
    agent = auth(Role.AGENT)
    first = create(client, agent)
    create(client, agent, number="ACC-0002000", past_due=True, people=[], lines=[])
    business = create(
        client,
        agent,
        number="ACC-0003000",
        type="business",
        business_name="Lopez Hardware",
        people=[],
        lines=[],
    )

    def numbers(**params: Any) -> list[str]:
        response = client.get("/v1/accounts", params=params, headers=agent)
        assert response.status_code == 200, response.text
        return [item["number"] for item in response.json()["items"]]

    assert numbers() == ["ACC-0001234", "ACC-0002000", "ACC-0003000"]
    assert numbers(type="business") == ["ACC-0003000"]
    assert numbers(past_due="true") == ["ACC-0002000"]
    assert numbers(q="lopez") == ["ACC-0001234", "ACC-0003000"]
    assert numbers(q="ana lo") == ["ACC-0001234"]
    assert numbers(q="%") == []
    client.post(
        f"/v1/accounts/{business['id']}/status",
        json={"status": "suspended", "reason": "unpaid"},
        headers=agent,
    )
    assert numbers(status="suspended") == ["ACC-0003000"]

    page = client.get("/v1/accounts", params={"limit": 2}, headers=agent).json()
    assert page["items"][0]["id"] == first["id"]
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = client.get(
        "/v1/accounts", params={"limit": 2, "cursor": page["next_cursor"]}, headers=agent
    ).json()
    assert [item["number"] for item in rest["items"]] == ["ACC-0003000"]
    assert rest["next_cursor"] is None

    refused(client.get("/v1/accounts", params={"cursor": "nope"}, headers=agent), 422, "cursor")
    refused(client.get("/v1/accounts", params={"q": "x" * 101}, headers=agent), 422, "q")
    refused(client.get("/v1/accounts", params={"status": "gone"}, headers=agent), 422, "status")
    refused(client.get("/v1/accounts", params={"limit": 0}, headers=agent), 422, "limit")


def test_status_changes_and_refused_transition(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    agent = auth(Role.AGENT)
    account = create(client, agent)
    url = f"/v1/accounts/{account['id']}/status"
    closed = client.post(url, json={"status": "closed", "reason": "moved"}, headers=agent)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    before = counts(db)
    again = client.post(url, json={"status": "active", "reason": "back"}, headers=agent)
    refused(again, 409, "status")
    refused(client.post(url, json={"status": "active"}, headers=agent), 422, "reason")
    assert counts(db) == before


def test_missing_account_is_404_naming_account_id(client: TestClient, auth: TokenMaker) -> None:
    agent = auth(Role.AGENT)
    for path in ("", "/people", "/bills", "/devices", "/lines", "/consents", "/proof-facts"):
        refused(client.get(f"/v1/accounts/4242{path}", headers=agent), 404, "account_id")
    refused(client.get(f"/v1/accounts/{2**40}", headers=agent), 422, "account_id")


def test_people_contact_points_lines_devices_and_bills(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    agent = auth(Role.SPECIALIST)
    account = create(client, agent)
    base = f"/v1/accounts/{account['id']}"

    person = client.post(
        f"{base}/people", json={"first_name": "Bo", "last_name": "Li"}, headers=agent
    )
    assert person.status_code == 201, person.text
    assert person.json()["role"] == "authorised_user" and person.json()["has_pin"] is False
    second_holder = client.post(
        f"{base}/people",
        json={"first_name": "Cy", "last_name": "Li", "role": "account_holder"},
        headers=agent,
    )
    refused(second_holder, 409, "role")

    contact_url = f"{base}/people/{person.json()['id']}/contact-points"
    alternate = client.post(
        contact_url,
        json={"kind": "phone", "value": "650 253 0000", "label": "alternate",
              "given_by": "agent:7", "interaction_id": 31},
        headers=agent,
    )  # fmt: skip
    assert alternate.status_code == 201, alternate.text
    assert alternate.json()["value"] == "+16502530000"
    before = counts(db)
    refused(
        client.post(contact_url, json={"kind": "phone", "value": "+16502530000"}, headers=agent),
        409,
        "value",
    )
    refused(
        client.post(contact_url, json={"kind": "phone", "value": "12345"}, headers=agent),
        422,
        "value",
    )
    refused(
        client.post(f"{base}/people/999999/contact-points", json={"kind": "email",
                    "value": "a@b.cd"}, headers=agent),
        404,
        "person_id",
    )  # fmt: skip
    assert counts(db) == before
    people = client.get(f"{base}/people", headers=agent).json()["items"]
    assert [p["first_name"] for p in people] == ["Ana", "Bo"]

    line = client.post(f"{base}/lines", json={"msisdn": "+1 650 253 0001"}, headers=agent)
    assert line.status_code == 201 and line.json()["msisdn"] == "+16502530001"
    refused(client.post(f"{base}/lines", json={"msisdn": "6502530001"}, headers=agent), 409,
            "msisdn")  # fmt: skip
    lines = client.get(f"{base}/lines", headers=agent).json()["items"]
    assert len(lines) == 2

    full_imei = client.post(
        f"{base}/devices",
        json={"make": "Google", "model": "Pixel 9", "imei_last4": "356938035643809"},
        headers=agent,
    )
    refused(full_imei, 422, "imei_last4")
    assert "356938035643809" not in full_imei.text
    device = client.post(
        f"{base}/devices",
        json={"make": "Google", "model": "Pixel 9", "imei_last4": "3809",
              "line_id": line.json()["id"]},
        headers=agent,
    )  # fmt: skip
    assert device.status_code == 201, device.text
    devices = client.get(f"{base}/devices", headers=agent).json()["items"]
    assert [(d["model"], d["imei_last4"]) for d in devices] == [("Pixel 9", "3809")]

    bill_body = {"period_start": "2026-02-01", "period_end": "2026-02-28", "amount": "72.15",
                 "due_date": "2026-03-20"}  # fmt: skip
    bill = client.post(f"{base}/bills", json=bill_body, headers=agent)
    assert bill.status_code == 201, bill.text
    assert (bill.json()["amount"], bill.json()["paid"]) == ("72.15", False)
    refused(client.post(f"{base}/bills", json=bill_body, headers=agent), 409, "period_start")
    refused(
        client.post(f"{base}/bills", json={**bill_body, "amount": "-3"}, headers=agent),
        422,
        "amount",
    )
    bills = client.get(f"{base}/bills", headers=agent).json()["items"]
    assert [b["amount"] for b in bills] == ["72.15"]

    proof = client.get(f"{base}/proof-facts", headers=agent)
    assert proof.status_code == 200
    assert set(proof.json()) == {"last_bill_amount", "devices_in_use", "last_care_call_date"}
    assert proof.json()["last_bill_amount"] == "72.15"
    assert proof.json()["devices_in_use"] == ["Google Pixel 9"]


def test_consent_windows(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    agent = auth(Role.AGENT)
    account = create(client, agent)
    base = f"/v1/accounts/{account['id']}"
    person_id = account["people"][0]["id"]
    start = clock.now() + timedelta(days=1)
    body = {
        "person_id": person_id,
        "window_start": start.isoformat(),
        "window_end": (start + timedelta(hours=1)).isoformat(),
        "channel": "email",
        "callback_id": 5,
        "time_zone": "America/New_York",
    }
    recorded = client.post(f"{base}/consents", json=body, headers=agent)
    assert recorded.status_code == 201, recorded.text
    assert recorded.json()["expires_at"] == recorded.json()["window_end"]
    before = counts(db)
    backwards = {**body, "window_end": start.isoformat()}
    refused(client.post(f"{base}/consents", json=backwards, headers=agent), 422, "window_end")
    naive = {**body, "window_start": "2026-03-11T09:00:00"}
    refused(client.post(f"{base}/consents", json=naive, headers=agent), 422, "window_start")
    bad_zone = {**body, "time_zone": "Nowhere/Land"}
    refused(client.post(f"{base}/consents", json=bad_zone, headers=agent), 422, "time_zone")
    assert counts(db) == before

    in_force = client.get(f"{base}/consents", params={"in_force": "true"}, headers=agent)
    assert [c["id"] for c in in_force.json()["items"]] == [recorded.json()["id"]]
    close_url = f"{base}/consents/{recorded.json()['id']}/close"
    closed = client.post(close_url, headers=agent)
    assert closed.status_code == 200 and closed.json()["closed_at"]
    refused(client.post(close_url, headers=agent), 409, "consent_id")
    assert (
        client.get(f"{base}/consents", params={"in_force": "true"}, headers=agent).json()["items"]
        == []
    )


def test_zones_endpoint(client: TestClient, auth: TokenMaker) -> None:
    agent = auth(Role.AGENT)
    no_zone = create(client, agent, service_address={"city": "Palo Alto"}, lines=[])
    url = f"/v1/accounts/{no_zone['id']}/zones"
    by_number = client.get(url, params={"phone": "650-253-0000"}, headers=agent).json()
    assert (by_number["number"], by_number["zones"], by_number["source"]) == (
        "+16502530000",
        ["America/Los_Angeles"],
        "phone_number",
    )
    unknown = client.get(url, headers=agent).json()
    assert (unknown["zones"], unknown["source"]) == ([], "unknown")
    assert unknown["problem"]
    refused(client.get(url, params={"phone": "12"}, headers=agent), 422, "phone")
