"""The leader's queues view, on SQLite and PostgreSQL: callers waiting and offered, the longest
wait, agents serving each queue by state, today's answered and abandoned callers with the
service level by the queue's own definition, and the estimate's measured accuracy; the same
figures in the CSV; htmx gets the live part alone."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient

from caredesk.channels.ports import CallEventKind
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.inbound import waits
from caredesk.inbound.waits import HANDLE_SAMPLE
from caredesk.users.models import Role
from tests.api.test_inbound_routing import BILLING, ROUTING, TECHNICAL, Floor
from tests.api.test_ivr_calls import CALLER
from tests.api.test_ivr_waits import serving, to_queue
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import ScriptedGateway
from tests.web.lead_queues_support import takes_callback
from tests.web.support import signed_in

FIGURE = re.compile(r'data-figure="([a-z0-9_-]+)">([^<]*)<')


def row_of(html: str, queue: str) -> dict[str, str]:
    found = re.search(rf'<tr id="queue-{queue}">(.*?)</tr>', html, re.S)
    assert found is not None, queue
    return dict(FIGURE.findall(found.group(1)))


def test_the_queues_view_shows_each_queue_now_and_today(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    floor = Floor(client, auth, db, clock)
    quick, quick_headers = floor.agent(billing=5)
    floor.agent(technical=5)
    # Billing today: one caller answered after 12 s, one who gave up after 40 s.
    answered = floor.caller(*BILLING)
    floor.later(12)
    floor.route()
    offer = floor.offer(quick, quick_headers)
    assert offer["call_id"] == answered
    assert floor.answer(quick, quick_headers, offer, "accept").status_code == 200
    gone = floor.caller(*BILLING)
    floor.later(40)
    assert client.post(f"/v1/ivr/calls/{gone}/hangup", headers=floor.phone).status_code == 200
    # Now: two callers wait for technical support, one of them offered to its agent.
    floor.caller(*TECHNICAL)
    floor.later(30)
    floor.caller(*TECHNICAL)
    floor.later(5)
    floor.route()
    floor.later(3)

    leader = signed_in(db, Role.LEADER)
    page = client.get("/lead/queues", headers=leader.cookie)
    assert page.status_code == 200, page.text
    assert 'href="/lead/queues" aria-current="page"' in page.text
    billing = row_of(page.text, "billing")
    assert (billing["waiting"], billing["answered"], billing["abandoned"]) == ("0", "1", "1")
    # Answered in 12 s against a 20 s target; the 40 s abandon counts as offered.
    assert billing["service-level"] == "50%"
    assert billing["agents-talking"] == "1" and "agents-ready" not in billing
    technical = row_of(page.text, "technical")
    assert (technical["waiting"], technical["offered"]) == ("2", "1")
    assert technical["agents-reserved"] == "1"
    assert 'data-elapsed="38"' in page.text  # the first technical caller, 38 s ago
    assert row_of(page.text, "account")["waiting"] == "0"

    part = client.get("/lead/queues", headers={**leader.cookie, "HX-Request": "true"})
    assert part.status_code == 200 and "<html" not in part.text
    assert row_of(part.text, "technical") == technical

    exported = client.get("/lead/queues.csv", headers=leader.cookie)
    assert exported.status_code == 200
    rows = {row["queue"]: row for row in csv.DictReader(io.StringIO(exported.text))}
    assert (rows["billing"]["answered_today"], rows["billing"]["abandoned_today"]) == ("1", "1")
    assert rows["billing"]["service_level"] == "0.5"
    assert (rows["technical"]["waiting"], rows["technical"]["offered_now"]) == ("2", "1")
    assert rows["technical"]["longest_wait_seconds"] == "38.0"

    agent = signed_in(db, Role.AGENT, agent_id=quick)
    assert client.get("/lead/queues", headers=agent.cookie).status_code in (403, 404)


def test_the_estimates_accuracy_shows_once_callers_are_answered(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    floor = Floor(client, auth, db, clock)
    leader = signed_in(db, Role.LEADER)
    before = row_of(client.get("/lead/queues", headers=leader.cookie).text, "billing")
    assert "accuracy-count" not in before
    busy = serving(floor.desk, "billing", talk=2, wrap=1, busy=True)
    walked = to_queue(client, floor.phone, CALLER, *BILLING)
    assert walked["result"]["estimated_wait"]["seconds"] == 180.0
    headers = floor.desk.auth(Role.AGENT, agent_id=busy)
    floor.later(150)
    floor.desk.state(busy, headers, "after_call_work")
    floor.desk.state(busy, headers, "ready")
    floor.route()
    assert floor.answer(busy, headers, floor.offer(busy, headers), "accept").status_code == 200
    after = row_of(client.get("/lead/queues", headers=leader.cookie).text, "billing")
    # Told 180 s, waited 150 s: 30 s over, within 20% (30 allowed).
    assert (after["accuracy-count"], after["bias"], after["within"]) == ("1", "+30", "100%")
    assert after["rase"] == "0.04"


DENVER = ("+13035550131", "+13035550132", "+13035550133")
HONOLULU = "+18085550131"


def test_the_queues_view_shows_callbacks_held_in_line_and_todays(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    floor = Floor(client, auth, db, clock)
    for number in DENVER:
        floor.desk.account(phone=number)
    floor.desk.account(zone="Pacific/Honolulu", phone=HONOLULU)
    # One technical agent on a 7-minute call: every caller is offered a callback.
    serving(floor.desk, "technical", talk=5, wrap=2, busy=True)
    first = takes_callback(floor, DENVER[0])
    floor.later(1)
    takes_callback(floor, HONOLULU)  # 08:01 in Honolulu: OB-WINDOW until 09:00
    floor.later(1)
    takes_callback(floor, DENVER[1])
    floor.later(1)
    gone = takes_callback(floor, DENVER[2])
    cancelled = client.post(
        f"/v1/callbacks/{gone}/cancel",
        json={"reason": "sorted it online"},
        headers=floor.desk.admin,
    )
    assert cancelled.status_code == 200, cancelled.text
    floor.later(11 * 60)
    floor.desk.notified(first)
    # The first callback's turn: an agent is reserved, dials and the customer answers.
    _, headers = floor.agent(technical=5)
    floor.route()
    floor.desk.use_gateway(ScriptedGateway([CallEventKind.ANSWERED]))
    started = floor.desk.start(first, headers)
    assert started.status_code == 200, started.text
    floor.desk.poll(first, started.json()["id"], headers)
    # The Honolulu callback's turn comes next: put off until its window opens.
    floor.agent(technical=5)
    floor.route()

    leader = signed_in(db, Role.LEADER)
    page = client.get("/lead/queues", headers=leader.cookie)
    assert page.status_code == 200, page.text
    technical = row_of(page.text, "technical")
    # In line: the Denver callback notified and waiting, the Honolulu one put off until its
    # calling window opens (09:00) and the notice's lead after it; its notice not sent yet.
    held = {k: v for k, v in technical.items() if k.startswith("callbacks-")}
    assert held == {
        "callbacks-held": "2",
        "callbacks-put-off": "1",
        "callbacks-next": "19:10 UTC",
        "callbacks-awaiting-notice": "1",
        "callbacks-accepted": "4",
        "callbacks-dialled": "1",
        "callbacks-connected": "1",
        "callbacks-expired": "0",
        "callbacks-cancelled": "1",
    }
    assert 'put off <span class="nowrap">(OB-WINDOW)</span>' in page.text
    assert "callbacks-held" not in row_of(page.text, "billing")

    exported = client.get("/lead/queues.csv", headers=leader.cookie)
    rows = {row["queue"]: row for row in csv.DictReader(io.StringIO(exported.text))}
    assert {k: v for k, v in rows["technical"].items() if k.startswith("callbacks_")} == {
        "callbacks_held": "2",
        "callbacks_put_off": "1",
        "callbacks_next_turn_at": "2026-03-10T19:10:00+00:00",
        "callbacks_awaiting_notice": "1",
        "callbacks_accepted_today": "4",
        "callbacks_dialled_today": "1",
        "callbacks_connected_today": "1",
        "callbacks_expired_today": "0",
        "callbacks_cancelled_today": "1",
    }

    # 240 minutes after the Denver callback could first be dialled, its turn never came.
    floor.later(240 * 60)
    assert floor.route()["queue_callbacks_expired"] == 1
    leader = signed_in(db, Role.LEADER)  # the first session has been idle too long
    later = row_of(client.get("/lead/queues", headers=leader.cookie).text, "technical")
    assert (later["callbacks-expired"], later["callbacks-cancelled"]) == ("1", "1")


@pytest.mark.parametrize("sample", [1, HANDLE_SAMPLE])
def test_every_queues_estimate_is_read_at_once_as_each_would_be_alone(
    client: TestClient,
    auth: TokenMaker,
    db: Database,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
    sample: int,
) -> None:
    # With a sample of one spell, the set's latest is one agent's: the others' are left out.
    monkeypatch.setattr(waits, "HANDLE_SAMPLE", sample)
    floor = Floor(client, auth, db, clock)
    floor.desk.account(phone=DENVER[0])
    serving(floor.desk, "technical", talk=8, wrap=2, busy=True)
    floor.later(120)  # the second agent's spells end after the first's
    serving(floor.desk, "technical", talk=12, wrap=3, busy=True)
    serving(floor.desk, "billing", talk=3, wrap=1, busy=False)
    takes_callback(floor, DENVER[0])
    floor.later(5)
    floor.caller(*TECHNICAL)
    floor.caller(*BILLING)
    floor.later(20)
    floor.caller(*BILLING)
    floor.route()  # the first billing caller is offered to its Ready agent
    with db.uow() as uow:
        now = floor.clock.now()
        together = waits.queue_views(uow, queues=ROUTING.queues, now=now)
        alone = {
            name: waits.queue_view(uow, queue=queue, now=now)
            for name, queue in ROUTING.queues.items()
        }
    assert together == alone
    technical = together["technical"]
    assert (technical.ahead, technical.agents) == (2, 2)  # the callback holds its place
    handle = 15 * 60 if sample == 1 else (8 * 60 + 12 * 60) / 2 + (2 * 60 + 3 * 60) / 2
    assert technical.mean_handle_seconds == handle
    assert together["billing"].ahead == 2 and together["account"].agents == 0
