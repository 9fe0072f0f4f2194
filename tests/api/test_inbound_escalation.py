"""Escalating a live call: the agent who has the caller sends them to the supervisor queue (or a
specialised department) with a reason; the caller keeps their place there, the next routing
round offers them to a supervisor who sees the way they came and why, and the first agent goes
to After-Call Work. A caller asks for a supervisor from the menu too. Both engines."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from caredesk.audit.models import AuditEvent
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.inbound.models import IvrWalk
from caredesk.live.models import LiveEvent
from tests.api.test_inbound_routing import BILLING, Floor
from tests.api.test_ivr_calls import answer, call
from tests.conftest import TokenMaker

CARD = "4111 1111 1111 1111"


@pytest.fixture
def floor(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Floor:
    return Floor(client, auth, db, clock)


def _asks_for_a_supervisor(floor: Floor) -> int:
    """A caller who says "supervisor" at the main menu; their call id."""
    started = call(floor.client, floor.phone, language="en")
    said = answer(floor.client, started["id"], floor.phone, words="I want a supervisor")
    assert said.status_code == 200, said.text
    assert said.json()["result"]["outcome"] == "queued", said.text
    return int(started["id"])


def _escalate(floor: Floor, call_id: int, headers: dict[str, str], **body: Any) -> Any:
    payload = {"queue": "supervisor", "reason": "asks for a supervisor about a refund"} | body
    return floor.client.post(f"/v1/ivr/calls/{call_id}/escalate", json=payload, headers=headers)


def test_an_escalated_call_goes_to_a_supervisor_with_its_reason_and_place(floor: Floor) -> None:
    agent_id, headers, call_id = floor.connected()
    floor.later(60)
    # Someone else calls the supervisor line meanwhile: the escalated caller came first.
    later_caller = _asks_for_a_supervisor(floor)
    floor.later(5)
    escalated = _escalate(floor, call_id, headers)
    assert escalated.status_code == 200, escalated.text
    assert floor.state(agent_id) == "after_call_work"
    interaction = floor.client.get(f"/v1/interactions/{call_id}", headers=headers).json()
    assert interaction["agent_id"] is None and interaction["ended_at"] is None

    supervisor, supervisor_headers = floor.agent(supervisor=5)
    floor.later(1)
    assert floor.route()["contacts_offered"] == 1
    offer = floor.offer(supervisor, supervisor_headers)
    assert (offer["call_id"], offer["queue"]) == (call_id, "supervisor")
    assert offer["waited_seconds"] == 76.0  # from the caller's first arrival, not from now
    last = offer["path"][-1]
    assert (last["menu"], last["kind"]) == ("billing", "escalate")
    assert last["value"] == "supervisor: asks for a supervisor about a refund"
    # The first answer's wait stays the one the estimate is measured on.
    assert floor.answer(supervisor, supervisor_headers, offer, "accept").status_code == 200
    with floor.db.uow() as uow:
        walk = uow.session.scalar(select(IvrWalk).where(IvrWalk.interaction_id == call_id))
        assert walk is not None and walk.waited_seconds == 10.0
        audit = uow.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "inbound.escalated")
        )
        assert audit is not None
        assert (audit.before, audit.after) == (
            {"queue": "billing", "agent_id": agent_id},
            {"queue": "supervisor", "agent_id": None},
        )
        assert audit.details == {"reason": "asks for a supervisor about a refund"}
        kinds = list(uow.session.scalars(select(LiveEvent.kind)))
    assert "agent.call_escalated" in kinds
    # The caller who rang the supervisor line directly is next.
    floor.later(1)
    other, other_headers = floor.agent(supervisor=5)
    floor.route()
    assert floor.offer(other, other_headers)["call_id"] == later_caller


def test_a_caller_asks_for_a_supervisor_from_the_menu(floor: Floor) -> None:
    call_id = _asks_for_a_supervisor(floor)
    supervisor, headers = floor.agent(supervisor=3)
    floor.later(1)
    floor.route()
    assert floor.offer(supervisor, headers)["call_id"] == call_id


def test_a_specialised_department_is_a_queue_too(floor: Floor) -> None:
    _agent, headers, call_id = floor.connected()
    assert _escalate(floor, call_id, headers, queue="technical").status_code == 200
    technician, technician_headers = floor.agent(technical=5)
    floor.later(1)
    floor.route()
    assert floor.offer(technician, technician_headers)["queue"] == "technical"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"queue": "nowhere"}, "queue"),
        ({"queue": "billing"}, "queue"),  # where the call already is
        ({"reason": "   "}, "reason"),
        ({"reason": f"card {CARD} declined"}, "reason"),
        ({"reason": "x" * 301}, "reason"),
        ({"queue": ""}, "queue"),
    ],
)
def test_a_bad_escalation_names_the_field_and_changes_nothing(
    floor: Floor, body: dict[str, str], field: str
) -> None:
    agent_id, headers, call_id = floor.connected()
    refused = _escalate(floor, call_id, headers, **body)
    assert refused.status_code == 422, refused.text
    problem = refused.json()
    assert problem["field"] == field or field in str(problem.get("errors", ""))
    assert CARD not in refused.text
    assert floor.state(agent_id) == "talking"
    interaction = floor.client.get(f"/v1/interactions/{call_id}", headers=headers).json()
    assert interaction["agent_id"] == agent_id


def test_only_the_agent_who_has_the_call_or_a_leader_escalates_it(floor: Floor) -> None:
    agent_id, _headers, call_id = floor.connected()
    _other, other_headers = floor.agent(billing=5)
    taken = _escalate(floor, call_id, other_headers)
    assert taken.status_code == 403 and taken.json()["field"] == "call_id"
    assert floor.state(agent_id) == "talking"
    by_leader = _escalate(floor, call_id, floor.leader)
    assert by_leader.status_code == 200, by_leader.text
    assert floor.state(agent_id) == "after_call_work"
    # Now nobody has it until a supervisor answers: nothing to escalate.
    again = _escalate(floor, call_id, floor.leader, queue="technical")
    assert again.status_code == 409 and again.json()["field"] == "call_id"


def test_a_waiting_or_ended_call_is_not_escalated(floor: Floor) -> None:
    waiting = floor.caller(*BILLING)
    refused = _escalate(floor, waiting, floor.leader)
    assert refused.status_code == 409 and refused.json()["field"] == "call_id"
    assert floor.client.post(f"/v1/ivr/calls/{waiting}/hangup", headers=floor.phone).is_success
    ended = _escalate(floor, waiting, floor.leader)
    assert ended.status_code == 409 and "ended" in ended.json()["detail"]
    missing = _escalate(floor, 999_999, floor.leader)
    assert missing.status_code == 404
