"""Agents through HTTP: roles, validation problems, listing, updates and shifts."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from caredesk.agents.models import Agent, AgentShift, AgentStateChange
from caredesk.audit.models import AuditEvent
from caredesk.audit.service import Actor
from caredesk.db.session import Database
from caredesk.users import service as users
from caredesk.users.models import Role, User
from tests.conftest import TokenMaker

PROBLEM = "application/problem+json"


def agent_body(login: str = "ana", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "login": login,
        "name": "Ana Lopez",
        "role": "agent",
        "line_of_business": "care",
        "skills": ["billing"],
        "time_zone": "America/New_York",
        "platform_line": "+18005550100",
    }
    body.update(overrides)
    return body


def counts(db: Database) -> dict[str, int]:
    with db.uow() as uow:
        return {
            model.__tablename__: uow.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Agent, AgentShift, AgentStateChange)
        }


def customer_headers(db: Database) -> dict[str, str]:
    """A customer's token. Only the role matters to these endpoints, so the account is left out
    rather than built through the accounts domain."""
    with db.uow() as uow:
        user = User(
            login=f"customer-{uuid.uuid4().hex[:8]}",
            display_name="A customer",
            role=Role.CUSTOMER.value,
            active=True,
            created_at=uow.clock.now(),
        )
        uow.session.add(user)
        uow.flush()
        issued = users.issue_token(uow, actor=Actor.system("test"), user=user)
    return {"Authorization": f"Bearer {issued.token}"}


def create(client: TestClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = client.post("/v1/agents", json=agent_body(**overrides), headers=headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_leader_creates_an_agent(client: TestClient, auth: TokenMaker) -> None:
    agent = create(client, auth(Role.LEADER), platform_line="(800) 555-0100")
    assert agent["platform_line"] == "+18005550100"
    assert agent["state"] == "offline" and agent["state_version"] == 0
    assert agent["skills"] == ["billing"]
    fetched = client.get(f"/v1/agents/{agent['id']}", headers=auth(Role.AGENT))
    assert fetched.status_code == 200 and fetched.json() == agent


def test_an_agent_cannot_create_agents(client: TestClient, auth: TokenMaker, db: Database) -> None:
    before = counts(db)
    for role in (Role.AGENT, Role.SPECIALIST):
        response = client.post("/v1/agents", json=agent_body(), headers=auth(role))
        assert response.status_code == 403
        assert response.headers["content-type"].startswith(PROBLEM)
    assert counts(db) == before


def test_customers_are_refused_everywhere(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    agent = create(client, auth(Role.ADMIN))
    customer = customer_headers(db)
    before = counts(db)
    path = f"/v1/agents/{agent['id']}"
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("post", "/v1/agents", agent_body("bo")),
        ("get", "/v1/agents", None),
        ("get", path, None),
        ("patch", path, {"name": "Mine now"}),
        ("get", f"{path}/shifts", None),
        ("put", f"{path}/shifts", {"shifts": []}),
        ("get", f"{path}/state", None),
        ("post", f"{path}/state", {"state": "ready"}),
        ("get", f"{path}/state/history", None),
    ]
    for method, url, body in calls:
        response = client.request(method, url, json=body, headers=customer)
        assert response.status_code == 403, (method, url, response.text)
        assert response.json()["field"] == "role"
    assert counts(db) == before


def test_requests_without_a_token_are_refused(client: TestClient) -> None:
    assert client.get("/v1/agents").status_code == 401
    assert client.post("/v1/agents", json=agent_body()).status_code == 401


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"line_of_business": "sales"}, "line_of_business"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"time_zone": "EST5EDT-ish"}, "time_zone"),
        ({"platform_line": "555-1234"}, "platform_line"),
        ({"platform_line": "not a number"}, "platform_line"),
        ({"role": "customer"}, "role"),
        ({"skills": ["two words"]}, "skills"),
        ({"login": "x"}, "login"),
        ({"shoe_size": 9}, "shoe_size"),
    ],
)
def test_invalid_fields_are_422_naming_the_field(
    client: TestClient, auth: TokenMaker, db: Database, overrides: dict[str, Any], field: str
) -> None:
    admin = auth(Role.ADMIN)
    before = counts(db)
    response = client.post("/v1/agents", json=agent_body(**overrides), headers=admin)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["field"].startswith(field)
    assert counts(db) == before


def test_huge_and_malformed_bodies_write_nothing(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    admin = auth(Role.ADMIN)
    before = counts(db)
    many = client.post(
        "/v1/agents", json=agent_body(skills=[f"s{n}" for n in range(5000)]), headers=admin
    )
    assert many.status_code == 422 and many.json()["field"] == "skills"
    long_name = client.post("/v1/agents", json=agent_body(name="x" * 5000), headers=admin)
    assert long_name.status_code == 422 and long_name.json()["field"] == "name"
    broken = client.post(
        "/v1/agents",
        content=b'{"login": "ana",',
        headers={**admin, "Content-Type": "application/json"},
    )
    assert broken.status_code == 400 and broken.json()["field"] == "body"
    assert counts(db) == before


def test_duplicate_login_is_409(client: TestClient, auth: TokenMaker, db: Database) -> None:
    admin = auth(Role.ADMIN)
    create(client, admin)
    before = counts(db)
    again = client.post("/v1/agents", json=agent_body(name="Other"), headers=admin)
    assert again.status_code == 409 and again.json()["field"] == "login"
    assert counts(db) == before


def test_a_leader_cannot_hand_out_the_admin_role(client: TestClient, auth: TokenMaker) -> None:
    leader = auth(Role.LEADER)
    refused = client.post("/v1/agents", json=agent_body(role="admin"), headers=leader)
    assert refused.status_code == 403 and refused.json()["field"] == "role"
    agent = create(client, leader)
    promote = client.patch(f"/v1/agents/{agent['id']}", json={"role": "admin"}, headers=leader)
    assert promote.status_code == 403
    assert create(client, auth(Role.ADMIN), login="root", role="admin")["role"] == "admin"


def test_list_filters_and_cursor_pagination(client: TestClient, auth: TokenMaker) -> None:
    admin = auth(Role.ADMIN)
    for n in range(5):
        create(
            client,
            admin,
            login=f"agent{n}",
            line_of_business="sa_ats" if n % 2 else "care",
            skills=["tickets"] if n >= 3 else ["billing"],
        )
    staff = auth(Role.SPECIALIST)
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/v1/agents", params=params, headers=staff).json()
        seen += [item["login"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"agent{n}" for n in range(5)]

    def logins(**params: Any) -> list[str]:
        response = client.get("/v1/agents", params=params, headers=staff)
        assert response.status_code == 200, response.text
        return [item["login"] for item in response.json()["items"]]

    assert logins(line_of_business="sa_ats") == ["agent1", "agent3"]
    assert logins(skill="tickets", line_of_business="care") == ["agent4"]
    assert logins(role="agent", state="offline") == seen
    assert logins(state="talking") == []
    bad = client.get("/v1/agents", params={"line_of_business": "sales"}, headers=staff)
    assert bad.status_code == 422 and bad.json()["field"] == "line_of_business"
    assert client.get("/v1/agents", params={"cursor": "junk!"}, headers=staff).status_code == 422


def test_leader_updates_and_agent_may_not(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    agent = create(client, auth(Role.ADMIN))
    path = f"/v1/agents/{agent['id']}"
    before = counts(db)
    assert client.patch(path, json={"name": "X"}, headers=auth(Role.AGENT)).status_code == 403
    bad_zone = client.patch(path, json={"time_zone": "Nowhere"}, headers=auth(Role.LEADER))
    assert bad_zone.status_code == 422 and bad_zone.json()["field"] == "time_zone"
    assert counts(db) == before
    updated = client.patch(
        path,
        json={"line_of_business": "global_care", "skills": ["roaming"], "time_zone": "Asia/Tokyo"},
        headers=auth(Role.LEADER),
    )
    assert updated.status_code == 200, updated.text
    assert updated.json()["line_of_business"] == "global_care"
    assert updated.json()["skills"] == ["roaming"]
    assert updated.json()["login"] == agent["login"] and updated.json()["name"] == "Ana Lopez"
    with db.uow() as uow:
        actions = list(uow.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-1] == "agent.updated"


def test_unknown_agent_is_404(client: TestClient, auth: TokenMaker) -> None:
    response = client.get("/v1/agents/4242", headers=auth(Role.AGENT))
    assert response.status_code == 404 and response.json()["field"] == "agent_id"
    assert client.get("/v1/agents/99999999999", headers=auth(Role.AGENT)).status_code == 422


def test_shifts_put_and_get(client: TestClient, auth: TokenMaker, db: Database) -> None:
    agent = create(client, auth(Role.ADMIN))
    path = f"/v1/agents/{agent['id']}/shifts"
    leader = auth(Role.LEADER)
    week = [
        {"weekday": 4, "start": "22:00", "end": "06:00"},
        {"weekday": 0, "start": "09:00", "end": "17:00"},
    ]
    assert client.put(path, json={"shifts": week}, headers=auth(Role.AGENT)).status_code == 403
    saved = client.put(path, json={"shifts": week}, headers=leader)
    assert saved.status_code == 200, saved.text
    assert saved.json() == {
        "agent_id": agent["id"],
        "time_zone": "America/New_York",
        "shifts": [
            {"weekday": 0, "start": "09:00:00", "end": "17:00:00"},
            {"weekday": 4, "start": "22:00:00", "end": "06:00:00"},
        ],
    }
    assert client.get(path, headers=auth(Role.AGENT)).json() == saved.json()

    before = counts(db)
    overlap = [*week, {"weekday": 5, "start": "05:00", "end": "07:00"}]
    refused = client.put(path, json={"shifts": overlap}, headers=leader)
    assert refused.status_code == 422 and refused.json()["field"].startswith("shifts[")
    same = client.put(
        path, json={"shifts": [{"weekday": 1, "start": "09:00", "end": "09:00"}]}, headers=leader
    )
    assert same.status_code == 422 and same.json()["field"] == "shifts[0]"
    day = client.put(
        path, json={"shifts": [{"weekday": 7, "start": "09:00", "end": "10:00"}]}, headers=leader
    )
    assert day.status_code == 422 and day.json()["field"] == "shifts[0].weekday"
    huge = client.put(
        path,
        json={"shifts": [{"weekday": 0, "start": "09:00", "end": "10:00"}] * 1000},
        headers=leader,
    )
    assert huge.status_code == 422 and huge.json()["field"] == "shifts"
    assert counts(db) == before
