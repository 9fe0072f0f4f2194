"""Inbound queues at work for the dashboard's browser tests, so the Queues page shows real
figures: skilled agents talking, in After-Call Work and on a break, callers answered, one who
gave up and others still waiting, and "call me back, keep my place" callbacks held in line (one
put off by OB-WINDOW until its customer's morning in Guam), dialled and connected, and cancelled.

Everything goes through the API and the routing rounds, on the seeding's fixed clock, and ends
with no skilled agent Ready: a dispatcher round a test runs later offers nobody a caller."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from caredesk.channels.ports import CallEventKind
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.api.test_inbound_routing import BILLING, TECHNICAL, Floor
from tests.api.test_ivr_waits import serving
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import ScriptedGateway
from tests.web.lead_queues_support import takes_callback

DENVER = ("+13035550161", "+13035550162", "+13035550163")
GUAM = "+16715550161"
SPAN = timedelta(minutes=40)


def _answered(floor: Floor, pairs: list[tuple[int, dict[str, str]]]) -> list[int]:
    """A routing round, each agent of `pairs` accepting the caller offered; the call ids."""
    floor.route()
    calls = []
    for agent_id, headers in pairs:
        offer = floor.offer(agent_id, headers)
        assert offer is not None, agent_id
        accepted = floor.answer(agent_id, headers, offer, "accept")
        assert accepted.status_code == 200, accepted.text
        calls.append(int(offer["call_id"]))
    return calls


def _end(floor: Floor, call_id: int, headers: dict[str, str]) -> None:
    ended = floor.client.post(
        f"/v1/ivr/calls/{call_id}/end", json={"disposition": "resolved"}, headers=headers
    )
    assert ended.status_code == 200, ended.text


def seed_queues(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> None:
    """The queues' last 40 minutes up to the clock's instant, where the clock is left: what
    the rest of the floor left due or owed then (a notice to send, a callback due) stays so."""
    end = clock.now()
    clock.set(end - SPAN)
    floor = Floor(client, auth, db, clock)
    desk = floor.desk
    for number in DENVER:
        desk.account(phone=number)
    desk.account(zone="Pacific/Guam", phone=GUAM)

    # Billing: a caller answered at once by the agent who then went on a break; two agents on
    # 5-minute calls, two callers told about 2.5 minutes (the second, with the first ahead,
    # by head of line too: the Wait predictors compare them), each answered when an agent frees
    # up, and one who gave up after 50 s.
    quick = floor.agent(billing=3)
    floor.caller(*BILLING)
    floor.later(6)
    [call] = _answered(floor, [quick])
    floor.later(4 * 60)
    _end(floor, call, quick[1])
    desk.state(*quick, "not_ready_break")
    billing = []
    for _ in range(2):
        agent_id = serving(desk, "billing", talk=4, wrap=1, busy=True)
        billing.append((agent_id, desk.auth(Role.AGENT, agent_id=agent_id)))
    floor.caller(*BILLING)
    floor.later(20)
    floor.caller(*BILLING)
    answered = []
    for pair, wait in zip(billing, (120, 30), strict=True):
        floor.later(wait)  # waited 140 s, then 150 s
        desk.state(*pair, "after_call_work")
        desk.state(*pair, "ready")
        answered += _answered(floor, [pair])
    floor.later(60)
    gone = floor.caller(*BILLING)
    floor.later(50)
    hung_up = client.post(f"/v1/ivr/calls/{gone}/hangup", headers=floor.phone)
    assert hung_up.status_code == 200, hung_up.text

    # Technical: two agents on 10-minute calls, so every caller is offered a callback.
    for _ in range(2):
        serving(desk, "technical", talk=8, wrap=2, busy=True)
    held = [takes_callback(floor, GUAM)]  # 05:00 in Guam: not called before 09:00 there
    for number in DENVER:
        floor.later(30)
        held.append(takes_callback(floor, number))
    cancelled = client.post(
        f"/v1/callbacks/{held[-1]}/cancel",
        json={"reason": "sorted it in the app"},
        headers=desk.admin,
    )
    assert cancelled.status_code == 200, cancelled.text
    assert desk.notified(held[1])["status"] == "scheduled"  # the notices that may go now
    floor.later(15 * 60)
    # A technical agent frees up: Guam's turn is put off, the first Denver callback is dialled.
    _, headers = floor.agent(technical=5)
    floor.route()
    floor.route()
    desk.use_gateway(ScriptedGateway([CallEventKind.ANSWERED]))
    started = desk.start(held[1], headers)
    assert started.status_code == 200, started.text
    assert desk.poll(held[1], started.json()["id"], headers)["result"] == "contact"

    # Now: callers holding for technical support and billing, a billing agent in wrap-up.
    def seconds_before_the_end(seconds: float) -> None:
        assert clock.now() <= end - timedelta(seconds=seconds)
        clock.set(end - timedelta(seconds=seconds))

    for queue, before in ((TECHNICAL, 290), (TECHNICAL, 215), (BILLING, 140), (BILLING, 70)):
        seconds_before_the_end(before)
        floor.caller(*queue)
    seconds_before_the_end(25)
    _end(floor, answered[0], billing[0][1])
    clock.set(end)
