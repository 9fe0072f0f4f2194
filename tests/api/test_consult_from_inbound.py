"""Outbound from a live inbound call: a dial names the inbound call the agent is Talking on, the
stored call decides whether the tie holds (OB-STATE's exception), and OB-ALT-NUMBER's Consult
path (Consult with the 10-digit number, end line one, reconnect) is recorded step by step on the
callback and on the inbound call, in order. On SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from caredesk.audit.models import AuditEvent
from caredesk.channels.ports import CallEventKind
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from tests.api.test_inbound_routing import BILLING, Floor
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import ScriptedGateway, refused

ALTERNATE = "3035550188"
ALTERNATE_E164 = "+13035550188"


class Line:
    """One agent Talking on an inbound caller they accepted, and a callback of theirs to dial."""

    def __init__(self, floor: Floor) -> None:
        self.floor = floor
        self.desk = floor.desk
        self.agent_id, self.agent = floor.agent(billing=5)
        account = self.desk.account()
        self.callback_id = int(
            self.desk.request(
                self.agent,
                account_id=account["id"],
                origin="follow_up",
                reason="device_troubleshooting",
                line_of_business="care",
                owner_agent_id=self.agent_id,
            )["id"]
        )
        assert self.desk.notified(self.callback_id)["status"] == "scheduled"
        self.call_id = connect(floor, self.agent_id, self.agent)

    def dial(self, **body: Any) -> Any:
        self.desk.use_gateway(ScriptedGateway([CallEventKind.ANSWERED]))
        return self.desk.start(self.callback_id, self.agent, **body)

    def on_the_line(self) -> None:
        """Dialled tied to the inbound call, answered, name verified and disclosure read."""
        started = self.dial(inbound_call_id=self.call_id)
        assert started.status_code == 200, started.text
        polled = self.desk.poll(self.callback_id, started.json()["id"], self.agent)
        assert polled["result"] == "contact"
        for step in ("verify_name", "disclosure"):
            done = self.step(step)
            assert done.status_code == 200, done.text

    def step(self, step: str, **body: Any) -> Any:
        return self.desk.step(self.callback_id, self.agent, step, **body)

    def inbound(self) -> dict[str, Any]:
        response = self.desk.client.get(f"/v1/interactions/{self.call_id}", headers=self.desk.admin)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def inbound_audit(self) -> list[str]:
        with self.desk.db.uow() as uow:
            return list(
                uow.session.scalars(
                    select(AuditEvent.action)
                    .where(
                        AuditEvent.subject_type == "interaction",
                        AuditEvent.subject_id == str(self.call_id),
                    )
                    .order_by(AuditEvent.id)
                )
            )


def connect(floor: Floor, agent_id: int, headers: dict[str, str]) -> int:
    """A caller waits in billing, is offered to the agent and accepted: the agent is Talking."""
    call_id = floor.caller(*BILLING)
    floor.later(5)
    assert floor.route()["contacts_offered"] == 1
    offer = floor.offer(agent_id, headers)
    assert offer["call_id"] == call_id
    accepted = floor.answer(agent_id, headers, offer, "accept")
    assert accepted.status_code == 200, accepted.text
    assert floor.state(agent_id) == "talking"
    return call_id


@pytest.fixture
def line(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Line:
    return Line(Floor(client, auth, db, clock))


def _problem(response: Any, status: int, field: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["field"] == field, body
    return body


# --- the dial and OB-STATE's exception ---------------------------------------------------
def _ob_state(decision: dict[str, Any]) -> dict[str, Any]:
    found = [r for r in decision["failed"] + decision["passed"] if r["rule_id"] == "OB-STATE"]
    assert len(found) == 1, decision
    return found[0]


def test_a_dial_tied_to_the_live_inbound_call_goes_out_from_talking(line: Line) -> None:
    # Asked beforehand, the dial from the inbound call passes OB-STATE, naming the call.
    untied = _ob_state(line.desk.why(line.callback_id, agent_id=line.agent_id))
    assert untied["passed"] is False
    tied = _ob_state(
        line.desk.why(line.callback_id, agent_id=line.agent_id, inbound_call_id=line.call_id)
    )
    assert tied["passed"] is True
    assert tied["sentence"] == (
        f"the call is tied to inbound call {line.call_id}, live with agent {line.agent_id} "
        "in Talking (Consult)"
    )
    started = line.dial(inbound_call_id=line.call_id)
    assert started.status_code == 200, started.text
    assert line.floor.state(line.agent_id) == "talking"
    dialing = [e for e in line.desk.events(line.callback_id) if e["kind"] == "dialing"][-1]
    assert dialing["facts"]["inbound_call_id"] == line.call_id
    assert "OB-STATE" in dialing["rule_ids"]
    assert f"tied to inbound call {line.call_id}" in dialing["detail"]
    assert line.inbound_audit()[-1] == "inbound.outbound_call_tied"
    # The inbound call goes on: nothing about it changed.
    assert line.inbound()["ended_at"] is None


def test_without_naming_the_inbound_call_talking_is_refused_by_ob_state(line: Line) -> None:
    body = refused(line.dial(), "OB-STATE")
    assert body["field"] == "step"
    # The tie is never a flag the client sets.
    flagged = line.dial(on_inbound_call=True)
    assert flagged.status_code == 422, flagged.text
    assert line.desk.get(line.callback_id)["status"] == "scheduled"


def test_a_dial_naming_an_ended_inbound_call_is_refused(line: Line) -> None:
    # The caller hangs up on the agent.
    ended = line.desk.client.post(f"/v1/ivr/calls/{line.call_id}/hangup", headers=line.desk.admin)
    assert ended.status_code == 200, ended.text
    body = refused(line.dial(inbound_call_id=line.call_id), "OB-STATE")
    assert body["field"] == "inbound_call_id"
    assert f"inbound call {line.call_id} ended at " in body["detail"]
    assert line.desk.get(line.callback_id)["status"] == "scheduled"
    # The refusal is on the callback's record with the call it named.
    last = line.desk.events(line.callback_id)[-1]
    assert (last["kind"], last["facts"]["inbound_call_id"]) == ("refused", line.call_id)


def test_a_dial_naming_another_agents_inbound_call_is_refused(line: Line) -> None:
    other_id, other = line.floor.agent(billing=5)
    theirs = connect(line.floor, other_id, other)
    body = refused(line.dial(inbound_call_id=theirs), "OB-STATE")
    assert body["field"] == "inbound_call_id"
    assert (
        f"inbound call {theirs} is connected to agent {other_id}, not to agent " in (body["detail"])
    )
    # Not from Not Ready - Follow-Up either: naming a call is a claim the record must bear out.
    line.desk.state(line.agent_id, line.agent, "after_call_work")
    line.desk.follow_up(line.agent_id, line.agent)
    refused(line.dial(inbound_call_id=theirs), "OB-STATE")
    assert line.dial().status_code == 200


def test_a_dial_naming_the_call_while_the_agent_is_not_talking_is_refused(line: Line) -> None:
    line.desk.state(line.agent_id, line.agent, "after_call_work")
    body = refused(line.dial(inbound_call_id=line.call_id), "OB-STATE")
    assert body["field"] == "inbound_call_id"
    assert "is in After-Call Work, not Talking on inbound call" in body["detail"]


def test_a_dial_naming_no_inbound_call_is_a_problem_naming_the_field(line: Line) -> None:
    _problem(line.dial(inbound_call_id=987654), 404, "inbound_call_id")
    dropped = line.desk.dropped_call(line.desk.account(), line.agent_id, line.agent)
    body = _problem(line.dial(inbound_call_id=dropped), 422, "inbound_call_id")
    assert "another account" in body["detail"]
    _problem(line.dial(inbound_call_id=0), 422, "inbound_call_id")


# --- the Consult path ----------------------------------------------------------------------
def test_consult_end_line_one_and_reconnect_in_order(line: Line) -> None:
    line.on_the_line()
    consulted = line.step("consult", alternate_number=ALTERNATE)
    assert consulted.status_code == 200, consulted.text
    assert consulted.json()["kind"] == "consulted"
    assert sorted(consulted.json()["rule_ids"]) == [
        "OB-ALT-NUMBER",
        "OB-DISCLOSURE",
        "OB-VERIFY-NAME",
    ]
    assert consulted.json()["required_steps"] == [
        f"Return to line one and end the inbound call (inbound call {line.call_id})",
        "Reconnect to the outbound call",
    ]
    ended = line.step("end_line_one")
    assert ended.status_code == 200, ended.text
    inbound = line.inbound()
    assert inbound["disposition"] == "transferred" and inbound["ended_at"] is not None
    back = line.step("reconnect")
    assert back.status_code == 200, back.text
    assert back.json()["callback_status"] == "in_call"
    assert line.floor.state(line.agent_id) == "talking"

    events = {e["kind"]: e for e in line.desk.events(line.callback_id)}
    assert events["consulted"]["facts"]["consulted_number"] == ALTERNATE_E164
    assert events["consulted"]["facts"]["dial_string"] == ALTERNATE
    assert events["line_one_ended"]["facts"]["inbound_call_id"] == line.call_id
    assert events["reconnected"]["facts"]["inbound_call_id"] == line.call_id
    assert line.inbound_audit()[-5:] == [
        "inbound.outbound_call_tied",
        "inbound.consulted",
        "interaction.ended",
        "inbound.line_one_ended",
        "inbound.reconnected",
    ]
    # The number the customer gave is theirs now, with its provenance.
    account = line.desk.get(line.callback_id)["account_id"]
    people = line.desk.client.get(f"/v1/accounts/{account}", headers=line.desk.admin).json()
    numbers = [c["value"] for p in people["people"] for c in p["contact_points"]]
    assert ALTERNATE_E164 in numbers
    # Nothing twice.
    for step in ("consult", "end_line_one", "reconnect"):
        again = refused(line.step(step, alternate_number=ALTERNATE), "OB-ALT-NUMBER")
        assert again["field"] == "step"


@pytest.mark.parametrize("step", ["end_line_one", "reconnect"])
def test_ending_line_one_or_reconnecting_before_consult_is_refused(line: Line, step: str) -> None:
    line.on_the_line()
    body = refused(line.step(step), "OB-ALT-NUMBER")
    assert body["rule_ids"] == ["OB-ALT-NUMBER"]
    assert body["detail"].startswith(f"{step} refused by OB-ALT-NUMBER: press Consult")
    assert line.inbound()["ended_at"] is None
    assert line.desk.events(line.callback_id)[-1]["kind"] == "refused"


def test_reconnecting_before_line_one_ends_is_refused(line: Line) -> None:
    line.on_the_line()
    assert line.step("consult", alternate_number=ALTERNATE_E164).status_code == 200
    body = refused(line.step("reconnect"), "OB-ALT-NUMBER")
    assert f"line one (inbound call {line.call_id}) is still live" in body["detail"]


@pytest.mark.parametrize("number", ["303555018", "303-555-0188", "+442071234567", "+10005550188"])
def test_consult_takes_a_10_digit_us_number_or_its_e164_form(line: Line, number: str) -> None:
    line.on_the_line()
    _problem(line.step("consult", alternate_number=number), 422, "alternate_number")
    assert line.desk.events(line.callback_id)[-1]["kind"] == "disclosure_read"


def test_consult_on_a_call_not_tied_to_an_inbound_call_is_refused(line: Line) -> None:
    line.desk.state(line.agent_id, line.agent, "after_call_work")
    line.desk.follow_up(line.agent_id, line.agent)
    started = line.dial()
    assert started.status_code == 200, started.text
    line.desk.poll(line.callback_id, started.json()["id"], line.agent)
    for step in ("verify_name", "disclosure"):
        assert line.step(step).status_code == 200
    body = refused(line.step("consult", alternate_number=ALTERNATE), "OB-ALT-NUMBER")
    assert "this call names no inbound call: Consult is for a call tied" in body["detail"]


def test_without_an_alternate_number_guided_troubleshooting_continues(line: Line) -> None:
    line.on_the_line()
    body = refused(line.step("consult"), "OB-ALT-NUMBER")
    assert [s["label"] for s in body["decision"]["required_steps"]] == [
        "Continue with guided troubleshooting"
    ]
    given = line.step("alternate_number", device_being_called=True)
    assert given.status_code == 200, given.text
    assert given.json()["required_steps"] == ["Continue with guided troubleshooting"]
    guided = line.step("troubleshoot", device_being_called=True)
    assert guided.status_code == 200, guided.text
    assert guided.json()["kind"] == "troubleshooting"
    assert line.inbound()["ended_at"] is None


def test_a_new_outbound_call_started_from_the_live_inbound_call(line: Line) -> None:
    """The agent asks for a callback on the call in front of them and dials it from there."""
    account = line.desk.get(line.callback_id)["account_id"]
    made = line.desk.request(
        line.agent,
        account_id=account,
        origin="follow_up",
        reason="device_troubleshooting",
        line_of_business="care",
        owner_agent_id=line.agent_id,
        interaction_id=line.call_id,
    )
    assert made["origin_interaction_id"] == line.call_id
    assert line.desk.notified(made["id"])["status"] == "scheduled"
    line.desk.use_gateway(ScriptedGateway([CallEventKind.ANSWERED]))
    started = line.desk.start(made["id"], line.agent, inbound_call_id=line.call_id)
    assert started.status_code == 200, started.text
    dialing = [e for e in line.desk.events(made["id"]) if e["kind"] == "dialing"][-1]
    assert dialing["facts"]["inbound_call_id"] == line.call_id
