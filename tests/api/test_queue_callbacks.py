""" "Call me back, keep my place" on the stored path: the queue callback keeps the caller's place
in line (callers who held and came later are served after it, those who came earlier before
it), the callbacks dispatcher leaves it alone until its turn, and at its turn an agent is
reserved to dial it (agent-first) or it is released to be dialled (customer-first), every dial
through the policy gate: a turn outside the customer's calling window is put off naming
OB-WINDOW and dialled when the window opens. A callback never reached expires; the customer
may cancel it; and the queue's abandonment leaves callbacks out. Rounds run at fixed instants,
on SQLite and on PostgreSQL."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from caredesk.callbacks.dispatch.worker import run_once
from caredesk.channels.ports import CallEventKind
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.inbound.routing_round import InboundRouting
from caredesk.reports.floor import callback_figures
from caredesk.reports.queues import queues_now
from caredesk.routing.config import RoutingConfig
from caredesk.routing.config_queues import CallbackMode
from caredesk.users.models import Role
from tests.api.test_inbound_routing import ROUTING, Floor
from tests.api.test_ivr_calls import CALLER, answer
from tests.api.test_ivr_waits import ABROAD, serving, to_queue
from tests.conftest import T0, TokenMaker
from tests.integration.callbacks.builders import DENVER_PHONE, ScriptedGateway
from tests.web.support import signed_in

TECHNICAL = ("2",)
HONOLULU_PHONE = "+18085550123"


@pytest.fixture
def floor(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Floor:
    return Floor(client, auth, db, clock)


def _route(floor: Floor, routing: RoutingConfig = ROUTING) -> dict[str, int]:
    """A routing round judged by the policy in force."""
    [inbound] = [s for s in floor.desk.runtime.round_steps if isinstance(s, InboundRouting)]
    step = dataclasses.replace(inbound, routing=routing)
    counts: dict[str, int] = step(floor.db, now=floor.clock.now(), batch=50)
    return counts


def _dispatch(floor: Floor) -> Any:
    """A callbacks dispatcher round on its own (no routing step)."""
    runtime = dataclasses.replace(floor.desk.runtime, round_steps=())
    return run_once(floor.db, runtime, now=floor.clock.now(), worker_id="callbacks-test")


def _holder(floor: Floor) -> int:
    """A caller on an unknown number (never offered a callback) who holds in technical."""
    walked = to_queue(floor.client, floor.phone, CALLER, *TECHNICAL)
    assert walked["result"]["outcome"] == "queued", walked
    return int(walked["id"])


def _takes_callback(floor: Floor, number: str = DENVER_PHONE) -> tuple[int, dict[str, Any]]:
    """A caller on a known account who takes "call me back, keep my place"."""
    offered = to_queue(floor.client, floor.phone, number, *TECHNICAL)
    assert offered["phase"] == "offer", offered
    done = answer(floor.client, offered["id"], floor.phone, digit="1").json()
    assert done["result"]["outcome"] == "callback", done
    return int(done["result"]["callback_id"]), done


def _busy_floor(floor: Floor, *, denver: bool = True) -> None:
    if denver:
        floor.desk.account()
    # One technical agent on a call, 7 minutes a call: every wait passes the 4-minute offer.
    serving(floor.desk, "technical", talk=5, wrap=2, busy=True)


def _turn_events(floor: Floor, callback_id: int) -> list[dict[str, Any]]:
    return [e for e in floor.desk.events(callback_id) if e["kind"].startswith("queue_")]


def test_a_queue_callback_keeps_its_place_and_an_agent_is_reserved_to_dial_it(
    floor: Floor,
) -> None:
    _busy_floor(floor)
    first = _holder(floor)
    floor.later(10)
    callback_id, done = _takes_callback(floor)
    # Told the queue's estimate for their place (one ahead, 7 minutes each: 12:14 in Denver),
    # not the first instant the policy allows (12:10, the notice's lead time).
    assert floor.desk.get(callback_id)["due_at"] == "2026-03-10T18:10:10Z"
    assert done["say"] == [
        "Thank you. We will call you back at +13035550123 from 12:14 PM on Tuesday. Goodbye."
    ]
    floor.later(10)
    later = _holder(floor)
    # The caller after the callback hears two ahead of them.
    assert floor.client.get(f"/v1/ivr/calls/{later}/wait", headers=floor.phone).json()["ahead"] == 2

    floor.later(11 * 60)
    assert floor.desk.notified(callback_id)["status"] == "scheduled"
    # An agent in Not Ready - Follow-Up is there, yet the dispatcher leaves the held callback.
    follow_up, follow_up_headers = floor.desk.agent()
    floor.desk.follow_up(follow_up, follow_up_headers)
    report = _dispatch(floor)
    assert (report.claimed, report.offered) == (0, 0)
    assert floor.desk.get(callback_id)["status"] == "scheduled"
    floor.desk.state(follow_up, follow_up_headers, "ready")  # not technical: routes nothing

    agent_id, headers = floor.agent(technical=5)
    counts = _route(floor)
    assert (counts["contacts_offered"], counts["queue_callbacks_offered"]) == (1, 0)
    offer = floor.offer(agent_id, headers)
    assert offer["call_id"] == first
    assert floor.answer(agent_id, headers, offer, "accept").status_code == 200
    floor.later(60)
    floor.desk.state(agent_id, headers, "after_call_work")
    floor.desk.state(agent_id, headers, "ready")

    # Its turn, ahead of the caller who came after it: the agent is reserved to dial it.
    counts = _route(floor)
    assert (counts["contacts_offered"], counts["queue_callbacks_offered"]) == (0, 1)
    assert floor.state(agent_id) == "not_ready_follow_up"
    callback = floor.desk.get(callback_id)
    assert (callback["status"], callback["offered_to_agent_id"]) == ("offered", agent_id)
    assert [e["kind"] for e in _turn_events(floor, callback_id)] == ["queue_held", "queue_turn"]
    # The dial is the callbacks' own, through the policy gate.
    floor.desk.use_gateway(ScriptedGateway([CallEventKind.ANSWERED]))
    started = floor.desk.start(callback_id, headers)
    assert started.status_code == 200, started.text
    assert floor.desk.get(callback_id)["status"] == "dialing"
    # The caller who came later is next, not before.
    assert _route(floor)["contacts_offered"] == 0
    assert floor.client.get(f"/v1/ivr/calls/{later}/wait", headers=floor.phone).json()["ahead"] == 0


def test_a_turn_outside_the_customers_window_waits_for_it_then_is_dialled(
    floor: Floor, clock: FixedClock
) -> None:
    # 08:00 in New York (technical support is open), 02:00 in Honolulu.
    clock.set(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))
    floor.desk.account(zone="Pacific/Honolulu", phone=HONOLULU_PHONE)
    _busy_floor(floor, denver=False)
    callback_id, done = _takes_callback(floor, HONOLULU_PHONE)
    assert done["result"]["callback_rules"] == ["OB-WINDOW"]
    # The notice at 09:00 in Honolulu, the call from 09:10: later than the queue's estimate.
    assert "from 9:10 AM on Tuesday" in done["say"][0]
    floor.later(60)
    agent_id, headers = floor.agent(technical=5)
    counts = _route(floor)
    assert (counts["queue_callbacks_put_off"], counts["queue_callbacks_offered"]) == (1, 0)
    assert floor.state(agent_id) == "ready"
    put_off = _turn_events(floor, callback_id)[-1]
    assert (put_off["kind"], put_off["rule_ids"]) == ("queue_put_off", ["OB-WINDOW"])
    assert put_off["facts"]["until"] == "2026-03-10T19:10:00+00:00"
    assert floor.desk.get(callback_id)["status"] == "awaiting_notification"

    clock.set(datetime(2026, 3, 10, 19, 0, tzinfo=UTC))  # 09:00 in Honolulu: the notice goes
    assert floor.desk.notified(callback_id)["status"] == "scheduled"
    assert _route(floor)["queue_callbacks_offered"] == 0  # the call was announced for 09:10
    clock.set(datetime(2026, 3, 10, 19, 10, tzinfo=UTC))
    counts = _route(floor)
    assert counts["queue_callbacks_offered"] == 1
    assert floor.state(agent_id) == "not_ready_follow_up"
    floor.desk.use_gateway(ScriptedGateway([CallEventKind.NO_ANSWER]))
    started = floor.desk.start(callback_id, headers)
    assert started.status_code == 200, started.text


def _customer_first(routing: RoutingConfig) -> RoutingConfig:
    technical = dataclasses.replace(
        routing.queues["technical"], callback_mode=CallbackMode.CUSTOMER_FIRST
    )
    return dataclasses.replace(routing, queues={**routing.queues, "technical": technical})


def _due_on_the_floor(floor: Floor) -> tuple[int, int]:
    with floor.db.uow() as uow:
        figures = callback_figures(uow, now=floor.clock.now(), overdue_after=timedelta(minutes=1))
    return figures.due, figures.overdue


def test_customer_first_releases_the_callback_to_be_dialled_at_its_turn(floor: Floor) -> None:
    _busy_floor(floor)
    callback_id, _ = _takes_callback(floor)
    floor.later(11 * 60)
    floor.desk.notified(callback_id)
    # Holding its place, it is not a callback due (nor overdue) on the floor's figures.
    assert _due_on_the_floor(floor) == (0, 0)
    agent_id, _headers = floor.agent(technical=5)
    counts = _route(floor, _customer_first(ROUTING))
    assert _due_on_the_floor(floor) == (1, 0)
    assert (counts["queue_callbacks_released"], counts["queue_callbacks_offered"]) == (1, 0)
    # No agent was reserved: the dispatcher offers it now to whoever takes callbacks.
    assert floor.state(agent_id) == "ready"
    follow_up, follow_up_headers = floor.desk.agent()
    floor.desk.follow_up(follow_up, follow_up_headers)
    report = _dispatch(floor)
    assert report.offered == 1
    callback = floor.desk.get(callback_id)
    assert (callback["status"], callback["offered_to_agent_id"]) == ("offered", follow_up)


def test_a_callback_never_reached_expires_with_its_reason(floor: Floor) -> None:
    _busy_floor(floor)
    callback_id, _ = _takes_callback(floor)
    # 240 minutes from 12:10 in Denver, the first instant it could be dialled (the notice's
    # lead time after the request).
    floor.later(249 * 60)
    assert _route(floor)["queue_callbacks_expired"] == 0
    floor.later(60)
    assert _route(floor)["queue_callbacks_expired"] == 1
    callback = floor.desk.get(callback_id)
    assert callback["status"] == "cancelled"
    cancelled = floor.desk.events(callback_id)[-1]
    assert cancelled["kind"] == "cancelled"
    assert "within 240 minutes of when it could first be dialled" in cancelled["detail"]
    agent_id, _headers = floor.agent(technical=5)
    assert _route(floor)["queue_callbacks_offered"] == 0
    assert floor.state(agent_id) == "ready"


def test_the_customer_cancels_a_queue_callback_and_it_leaves_the_line(floor: Floor) -> None:
    account = floor.desk.account()
    _busy_floor(floor, denver=False)
    callback_id, _ = _takes_callback(floor)
    # From the portal, like any of their callbacks.
    customer = signed_in(floor.db, Role.CUSTOMER, account_id=int(account["id"]))
    cancelled = floor.client.post(
        f"/portal/callbacks/{callback_id}/cancel",
        data=customer.form(),
        headers=customer.cookie,
        follow_redirects=False,
    )
    assert cancelled.status_code == 303, cancelled.text
    assert floor.desk.get(callback_id)["status"] == "cancelled"
    floor.later(11 * 60)
    agent_id, _headers = floor.agent(technical=5)
    counts = _route(floor)
    assert (counts["queue_callbacks_offered"], counts["queue_callbacks_put_off"]) == (0, 0)
    assert floor.state(agent_id) == "ready"


def test_the_queues_abandonment_leaves_callbacks_out(floor: Floor) -> None:
    _busy_floor(floor)
    callback_id, done = _takes_callback(floor)
    took_callback = int(done["id"])
    held = _holder(floor)
    floor.later(30)
    for call_id in (took_callback, held):
        gone = floor.client.post(f"/v1/ivr/calls/{call_id}/hangup", headers=floor.phone)
        assert gone.status_code == 200, gone.text
    with floor.db.uow() as uow:
        board = queues_now(
            uow,
            routing=ROUTING,
            now=floor.clock.now(),
            since=T0 - timedelta(hours=1),
            until=T0 + timedelta(hours=1),
        )
    [technical] = [item for item in board if item.queue.name == "technical"]
    today = technical.today
    assert (today.answered, today.abandoned, today.callbacks) == (0, 1, 1)
    assert (today.offered, today.abandonment) == (1, 1.0)
    # Hanging up after taking it leaves the callback holding its place.
    assert floor.desk.get(callback_id)["status"] == "awaiting_notification"


def test_a_caller_whose_callback_was_refused_holds_and_is_offered(floor: Floor) -> None:
    floor.desk.account(phone=ABROAD)
    _busy_floor(floor, denver=False)
    offered = to_queue(floor.client, floor.phone, ABROAD, *TECHNICAL)
    done = answer(floor.client, offered["id"], floor.phone, digit="1").json()
    assert (done["result"]["outcome"], done["result"]["callback_rules"]) == ("queued", ["OB-INTL"])
    # Still a caller waiting on the Queues page.
    with floor.db.uow() as uow:
        board = queues_now(
            uow, routing=ROUTING, now=floor.clock.now(), since=T0, until=T0 + timedelta(hours=1)
        )
    assert [item.waiting for item in board if item.queue.name == "technical"] == [1]
    agent_id, headers = floor.agent(technical=5)
    assert _route(floor)["contacts_offered"] == 1
    assert floor.offer(agent_id, headers)["call_id"] == offered["id"]


def test_a_long_held_callback_is_noticed_again_at_its_turn_not_while_it_waits(
    floor: Floor,
) -> None:
    _busy_floor(floor)
    callback_id, _ = _takes_callback(floor)
    floor.later(11 * 60)
    notified = floor.desk.notified(callback_id)
    first_notice = notified["notified_at"]
    # Two hours in line with the dispatcher's rounds: the notice is not sent again meanwhile.
    floor.later(120 * 60)
    floor.desk.advance()
    assert len(floor.desk.outbox()) == 1
    agent_id, headers = floor.agent(technical=5)
    counts = _route(floor)
    assert (counts["queue_callbacks_put_off"], counts["queue_callbacks_offered"]) == (1, 0)
    assert floor.state(agent_id) == "ready"
    put_off = _turn_events(floor, callback_id)[-1]
    assert (put_off["kind"], put_off["rule_ids"]) == ("queue_put_off", ["OB-NOTIFY"])
    assert len(floor.desk.outbox()) == 2
    renoticed = floor.desk.notified(callback_id)
    assert renoticed["notified_at"] != first_notice
    floor.later(10 * 60)
    assert _route(floor)["queue_callbacks_offered"] == 1
    floor.desk.use_gateway(ScriptedGateway([CallEventKind.NO_ANSWER]))
    attempt = floor.desk.start(callback_id, headers)
    assert attempt.status_code == 200, attempt.text
    # Unanswered: OB-ATTEMPTS spaces the next try, which the dispatcher makes like any other.
    assert floor.desk.poll(callback_id, attempt.json()["id"], headers)["result"] == "no_answer"
    after = floor.desk.get(callback_id)
    assert after["status"] == "scheduled"
    assert after["due_at"] == (floor.clock.now() + timedelta(minutes=15)).isoformat().replace(
        "+00:00", "Z"
    )
