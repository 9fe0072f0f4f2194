"""Finding a customer from the desktop by a phone number in any format a person types, a name,
an account number or a case number; the customer panel with everything an agent works from and
never a PIN, an SSN or a card number."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import PIN, Desk
from tests.web.desk_support import Agent, agent, page
from tests.web.support import signed_in

SSN_LAST4 = "6789"


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


def _customer(desk: Desk) -> dict[str, Any]:
    body = {
        "number": "ACC-4242001",
        "type": "consumer",
        "balance": "12.50",
        "plan_name": "Unlimited Plus",
        "service_address": {"city": "Denver", "country": "US", "time_zone": "America/Denver"},
        "people": [
            {
                "first_name": "Rosa",
                "last_name": "Quintero",
                "role": "account_holder",
                "pin": PIN,
                "ssn_last4": SSN_LAST4,
                "contact_points": [
                    {"kind": "phone", "value": "+13035550123", "label": "mobile"},
                    {"kind": "email", "value": "rosa@example.com"},
                ],
            }
        ],
        "lines": [{"msisdn": "+17205550188"}],
    }
    made = desk.client.post("/v1/accounts", json=body, headers=desk.admin)
    assert made.status_code == 201, made.text
    account: dict[str, Any] = made.json()
    account_id = account["id"]
    line_id = account["lines"][0]["id"]
    for path, item in (
        ("devices", {"make": "Pixel", "model": "8", "line_id": line_id, "imei_last4": "4321"}),
        (
            "bills",
            {
                "period_start": "2026-02-01",
                "period_end": "2026-02-28",
                "amount": "64.99",
                "due_date": "2026-03-20",
            },
        ),
    ):
        added = desk.client.post(f"/v1/accounts/{account_id}/{path}", json=item, headers=desk.admin)
        assert added.status_code == 201, added.text
    memo = {
        "kind": "care_call",
        "reason": "Billing question",
        "summary": "Explained the February bill line by line.",
        "customer_response": "Happy with the explanation.",
    }
    noted = desk.client.post(f"/v1/accounts/{account_id}/memos", json=memo, headers=desk.admin)
    assert noted.status_code == 201, noted.text
    return account


def test_a_phone_number_typed_any_way_finds_the_account(desk: Desk) -> None:
    account = _customer(desk)
    desk.account(phone="+13035550999")  # another customer, not found
    who = agent(desk)
    for typed in (
        "(303) 555-0123",
        "303.555.0123",
        "+1 303 555 0123",
        "1-303-555-0123",
        "720 555 0188",
    ):
        found = page(desk, who, f"/desk/customers?q={typed}")
        assert f'href="/desk/customers/{account["id"]}"' in found, typed
        assert found.count('href="/desk/customers/') == 1, typed


def test_a_name_an_account_number_or_a_case_number_finds_it_too(desk: Desk) -> None:
    account = _customer(desk)
    case = desk.ticket(account)
    who = agent(desk)
    for typed in ("Rosa Quintero", "quintero", "ACC-4242001", "acc-4242"):
        assert f'href="/desk/customers/{account["id"]}"' in page(
            desk, who, f"/desk/customers?q={typed}"
        ), typed
    by_case = page(desk, who, f"/desk/customers?q={case.lower()}")
    assert f'href="/desk/cases/{case}"' in by_case
    assert f'href="/desk/customers/{account["id"]}"' in by_case
    nothing = page(desk, who, "/desk/customers?q=(999) 555-0100")
    assert "No account matches" in nothing


def test_the_panel_shows_the_account_and_never_a_secret(desk: Desk) -> None:
    account = _customer(desk)
    case = desk.ticket(account)
    who = agent(desk)
    panel = page(desk, who, f"/desk/customers/{account['id']}")
    for shown in (
        "Rosa Quintero",
        "ACC-4242001",
        "(303) 555-0123",
        "rosa@example.com",
        "(720) 555-0188",
        "Pixel 8",
        "$64.99",
        "Explained the February bill line by line.",
        case,
        "Unlimited Plus",
        "in America/Denver",
    ):
        assert shown in panel, shown
    assert PIN not in panel and SSN_LAST4 not in panel
    assert "pin_hash" not in panel and "argon2" not in panel
    missing = desk.client.get("/desk/customers/987654", headers=who.browser.cookie)
    assert missing.status_code == 404


def test_the_panel_shows_its_times_in_the_agents_own_zone(desk: Desk) -> None:
    account = _customer(desk)
    agent_id, _ = desk.agent(zone="Asia/Tokyo")
    who = Agent(agent_id, {}, signed_in(desk.db, Role.AGENT, agent_id=agent_id))
    panel = page(desk, who, f"/desk/customers/{account['id']}")
    # The memo was written at 18:00 UTC on Tuesday: Wednesday 03:00 in Tokyo.
    assert "Wed 11 Mar, 03:00 JST" in panel
    # The customer's own time stays in the customer's zone.
    assert "in America/Denver" in panel
