"""Every way a dial can be refused names its catalogue rule in the answer: the policy's own
refusals, and the ones around it (a callback in any status that is not dialled, an agent in any
state, a deactivated agent or one of another team, an offer made to someone else, a dispatcher
holding it, a number that is not a phone number, two dials racing). The statuses and states are
taken from their enums, so a new one cannot escape. A missing callback or agent stays a plain
404 (nothing is said about records out of reach)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from caredesk.agents.models import Agent
from caredesk.callbacks.models import Callback, CallbackStatus
from caredesk.channels.ports import CallEventKind
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.policy import RULES, AgentState
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import PROBLEM, Desk, ScriptedGateway

CATALOGUE = {rule.rule_id for rule in RULES}


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    desk = Desk(client, auth, db, clock)
    desk.use_gateway(ScriptedGateway([CallEventKind.NO_ANSWER] * 50))
    return desk


def _scheduled(desk: Desk, **extra: Any) -> tuple[dict[str, Any], int, dict[str, str]]:
    account = desk.account()
    agent_id, agent = desk.agent()
    callback = desk.request(
        agent,
        account_id=account["id"],
        origin="follow_up",
        reason="device_troubleshooting",
        line_of_business="care",
        **extra,
    )
    assert desk.notified(callback["id"])["status"] == "scheduled"
    desk.follow_up(agent_id, agent)
    return callback, agent_id, agent


def _set(desk: Desk, model: Any, row_id: int, **values: Any) -> None:
    with desk.db.uow() as uow:
        uow.session.execute(update(model).where(model.id == row_id).values(**values))
        uow.commit()


def names_its_rules(response: Any) -> dict[str, Any]:
    """A refused dial: a problem document whose rule_ids and decision name catalogue rules,
    each with its sentence, and whose detail says which."""
    assert 400 <= response.status_code < 500 and response.status_code != 404, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["rule_ids"], body
    assert set(body["rule_ids"]) <= CATALOGUE, body["rule_ids"]
    failed = body["decision"]["failed"]
    assert [item["rule_id"] for item in failed] == body["rule_ids"]
    assert all(item["sentence"] for item in failed), failed
    assert body["decision"]["allowed"] is False
    assert any(rule_id in body["detail"] for rule_id in body["rule_ids"]), body["detail"]
    return body


def test_a_dial_in_every_callback_status_is_placed_or_names_its_rule(desk: Desk) -> None:
    callback, agent_id, agent = _scheduled(desk)
    answers: dict[str, int] = {}
    for status in CallbackStatus:
        values: dict[str, Any] = {"status": status.value, "lease_expires_at": None}
        if status is CallbackStatus.OFFERED:  # offered to this agent, under a live lease
            values.update(
                offered_to_agent_id=agent_id,
                lease_expires_at=desk.clock.now() + timedelta(minutes=1),
            )
        _set(desk, Callback, callback["id"], **values)
        _set(desk, Agent, agent_id, state=AgentState.NOT_READY_FOLLOW_UP.value)
        response = desk.start(callback["id"], agent)
        answers[status.value] = response.status_code
        if response.status_code != 200:
            names_its_rules(response)
    assert answers["scheduled"] == answers["offered"] == 200, answers
    assert answers["completed"] == answers["wrap_up"] == 409, answers


def test_a_dial_from_every_agent_state_is_placed_or_names_its_rule(desk: Desk) -> None:
    callback, agent_id, agent = _scheduled(desk)
    for state in AgentState:
        _set(desk, Callback, callback["id"], status=CallbackStatus.SCHEDULED.value)
        _set(desk, Agent, agent_id, state=state.value)
        response = desk.start(callback["id"], agent)
        if response.status_code != 200:
            assert "OB-STATE" in names_its_rules(response)["rule_ids"], state


def test_the_refusals_around_the_gate_name_their_rules(desk: Desk) -> None:
    callback, agent_id, agent = _scheduled(desk)
    url_id = callback["id"]

    # A number that is not a phone number is not a contact point of the account.
    bad = names_its_rules(desk.start(url_id, agent, number="call me maybe"))
    assert (bad["field"], bad["rule_ids"]) == ("number", ["OB-SCOPE-CUSTOMER"])

    # An agent of another team.
    _, global_agent = desk.agent(lob="global_care")
    other = names_its_rules(desk.start(url_id, global_agent))
    assert other["rule_ids"] == ["OB-ATTEMPTS-GLOBAL"] and other["field"] == "agent_id"

    # Offered to another agent; then the offer ran out.
    other_id, _ = desk.agent()
    soon = desk.clock.now() + timedelta(minutes=1)
    _set(
        desk,
        Callback,
        url_id,
        status="offered",
        offered_to_agent_id=other_id,
        lease_expires_at=soon,
    )
    taken = names_its_rules(desk.start(url_id, agent))
    assert taken["rule_ids"] == ["OB-ATTEMPTS"] and f"agent {other_id}" in taken["detail"]
    _set(
        desk,
        Callback,
        url_id,
        offered_to_agent_id=agent_id,
        lease_expires_at=desk.clock.now() - timedelta(seconds=1),
    )
    assert names_its_rules(desk.start(url_id, agent))["rule_ids"] == ["OB-ATTEMPTS"]

    # A dispatcher holds it under a lease right now.
    _set(
        desk, Callback, url_id, status="scheduled", offered_to_agent_id=None, lease_expires_at=soon
    )
    assert names_its_rules(desk.start(url_id, agent))["rule_ids"] == ["OB-ATTEMPTS"]
    _set(desk, Callback, url_id, lease_expires_at=None)

    # A deactivated agent has no state to call from.
    _set(desk, Agent, agent_id, active=False)
    assert names_its_rules(desk.start(url_id, agent))["rule_ids"] == ["OB-STATE"]

    # Out of reach stays a plain 404.
    missing = desk.start(10**9, agent)
    assert missing.status_code == 404 and "rule_ids" not in missing.json()


def test_dials_racing_on_one_callback_place_one_call_and_the_others_name_their_rule(
    desk: Desk,
) -> None:
    callback, _, first = _scheduled(desk)
    agents = [first]
    for _ in range(3):
        agent_id, headers = desk.agent()
        desk.follow_up(agent_id, headers)
        agents.append(headers)
    with ThreadPoolExecutor(max_workers=4) as pool:
        responses = list(pool.map(lambda headers: desk.start(callback["id"], headers), agents))
    assert sorted(r.status_code for r in responses) == [200, 409, 409, 409]
    for response in responses:
        if response.status_code != 200:
            assert names_its_rules(response)["rule_ids"] == ["OB-ATTEMPTS"]
