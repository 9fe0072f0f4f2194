"""The end of an IVR walk in a queue over HTTP: the estimated wait from the queue's callers and
agents (their handle time from the state history), the "call me back, keep my place" offer when
it passes the queue's threshold (240 s in the shipped routing file), and the callback made when
the caller accepts, through the same outbound policy gate as every callback: refused for good by
its rule, or held back by OB-WINDOW until the customer's calling hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.inbound.models import IvrWalk
from caredesk.users.models import Role
from tests.api.test_ivr_calls import CALLER, answer, call
from tests.conftest import T0, TokenMaker
from tests.integration.callbacks.builders import DENVER_PHONE, Desk

ABROAD = "+447911123456"


def serving(desk: Desk, skill: str, *, talk: int, wrap: int, busy: bool) -> int:
    """An agent with `skill` who has handled one call (`talk` then `wrap` minutes) and is now
    on another call (`busy`) or Ready."""
    agent_id, headers = desk.agent()
    patched = desk.client.patch(
        f"/v1/agents/{agent_id}", json={"skills": [skill]}, headers=desk.admin
    )
    assert patched.status_code == 200, patched.text
    now = desk.clock.now()
    desk.clock.set(now - timedelta(minutes=talk + wrap + 5))
    desk.state(agent_id, headers, "ready")
    desk.state(agent_id, headers, "talking")
    desk.clock.advance(timedelta(minutes=talk))
    desk.state(agent_id, headers, "after_call_work")
    desk.clock.advance(timedelta(minutes=wrap))
    desk.state(agent_id, headers, "ready")
    desk.clock.set(now)
    if busy:
        desk.state(agent_id, headers, "talking")
    return agent_id


def to_queue(client: TestClient, headers: dict[str, str], number: str, *digits: str) -> Any:
    current = call(client, headers, number=number, language="en")
    for digit in digits:
        response = answer(client, current["id"], headers, digit=digit)
        assert response.status_code == 200, response.text
        current = response.json()
    return current


def test_the_wait_told_follows_the_queue_and_its_agents(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    desk = Desk(client, auth, db, clock)
    phone = auth(Role.AGENT)
    serving(desk, "billing", talk=2, wrap=1, busy=True)
    # One agent, busy, handling a call in 3 minutes on average: about 3 minutes, under the
    # 4-minute threshold, so no offer.
    first = to_queue(client, phone, CALLER, "1")
    assert first["phase"] == "ended"
    wait = first["result"]["estimated_wait"]
    assert (wait["seconds"], wait["kind"], wait["minutes"]) == (180.0, "about", 3)
    assert first["say"][1] == "Your estimated wait is about 3 minutes."
    assert first["result"]["callback_offered"] is False
    # The first caller is still waiting: the next one has one caller ahead.
    second = to_queue(client, phone, CALLER, "1")["result"]["estimated_wait"]
    assert (second["seconds"], second["minutes"]) == (360.0, 6)
    # An agent of another skill changes nothing; a Ready billing agent takes the next caller.
    serving(desk, "technical", talk=2, wrap=1, busy=False)
    serving(desk, "billing", talk=2, wrap=1, busy=False)
    third = to_queue(client, phone, CALLER, "1")["result"]["estimated_wait"]
    assert (third["seconds"], third["kind"], third["minutes"]) == (180.0, "about", 3)
    # A call that ended no longer waits: two ahead, one agent free, instead of three.
    ended = client.post(f"/v1/ivr/calls/{first['id']}/hangup", headers=phone)
    assert ended.status_code == 200, ended.text
    fourth = to_queue(client, phone, CALLER, "1")["result"]["estimated_wait"]
    assert fourth["seconds"] == 180.0


def test_a_long_wait_offers_a_callback_only_on_a_known_account(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    desk = Desk(client, auth, db, clock)
    desk.account()
    phone = auth(Role.AGENT)
    serving(desk, "billing", talk=5, wrap=2, busy=True)
    unknown = to_queue(client, phone, CALLER, "1")
    assert unknown["phase"] == "ended" and unknown["result"]["callback_offered"] is False
    known = to_queue(client, phone, DENVER_PHONE, "1")
    assert known["phase"] == "offer"
    # One caller ahead, one busy agent, 7 minutes a call: 14 minutes, told to the nearest 5.
    assert known["result"]["estimated_wait"]["seconds"] == 840.0
    assert known["result"]["estimated_wait"]["minutes"] == 15
    assert known["result"]["callback_offered"] is True
    assert known["say"][-1].startswith("Instead of holding, we can call you back")
    assert [(c["digit"], c["leads_to"]) for c in known["choices"]] == [
        ("1", "accept"),
        ("2", "decline"),
    ]


def test_accepting_makes_a_queue_callback_that_passed_the_policy_gate(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    desk = Desk(client, auth, db, clock)
    account = desk.account()
    phone = auth(Role.AGENT)
    serving(desk, "billing", talk=5, wrap=2, busy=True)
    offered = to_queue(client, phone, DENVER_PHONE, "1")
    done = answer(client, offered["id"], phone, words="Yes, call me back please").json()
    assert done["phase"] == "ended"
    result = done["result"]
    assert result["outcome"] == "callback" and result["callback_rules"] == []
    assert result["callback_status"] == "awaiting_notification"
    callback = client.get(f"/v1/callbacks/{result['callback_id']}", headers=phone).json()
    assert (callback["origin"], callback["reason"]) == ("queue_callback", "queue_callback")
    assert callback["account_id"] == account["id"]
    assert callback["origin_interaction_id"] == offered["id"]
    assert callback["number"] == DENVER_PHONE
    assert result["callback_due_at"] == callback["due_at"]
    # 12:00 in Denver, inside the calling window: the call comes after the notice's lead time.
    due = datetime.fromisoformat(callback["due_at"])
    assert due == T0 + timedelta(minutes=10)
    assert done["say"] == [
        "Thank you. We will call you back at +13035550123 from 12:10 PM on Tuesday. Goodbye."
    ]
    steps = client.get(f"/v1/ivr/calls/{offered['id']}", headers=phone).json()["steps"]
    assert [(s["menu"], s["kind"], s["accepted"]) for s in steps][-1] == ("offer", "keyword", True)
    # The callback keeps the caller's place: the next caller has it ahead (two turns of 7
    # minutes with one busy agent: 14, told to the nearest 5).
    assert to_queue(client, phone, CALLER, "1")["result"]["estimated_wait"]["minutes"] == 15


def test_declining_or_missing_the_offer_keeps_the_caller_holding(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    desk = Desk(client, auth, db, clock)
    desk.account()
    phone = auth(Role.AGENT)
    serving(desk, "billing", talk=5, wrap=2, busy=True)
    declined = to_queue(client, phone, DENVER_PHONE, "1")
    held = answer(client, declined["id"], phone, digit="2").json()
    assert (held["phase"], held["result"]["outcome"]) == ("ended", "queued")
    assert held["say"] == ["Please stay on the line. You keep your place."]
    assert held["result"]["callback_id"] is None
    missed = to_queue(client, phone, DENVER_PHONE, "1")
    again = answer(client, missed["id"], phone, digit="5").json()
    assert again["phase"] == "offer" and again["say"][0] == "Sorry, that isn't one of the choices."
    assert answer(client, missed["id"], phone, event="no_input").json()["phase"] == "offer"
    last = answer(client, missed["id"], phone, words="what?").json()
    assert (last["phase"], last["result"]["outcome"]) == ("ended", "queued")
    assert answer(client, missed["id"], phone, digit="1").status_code == 409


def test_a_callback_the_policy_refuses_is_named_by_its_rule_and_the_caller_holds(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    desk = Desk(client, auth, db, clock)
    desk.account(phone=ABROAD)
    phone = auth(Role.AGENT)
    serving(desk, "billing", talk=5, wrap=2, busy=True)
    offered = to_queue(client, phone, ABROAD, "1")
    done = answer(client, offered["id"], phone, digit="1").json()
    result = done["result"]
    assert (result["outcome"], result["callback_status"]) == ("queued", "refused")
    assert result["callback_rules"] == ["OB-INTL"]
    assert done["say"] == [
        "Sorry, we cannot schedule that call back.",
        "Please stay on the line. You keep your place.",
    ]


def test_outside_the_calling_window_the_callback_waits_for_it(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    # 23:00 in New York (technical support is open till midnight), 21:00 in Denver: past the
    # customer's calling hours (09:00-20:00).
    late = datetime(2026, 3, 11, 3, 0, tzinfo=UTC)
    clock.set(late)
    desk = Desk(client, auth, db, clock)
    desk.account()
    phone = auth(Role.AGENT)
    serving(desk, "technical", talk=5, wrap=2, busy=True)
    offered = to_queue(client, phone, DENVER_PHONE, "2")
    assert offered["phase"] == "offer"
    done = answer(client, offered["id"], phone, digit="1").json()
    result = done["result"]
    assert result["outcome"] == "callback" and result["callback_rules"] == ["OB-WINDOW"]
    due = datetime.fromisoformat(result["callback_due_at"])
    # Not before 09:00 the next morning in Denver.
    assert due >= datetime(2026, 3, 11, 15, 0, tzinfo=UTC)
    assert "from 9:" in done["say"][0] and "on Wednesday" in done["say"][0]


def test_after_hours_a_closed_queue_offers_a_callback_for_when_it_opens(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 3, 10, 7, 0, tzinfo=UTC))
    desk = Desk(client, auth, db, clock)
    desk.account()
    phone = auth(Role.AGENT)
    offered = to_queue(client, phone, DENVER_PHONE, "1")
    assert offered["phase"] == "offer"
    assert offered["say"] == [
        "Our team is closed right now. We can call you back as soon as we open.",
        "To be called back when we are open, press 1 or say call me back. "
        "Otherwise, press 2 or say no.",
    ]
    assert offered["result"]["outcome"] == "closed"
    done = answer(client, offered["id"], phone, words="call me back").json()
    assert done["result"]["outcome"] == "callback"
    assert done["result"]["callback_rules"] == ["OB-WINDOW"]
    declined = to_queue(client, phone, DENVER_PHONE, "1")
    goodbye = answer(client, declined["id"], phone, words="no").json()
    assert (goodbye["result"]["outcome"], goodbye["say"]) == (
        "closed",
        ["Thank you for calling. Goodbye."],
    )


def test_the_wait_asked_again_counts_only_the_callers_ahead(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    desk = Desk(client, auth, db, clock)
    account = desk.account()
    phone = auth(Role.AGENT)
    serving(desk, "billing", talk=2, wrap=1, busy=True)
    first = to_queue(client, phone, CALLER, "1")
    clock.advance(timedelta(seconds=30))
    second = to_queue(client, phone, CALLER, "1")
    clock.advance(timedelta(seconds=90))
    now = client.get(f"/v1/ivr/calls/{first['id']}/wait", headers=phone).json()
    assert (now["queue"], now["ahead"], now["waited_seconds"]) == ("billing", 0, 120.0)
    assert (now["estimated_wait"]["seconds"], now["estimated_wait"]["minutes"]) == (180.0, 3)
    # Billing re-announces every minute (the shipped queue defaults).
    assert now["next_announcement_at"] == "2026-03-10T18:03:00Z"
    behind = client.get(f"/v1/ivr/calls/{second['id']}/wait", headers=phone).json()
    assert (behind["ahead"], behind["waited_seconds"]) == (1, 90.0)
    assert behind["estimated_wait"]["seconds"] == 360.0
    # Once the first caller hangs up, the second is at the head of the line.
    gone = client.post(f"/v1/ivr/calls/{first['id']}/hangup", headers=phone)
    assert gone.status_code == 200, gone.text
    response = client.get(f"/v1/ivr/calls/{first['id']}/wait", headers=phone)
    assert response.status_code == 409 and response.json()["field"] == "call_id"
    assert client.get(f"/v1/ivr/calls/{second['id']}/wait", headers=phone).json()["ahead"] == 0
    # A call still in the menus is not waiting; another customer's is not found.
    menus = call(client, phone)
    assert client.get(f"/v1/ivr/calls/{menus['id']}/wait", headers=phone).status_code == 409
    customer = auth(Role.CUSTOMER, account_id=account["id"])
    assert client.get(f"/v1/ivr/calls/{second['id']}/wait", headers=customer).status_code == 404


def test_a_spanish_caller_hears_the_offer_and_the_callback_time_in_spanish(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    desk = Desk(client, auth, db, clock)
    desk.account()
    phone = auth(Role.AGENT)
    serving(desk, "billing", talk=5, wrap=2, busy=True)
    started = call(client, phone, number=DENVER_PHONE, language="es")
    offered = answer(client, started["id"], phone, words="factura").json()
    assert offered["phase"] == "offer"
    assert offered["say"][1] == "Su tiempo de espera estimado es de aproximadamente 7 minutos."
    assert offered["say"][2].startswith("En lugar de esperar")
    done = answer(client, started["id"], phone, words="sí, llámeme").json()
    assert done["say"] == [
        "Gracias. Le llamaremos al +13035550123 a partir de las 12:10 del 10/3. Adiós."
    ]


def test_a_number_shared_by_two_accounts_puts_the_call_on_neither(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    desk = Desk(client, auth, db, clock)
    desk.account()
    desk.account()
    phone = auth(Role.AGENT)
    serving(desk, "billing", talk=5, wrap=2, busy=True)
    shared = to_queue(client, phone, DENVER_PHONE, "1")
    assert shared["account_id"] is None
    assert shared["result"]["estimated_wait"]["minutes"] == 7
    # No account to call back: no offer, however long the wait.
    assert (shared["phase"], shared["result"]["callback_offered"]) == ("ended", False)


def test_every_predictors_estimate_is_logged_with_the_one_told(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    desk = Desk(client, auth, db, clock)
    phone = auth(Role.AGENT)
    serving(desk, "billing", talk=2, wrap=1, busy=True)
    first = to_queue(client, phone, CALLER, "1")
    assert first["result"]["estimated_wait"]["predictor"] == "ql"
    clock.advance(timedelta(seconds=60))
    second = to_queue(client, phone, CALLER, "1")
    assert second["result"]["estimated_wait"]["predictor"] == "ql"
    with db.uow() as uow:
        logged = select(IvrWalk.interaction_id, IvrWalk.estimates, IvrWalk.predictor)
        walks = {call: (estimates, told) for call, estimates, told in uow.session.execute(logged)}
        inputs = uow.session.scalar(
            select(IvrWalk.wait_inputs).where(IvrWalk.interaction_id == second["id"])
        )
    # The learned predictor's inputs: a constant, the queue length, the four simple estimates
    # (0 when missing) and which of them were there.
    assert inputs == [1.0, 1.0, 360.0, 360.0, 0.0, 120.0, 1.0, 1.0, 0.0, 1.0]
    # Nobody ahead of the first: head of line has nothing to go on. One ahead of the second,
    # waiting a minute: head of line says 2 minutes, queue length 6.
    assert walks[first["id"]] == ({"ql": 180.0, "ql_m": 180.0, "les": None, "hol": None}, "ql")
    assert walks[second["id"]] == ({"ql": 360.0, "ql_m": 360.0, "les": None, "hol": 120.0}, "ql")
