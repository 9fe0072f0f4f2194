"""/v1/callbacks as an API: who may do what, malformed and oversized requests (nothing stored),
lists with filters and cursors, the offer path shared with the dispatcher, ownership inside a
Service Assurance shift, and cancelling."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from caredesk.callbacks.models import Callback, CallbackAttempt
from caredesk.channels.ports import CallEventKind
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import Desk, ScriptedGateway, instant

PROBLEM = "application/problem+json"


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


def body(account_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "origin": "follow_up",
        "reason": "device_troubleshooting",
        "line_of_business": "care",
        **extra,
    }


def problem(response: Any, status: int, field: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["field"] == field


def test_customers_see_only_their_own_callbacks_status_and_staff_see_everything(
    desk: Desk,
) -> None:
    account, other = desk.account(), desk.account()
    _, agent = desk.agent()
    mine = desk.request(agent, **body(account["id"]))
    desk.request(agent, **body(other["id"]))
    customer = desk.auth(Role.CUSTOMER, account_id=account["id"])

    problem(
        desk.client.post("/v1/callbacks", json=body(account["id"]), headers=customer), 403, "role"
    )
    problem(desk.client.get("/v1/callbacks", headers=customer), 403, "role")
    problem(desk.client.get(f"/v1/callbacks/{mine['id']}/events", headers=customer), 403, "role")
    assert desk.client.get("/v1/callbacks").status_code == 401
    own = desk.client.get(f"/v1/accounts/{account['id']}/callbacks", headers=customer)
    assert own.status_code == 200
    [seen] = own.json()["items"]
    assert seen["id"] == mine["id"] and seen["status"] == "awaiting_notification"
    assert "number" not in seen and "requested_by" not in seen
    problem(
        desk.client.get(f"/v1/accounts/{other['id']}/callbacks", headers=customer),
        404,
        "account_id",
    )
    everything = desk.client.get("/v1/callbacks", headers=agent).json()["items"]
    assert len(everything) == 2
    assert all("lease_token" not in item for item in everything)


def test_malformed_huge_and_unknown_requests_store_nothing(desk: Desk) -> None:
    account, other = desk.account(), desk.account()
    _, agent = desk.agent()
    ticket = desk.client.post(
        "/v1/tickets",
        headers=desk.admin,
        json={"account_id": other["id"], "subject": "Elsewhere", "description": "Another account."},
    ).json()
    before = desk.counts()
    cases = [
        (body(account["id"], colour="red"), 422, "colour"),
        (body(account["id"], reason="because"), 422, "reason"),
        (body(0), 422, "account_id"),
        (body(2_147_483_648), 422, "account_id"),
        (body(999_999), 404, "account_id"),
        (body(account["id"], number="not a number"), 422, "number"),
        (body(account["id"], ticket=ticket["case_number"]), 422, "ticket_ref"),
        (body(account["id"], ticket="CS-999999"), 404, "ticket_ref"),
        (body(account["id"], person_id=999_999), 404, "person_id"),
        (body(account["id"], owner_agent_id=999_999), 404, "owner_agent_id"),
        (
            body(
                account["id"],
                slots=[{"start": "2026-03-12T15:00:00Z", "end": "2026-03-12T16:00:00Z"}],
            ),
            422,
            "slots",
        ),
        (body(account["id"], policy_reference="x" * 201), 422, "policy_reference"),
    ]
    for payload, status, field in cases:
        problem(desk.client.post("/v1/callbacks", json=payload, headers=agent), status, field)
    huge = desk.client.post(
        "/v1/callbacks", json=body(account["id"], policy_reference="x" * 2_000_000), headers=agent
    )
    assert huge.status_code == 413
    broken = desk.client.post(
        "/v1/callbacks",
        content=b"{not json",
        headers={**agent, "Content-Type": "application/json"},
    )
    assert broken.status_code == 400
    assert desk.counts() == before

    problem(desk.client.get("/v1/callbacks/999999", headers=agent), 404, "callback_id")
    assert desk.client.get("/v1/callbacks/2147483648", headers=agent).status_code == 422
    problem(
        desk.client.post("/v1/callbacks/999999/start", json={}, headers=agent), 404, "callback_id"
    )
    assert desk.counts() == before


def test_lists_filter_and_page_and_due_shows_what_is_due(desk: Desk) -> None:
    account = desk.account()
    agent_id, agent = desk.agent()
    made = [desk.request(agent, **body(account["id"])) for _ in range(3)]
    owned = desk.request(agent, **body(account["id"], owner_agent_id=agent_id))
    desk.deliver()
    desk.advance()

    first = desk.client.get("/v1/callbacks", params={"limit": 2}, headers=agent).json()
    assert [item["id"] for item in first["items"]] == [made[0]["id"], made[1]["id"]]
    rest = desk.client.get(
        "/v1/callbacks", params={"limit": 2, "cursor": first["next_cursor"]}, headers=agent
    ).json()
    assert [item["id"] for item in rest["items"]] == [made[2]["id"], owned["id"]]
    assert rest["next_cursor"] is None
    mine = desk.client.get("/v1/callbacks", params={"owner": agent_id}, headers=agent).json()
    assert [item["id"] for item in mine["items"]] == [owned["id"]]
    pooled = desk.client.get("/v1/callbacks", params={"pool": "true"}, headers=agent).json()
    assert len(pooled["items"]) == 3
    scheduled = desk.client.get(
        "/v1/callbacks", params={"status": "scheduled", "line_of_business": "care"}, headers=agent
    ).json()
    assert len(scheduled["items"]) == 4
    # Due the notice's lead time after it went out.
    assert desk.client.get("/v1/callbacks/due", headers=agent).json()["items"] == []
    desk.clock.advance(timedelta(minutes=10))
    due = desk.client.get("/v1/callbacks/due", headers=agent).json()
    assert len(due["items"]) == 4
    earlier = (desk.clock.now() - timedelta(minutes=1)).isoformat()
    assert (
        desk.client.get("/v1/callbacks", params={"due_before": earlier}, headers=agent).json()[
            "items"
        ]
        == []
    )
    problem(
        desk.client.get("/v1/callbacks", params={"cursor": "bogus"}, headers=agent), 422, "cursor"
    )


def test_an_offer_is_taken_by_the_agent_it_was_made_to_and_the_lease_is_cleared(
    desk: Desk,
) -> None:
    account = desk.account()
    agent_id, agent = desk.agent()
    other_id, other = desk.agent()
    callback = desk.request(agent, **body(account["id"]))
    desk.notified(callback["id"])
    for who, headers in ((agent_id, agent), (other_id, other)):
        desk.follow_up(who, headers)
    now = desk.clock.now()
    with desk.db.uow() as uow:  # what the dispatcher writes when it offers a callback
        uow.session.execute(
            update(Callback)
            .where(Callback.id == callback["id"])
            .values(
                status="offered",
                offered_to_agent_id=agent_id,
                offered_at=now,
                lease_owner="dispatcher-1",
                lease_token="t" * 32,
                lease_expires_at=now + timedelta(minutes=2),
                version=Callback.version + 1,
            )
        )
        uow.commit()
    desk.use_gateway(ScriptedGateway([CallEventKind.NO_ANSWER]))

    problem(desk.start(callback["id"], other), 409, "agent_id")
    problem(desk.start(callback["id"], other, agent_id=agent_id), 403, "agent_id")
    taken = desk.start(callback["id"], agent)
    assert taken.status_code == 200, taken.text
    after = desk.get(callback["id"])
    assert after["status"] == "dialing"
    assert (after["lease_owner"], after["lease_expires_at"]) == (None, None)
    dialing = next(e for e in desk.events(callback["id"]) if e["kind"] == "dialing")
    assert dialing["facts"]["path"] == "offered"


def test_service_assurance_ownership_follows_the_specialists_shift(desk: Desk) -> None:
    account = desk.account()
    on_shift, specialist = desk.agent(lob="sa_bts", role="specialist")
    off_shift, _ = desk.agent(lob="sa_bts", role="specialist")
    desk.shifts(on_shift, [{"weekday": 1, "start": "10:00", "end": "22:00"}])  # Tuesdays, UTC
    desk.shifts(off_shift, [{"weekday": 0, "start": "10:00", "end": "22:00"}])  # Mondays
    case = desk.ticket(account)
    kept = desk.request(
        specialist,
        **body(
            account["id"],
            origin="sa_ticket",
            ticket=case,
            reason="ticket_update",
            line_of_business="sa_bts",
            owner_agent_id=on_shift,
        ),
    )
    assert (kept["owner_agent_id"], kept["in_assignment_pool"]) == (on_shift, False)
    pooled = desk.request(
        specialist,
        **body(
            account["id"],
            origin="sa_ticket",
            ticket=case,
            reason="ticket_update",
            line_of_business="sa_bts",
            owner_agent_id=off_shift,
        ),
    )
    assert (pooled["owner_agent_id"], pooled["in_assignment_pool"]) == (None, True)
    assert instant(pooled["pooled_at"]) == desk.clock.now()
    wrong_team = desk.client.post(
        "/v1/callbacks",
        headers=specialist,
        json=body(
            account["id"],
            origin="sa_ticket",
            ticket=case,
            reason="ticket_update",
            line_of_business="sa_ats",
            owner_agent_id=on_shift,
        ),
    )
    problem(wrong_team, 422, "owner_agent_id")
    no_ticket = desk.client.post(
        "/v1/callbacks",
        headers=specialist,
        json=body(
            account["id"], origin="sa_ticket", reason="ticket_update", line_of_business="sa_bts"
        ),
    )
    problem(no_ticket, 422, "ticket_ref")


def test_cancelling_closes_a_waiting_callback_once(desk: Desk) -> None:
    account = desk.account()
    _, agent = desk.agent()
    callback = desk.request(agent, **body(account["id"]))
    url = f"/v1/callbacks/{callback['id']}/cancel"
    problem(desk.client.post(url, json={"reason": ""}, headers=agent), 422, "reason")
    cancelled = desk.client.post(
        url, json={"reason": "Customer called in and was helped"}, headers=agent
    )
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert instant(cancelled.json()["closed_at"]) == desk.clock.now()
    problem(desk.client.post(url, json={"reason": "again"}, headers=agent), 409, "status")
    problem(desk.start(callback["id"], agent), 409, "callback_id")
    assert [e["kind"] for e in desk.events(callback["id"])][-1] == "cancelled"


def test_two_agents_dialling_one_callback_at_once_place_one_call(desk: Desk) -> None:
    account = desk.account()
    agents = [desk.agent() for _ in range(4)]
    callback = desk.request(agents[0][1], **body(account["id"]))
    desk.notified(callback["id"])
    for agent_id, headers in agents:
        desk.follow_up(agent_id, headers)
    gateway = ScriptedGateway([CallEventKind.NO_ANSWER] * 4)
    desk.use_gateway(gateway)

    with ThreadPoolExecutor(max_workers=4) as pool:
        responses = list(pool.map(lambda agent: desk.start(callback["id"], agent[1]), agents))
    codes = sorted(response.status_code for response in responses)
    assert codes == [200, 409, 409, 409], [r.text for r in responses]
    assert len(gateway.dialed) == 1
    assert desk.count(CallbackAttempt) == 1
    assert [e["kind"] for e in desk.events(callback["id"])].count("dialing") == 1
