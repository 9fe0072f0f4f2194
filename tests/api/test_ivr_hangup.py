"""The caller hangs up, over HTTP: in the menus the call ends as customer_disconnected and the
walk as hung_up; waiting in a queue it is an abandonment recorded with its time, and the callers
behind move up; either way the hang-up is the walk's last step and the call takes no more input.
A call ended by staff while the caller was in the menus takes none either."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.api.test_ivr_calls import CALLER, answer, call
from tests.api.test_ivr_waits import serving, to_queue
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import Desk


def test_hanging_up_in_the_menus(client: TestClient, auth: TokenMaker, clock: FixedClock) -> None:
    phone = auth(Role.AGENT)
    started = call(client, phone)
    clock.advance(timedelta(seconds=20))
    gone = client.post(f"/v1/ivr/calls/{started['id']}/hangup", headers=phone)
    assert gone.status_code == 200, gone.text
    ended = gone.json()
    assert (ended["phase"], ended["disposition"]) == ("ended", "customer_disconnected")
    assert ended["call_ended_at"] == "2026-03-10T18:00:20Z"
    assert ended["result"] is None  # it went nowhere
    detail = client.get(f"/v1/ivr/calls/{started['id']}", headers=phone).json()
    assert [(s["menu"], s["kind"]) for s in detail["steps"]] == [
        ("language", "start"),
        ("language", "hangup"),
    ]
    again = answer(client, started["id"], phone, digit="1")
    assert again.status_code == 409 and again.json()["field"] == "call_id"
    twice = client.post(f"/v1/ivr/calls/{started['id']}/hangup", headers=phone)
    assert twice.status_code == 409 and twice.json()["field"] == "call_id"


def test_hanging_up_while_waiting_is_an_abandonment_with_its_time(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    desk = Desk(client, auth, db, clock)
    phone = auth(Role.AGENT)
    serving(desk, "billing", talk=2, wrap=1, busy=True)
    first = to_queue(client, phone, CALLER, "1")
    second = to_queue(client, phone, CALLER, "1")
    assert client.get(f"/v1/ivr/calls/{second['id']}/wait", headers=phone).json()["ahead"] == 1
    clock.advance(timedelta(minutes=2))
    gone = client.post(f"/v1/ivr/calls/{first['id']}/hangup", headers=phone).json()
    assert (gone["disposition"], gone["result"]["outcome"]) == ("abandoned", "queued")
    interaction = client.get(f"/v1/interactions/{first['id']}", headers=phone).json()
    assert (interaction["disposition"], interaction["ended_at"]) == (
        "abandoned",
        "2026-03-10T18:02:00Z",
    )
    assert client.get(f"/v1/ivr/calls/{second['id']}/wait", headers=phone).json()["ahead"] == 0


def test_a_call_is_not_ended_by_staff_as_a_bare_interaction_and_once_hung_up_takes_no_input(
    client: TestClient, auth: TokenMaker
) -> None:
    phone = auth(Role.AGENT)
    started = call(client, phone)
    ended = client.patch(
        f"/v1/interactions/{started['id']}", json={"disposition": "dropped"}, headers=phone
    )
    assert ended.status_code == 409, ended.text
    assert ended.json()["endpoint"] == f"/v1/ivr/calls/{started['id']}/hangup"
    assert client.post(f"/v1/ivr/calls/{started['id']}/hangup", headers=phone).status_code == 200
    refused = answer(client, started["id"], phone, digit="1")
    assert refused.status_code == 409 and refused.json()["detail"].endswith("has ended")
    gone = client.post(f"/v1/ivr/calls/{started['id']}/hangup", headers=phone)
    assert gone.status_code == 409


def test_only_the_callers_own_call(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    desk = Desk(client, auth, db, clock)
    mine = auth(Role.CUSTOMER, account_id=desk.account()["id"])
    theirs = auth(Role.CUSTOMER, account_id=desk.account(phone="+13035550199")["id"])
    started = call(client, mine)
    assert client.post(f"/v1/ivr/calls/{started['id']}/hangup", headers=theirs).status_code == 404
    assert client.post(f"/v1/ivr/calls/{started['id']}/hangup", headers=mine).status_code == 200
    assert client.post("/v1/ivr/calls/987654/hangup", headers=mine).status_code == 404
