"""One answer to "which zone": the account's zones endpoint and the policy's decision agree for
every kind of number, and a person confirming a zone changes the decision and is audited."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from caredesk.accounts.models import ConfirmedZone
from caredesk.callbacks.models import Callback, CallbackStatus
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.api.test_accounts import create
from tests.conftest import TokenMaker

SAMPLE = [
    "+13136564363",  # Detroit: one zone
    "+19075550123",  # Alaska: Anchorage and Adak
    "+12085550123",  # Idaho: Boise and Los Angeles
    "+16055550123",  # South Dakota: Denver and North Dakota/Center
    "+17015550123",  # North Dakota: two zones
    "+15002001234",  # 500 personal number: names no place
    "+18005550123",  # toll-free: names no place
    "+442071838750",  # London
    "+61891234567",  # Western Australia: Perth and Adelaide
]
PERSONAL = "+15002001234"


def _account(
    client: TestClient, headers: dict[str, str], number: str, zone: str | None, phones: list[str]
) -> dict[str, Any]:
    address = {"country": "US", "time_zone": zone} if zone else {"city": "Somewhere"}
    holder = {
        "first_name": "Ana",
        "last_name": "Lopez",
        "role": "account_holder",
        "contact_points": [{"kind": "phone", "value": phone} for phone in phones],
    }
    return create(
        client, headers, number=number, service_address=address, people=[holder], lines=[]
    )


def _callback(db: Database, account_id: int, number: str) -> int:
    with db.uow() as uow:
        now = uow.clock.now()
        row = Callback(
            account_id=account_id,
            line_of_business="care",
            origin="follow_up",
            reason="device_troubleshooting",
            requested_by="system:test",
            caller_role="agent",
            number=number,
            customer_spoken_to=True,
            agent_spoke_to_customer=True,
            status=CallbackStatus.SCHEDULED.value,
            due_at=now,
            in_assignment_pool=False,
            attempts_without_contact=0,
            contact_made=False,
            created_at=now,
            updated_at=now,
            version=0,
        )
        uow.session.add(row)
        uow.commit()
        return row.id


def _decision(client: TestClient, headers: dict[str, str], callback_id: int) -> dict[str, Any]:
    response = client.get(
        f"/v1/callbacks/{callback_id}/why-not-now", params={"step": "dial"}, headers=headers
    )
    assert response.status_code == 200, response.text
    decision: dict[str, Any] = response.json()
    return decision


def _zones(
    client: TestClient, headers: dict[str, str], account_id: int, phone: str
) -> dict[str, Any]:
    response = client.get(
        f"/v1/accounts/{account_id}/zones", params={"phone": phone}, headers=headers
    )
    assert response.status_code == 200, response.text
    zones: dict[str, Any] = response.json()
    return zones


def _window_failed(decision: dict[str, Any]) -> bool:
    return any(result["rule_id"] == "OB-WINDOW" for result in decision["failed"])


def _asks_to_confirm(decision: dict[str, Any]) -> bool:
    return any(step["kind"] == "confirm_zone" for step in decision["required_steps"])


@pytest.mark.parametrize("address_zone", [None, "America/Denver"])
def test_the_zones_endpoint_and_the_policy_agree(
    client: TestClient, auth: TokenMaker, db: Database, address_zone: str | None
) -> None:
    agent = auth(Role.AGENT)
    account = _account(client, agent, "ACC-0000001", address_zone, SAMPLE)
    for number in SAMPLE:
        endpoint = _zones(client, agent, account["id"], number)
        decision = _decision(client, agent, _callback(db, account["id"], number))
        policy_zones = [z for z in decision["zones"] if z["source"] != "consent"]
        assert endpoint["number"] == number
        assert endpoint["zones"] == [z["zone"] for z in policy_zones], number
        if endpoint["zones"]:
            assert {z["source"] for z in policy_zones} == {endpoint["source"]}, number
            assert not _asks_to_confirm(decision), number
        else:
            assert endpoint["source"] == "unknown" and endpoint["problem"], number
            assert _window_failed(decision) and _asks_to_confirm(decision), number
    # The cases the sample stands for, as the handbook reads them.
    personal = _zones(client, agent, account["id"], PERSONAL)
    if address_zone:
        assert (personal["zones"], personal["source"]) == ([address_zone], "account_address")
    else:
        assert (personal["zones"], personal["source"]) == ([], "unknown")
        alaska = _zones(client, agent, account["id"], "+19075550123")
        assert alaska["zones"] == ["America/Adak", "America/Anchorage"]


def _confirm(client: TestClient, headers: dict[str, str], account_id: int, **body: Any) -> Any:
    return client.post(f"/v1/accounts/{account_id}/zone-confirmations", json=body, headers=headers)


def _confirmations(db: Database) -> int:
    with db.uow() as uow:
        return int(uow.session.scalar(select(func.count()).select_from(ConfirmedZone)) or 0)


def test_confirming_a_zone_changes_the_decision_and_is_audited(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    agent = auth(Role.AGENT)
    account = _account(client, agent, "ACC-0000500", None, [PERSONAL, "+13136564363"])
    callback_id = _callback(db, account["id"], PERSONAL)
    before = _decision(client, agent, callback_id)
    assert _window_failed(before) and _asks_to_confirm(before)
    assert _zones(client, agent, account["id"], PERSONAL)["source"] == "unknown"

    confirmed = _confirm(
        client, agent, account["id"], zone="America/Chicago", number="(500) 200-1234",
        note="Customer said they live in Chicago",
    )  # fmt: skip
    assert confirmed.status_code == 201, confirmed.text
    body = confirmed.json()
    assert (body["number"], body["zone"]) == (PERSONAL, "America/Chicago")
    assert body["confirmed_by"].startswith("user:")
    assert body["confirmed_at"] == clock.now().isoformat().replace("+00:00", "Z")

    after = _decision(client, agent, callback_id)
    assert not _window_failed(after) and not _asks_to_confirm(after)
    assert after["zones"] == [{"zone": "America/Chicago", "source": "confirmed"}]
    shown = _zones(client, agent, account["id"], PERSONAL)
    assert (shown["zones"], shown["source"]) == (["America/Chicago"], "confirmed")
    assert shown["confirmed_by"] == body["confirmed_by"]
    # The confirmation is for that number only: the Detroit number keeps its own zone.
    assert _zones(client, agent, account["id"], "+13136564363")["source"] == "phone_number"

    audit = client.get(
        "/v1/audit-events", params={"action": "account.zone_confirmed"}, headers=auth(Role.LEADER)
    ).json()["items"]
    assert len(audit) == 1
    assert audit[0]["actor"] == body["confirmed_by"]
    assert audit[0]["subject_id"] == str(account["id"])
    assert audit[0]["after"] == {"zone": "America/Chicago", "number": PERSONAL}
    listed = client.get(f"/v1/accounts/{account['id']}/zone-confirmations", headers=agent).json()
    assert [item["id"] for item in listed["items"]] == [body["id"]]


def test_an_account_wide_confirmation_and_a_later_one_for_the_number(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    agent = auth(Role.AGENT)
    account = _account(client, agent, "ACC-0000501", None, [PERSONAL, "+18005550123"])
    assert _confirm(client, agent, account["id"], zone="America/Denver").status_code == 201
    for number in (PERSONAL, "+18005550123"):
        assert _zones(client, agent, account["id"], number)["zones"] == ["America/Denver"]
    assert (
        _confirm(client, agent, account["id"], zone="America/Phoenix", number=PERSONAL).status_code
        == 201
    )
    assert _zones(client, agent, account["id"], PERSONAL)["zones"] == ["America/Phoenix"]
    assert _zones(client, agent, account["id"], "+18005550123")["zones"] == ["America/Denver"]
    decision = _decision(client, agent, _callback(db, account["id"], PERSONAL))
    assert decision["zones"] == [{"zone": "America/Phoenix", "source": "confirmed"}]


def test_refused_confirmations_name_the_field_and_write_nothing(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    agent = auth(Role.AGENT)
    account = _account(client, agent, "ACC-0000502", None, [PERSONAL])
    with_address = _account(client, agent, "ACC-0000503", "America/Denver", [PERSONAL[:-1] + "5"])
    cases = [
        (account["id"], {"zone": "Mars/Olympus"}, 422, "zone"),
        (account["id"], {"zone": "America/Chicago", "number": "+13136564363"}, 422, "number"),
        (account["id"], {"zone": "America/Chicago", "number": "12"}, 422, "number"),
        (account["id"], {"zone": "America/Chicago", "note": "x" * 501}, 422, "note"),
        (account["id"], {"zone": "America/Chicago", "extra": 1}, 422, "extra"),
        (with_address["id"], {"zone": "America/Chicago"}, 409, "zone"),
        (account["id"] + 100, {"zone": "America/Chicago"}, 404, "account_id"),
    ]
    for account_id, body, status, field in cases:
        response = _confirm(client, agent, account_id, **body)
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["field"] == field, body
    assert _confirmations(db) == 0
    customer = auth(Role.CUSTOMER, account_id=account["id"])
    assert _confirm(client, customer, account["id"], zone="America/Chicago").status_code == 403
    assert _confirmations(db) == 0
