"""Agent state through HTTP: who may change it, refusals, history pages."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.api.test_agents import counts, create
from tests.conftest import TokenMaker


def _state(client: TestClient, agent_id: int, headers: dict[str, str], **body: Any) -> Any:
    return client.post(f"/v1/agents/{agent_id}/state", json=body, headers=headers)


def test_the_agent_themself_changes_their_state(client: TestClient, auth: TokenMaker) -> None:
    agent = create(client, auth(Role.ADMIN))
    own = auth(Role.AGENT, agent_id=agent["id"])
    moved = _state(client, agent["id"], own, state="ready", reason="shift start")
    assert moved.status_code == 200, moved.text
    assert moved.json()["state"] == "ready" and moved.json()["state_version"] == 1
    current = client.get(f"/v1/agents/{agent['id']}/state", headers=auth(Role.AGENT))
    assert current.json() == moved.json()


def test_another_agent_may_not_but_a_leader_may(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    admin = auth(Role.ADMIN)
    agent = create(client, admin)
    other = create(client, admin, login="bo")
    before = counts(db)
    refused = _state(client, agent["id"], auth(Role.AGENT, agent_id=other["id"]), state="ready")
    assert refused.status_code == 403 and refused.json()["field"] == "agent_id"
    unlinked = _state(client, agent["id"], auth(Role.SPECIALIST), state="ready")
    assert unlinked.status_code == 403
    assert counts(db) == before
    assert _state(client, agent["id"], auth(Role.LEADER), state="ready").status_code == 200


def test_an_invalid_transition_is_409_and_writes_no_history(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    agent = create(client, auth(Role.ADMIN))
    leader = auth(Role.LEADER)
    before = counts(db)
    refused = _state(client, agent["id"], leader, state="talking")
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["type"] == "/problems/invalid-transition"
    assert problem["field"] == "state"
    assert (problem["from_state"], problem["to_state"]) == ("offline", "talking")
    assert "offline" in problem["detail"] and "talking" in problem["detail"]
    assert counts(db) == before
    unknown = _state(client, agent["id"], leader, state="lunch")
    assert unknown.status_code == 422 and unknown.json()["field"] == "state"
    extra = _state(client, agent["id"], leader, state="ready", mood="good")
    assert extra.status_code == 422 and extra.json()["field"] == "mood"
    assert counts(db) == before


def test_a_stale_expected_version_is_409(client: TestClient, auth: TokenMaker) -> None:
    agent = create(client, auth(Role.ADMIN))
    leader = auth(Role.LEADER)
    assert _state(client, agent["id"], leader, state="ready", expected_version=0).status_code == 200
    stale = _state(client, agent["id"], leader, state="not_ready_break", expected_version=0)
    assert stale.status_code == 409 and stale.json()["field"] == "state"
    assert stale.json()["state_version"] == 1


def test_history_is_paginated_oldest_first(client: TestClient, auth: TokenMaker) -> None:
    agent = create(client, auth(Role.ADMIN))
    leader = auth(Role.LEADER)
    path = ["ready", "talking", "after_call_work", "not_ready_follow_up", "talking"]
    for state in path:
        assert _state(client, agent["id"], leader, state=state).status_code == 200
    rows: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get(
            f"/v1/agents/{agent['id']}/state/history", params=params, headers=auth(Role.AGENT)
        ).json()
        rows += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [row["to_state"] for row in rows] == ["offline", *path]
    assert rows[0]["from_state"] is None and rows[0]["seconds_in_from_state"] is None
    assert all(row["seconds_in_from_state"] == 0 for row in rows[1:])  # the clock stood still
    assert [row["from_state"] for row in rows[1:]] == ["offline", *path[:-1]]
    missing = client.get("/v1/agents/777/state/history", headers=auth(Role.AGENT))
    assert missing.status_code == 404
