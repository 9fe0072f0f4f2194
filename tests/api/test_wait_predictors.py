"""Every predictor's accuracy per queue, on the same callers, at GET /v1/queues/wait-accuracy and
/metrics: what a leader reads to see why a queue is told by the predictor it is. And the
estimates logged for a caller joining: QL_m below QL when the queue's callers give up, LES the
wait of the caller last answered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.inbound.models import IvrWalk
from caredesk.users.models import Role
from tests.api.test_inbound_routing import BILLING, Floor
from tests.api.test_ivr_calls import CALLER
from tests.api.test_ivr_waits import serving, to_queue
from tests.api.test_metrics import scrape
from tests.conftest import T0, TokenMaker
from tests.integration.inbound.test_patience import walk


def test_each_predictor_is_measured_on_the_same_callers(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    floor = Floor(client, auth, db, clock)
    # A busy billing agent who handles a call in 3 minutes. Callers join at 0, 60 and 90 s:
    # queue length says 180, 360 and 540 s; head of line nothing, then 60 * 2 and 90 * 3 / 2.
    busy = serving(floor.desk, "billing", talk=2, wrap=1, busy=True)
    calls = []
    for joined in (0, 60, 90):
        floor.clock.set(T0 + timedelta(seconds=joined))
        walked = to_queue(floor.client, floor.phone, CALLER, *BILLING)
        assert walked["result"]["estimated_wait"]["predictor"] == "ql"
        calls.append(int(walked["id"]))
    agent_headers = floor.desk.auth(Role.AGENT, agent_id=busy)
    for call_id, answered in zip(calls, (170, 300, 400), strict=True):
        floor.clock.set(T0 + timedelta(seconds=answered))
        floor.desk.state(busy, agent_headers, "after_call_work")
        floor.desk.state(busy, agent_headers, "ready")
        floor.route()
        offer = floor.offer(busy, agent_headers)
        assert offer["call_id"] == call_id
        floor.answer(busy, agent_headers, offer, "accept")
    figures = floor.client.get("/v1/queues/wait-accuracy", headers=floor.leader).json()
    assert figures["queues"]["billing"]["count"] == 3
    billing = figures["predictors"]["billing"]
    # Compared on the two callers head of line spoke for (waits 240 and 310, mean 275): queue
    # length off by +120 and +230, head of line by -120 and -175.
    assert sorted(billing) == ["hol", "ql", "ql_m"]
    ql, hol = billing["ql"], billing["hol"]
    assert billing["ql_m"] == ql
    assert (ql["count"], ql["mean_actual_seconds"], ql["bias_seconds"]) == (2, 275.0, 175.0)
    assert ql["rase"] == round((120**2 + 230**2) / 2 / 275**2, 4)
    assert (hol["count"], hol["bias_seconds"], hol["within_20"]) == (2, -147.5, 0.0)
    assert hol["rase"] == round((120**2 + 175**2) / 2 / 275**2, 4) < ql["rase"]
    samples = scrape(floor.client, floor.desk.admin)
    labels = (("predictor", "hol"), ("queue", "billing"))
    assert samples[("caredesk_wait_predictor_measured", labels)] == 2
    assert samples[("caredesk_wait_predictor_rase", labels)] == pytest.approx(
        (120**2 + 175**2) / 2 / 275**2
    )
    assert samples[("caredesk_wait_predictor_bias_seconds", labels)] == -147.5
    assert samples[("caredesk_wait_predictor_within_20_ratio", labels)] == 0.0


def test_callers_who_give_up_shorten_ql_m_and_the_last_answered_gives_les(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    floor = Floor(client, auth, db, clock)
    # An hour ago, 20 billing callers in line 30 s each, 3 of whom hung up: 3 / 600 s.
    clock.set(T0 - timedelta(hours=1))
    with db.uow() as uow, uow.atomic():
        for i in range(20):
            walk(uow, clock, "billing", waited=30, abandoned=i in (0, 7, 13))
    clock.set(T0)
    serving(floor.desk, "billing", talk=2, wrap=1, busy=True)
    for _ in range(3):
        to_queue(floor.client, floor.phone, CALLER, *BILLING)
    walked = to_queue(floor.client, floor.phone, CALLER, *BILLING)
    # Told by queue length (no record yet says another is closer): 4 * 180 s.
    told = walked["result"]["estimated_wait"]
    assert (told["predictor"], told["seconds"]) == ("ql", 720.0)
    with db.uow() as uow:
        logged = uow.session.execute(
            select(IvrWalk.estimates).where(IvrWalk.interaction_id == int(walked["id"]))
        ).scalar_one()
    assert logged is not None
    # The callers ahead may give up: 1 / (1/180 + i * 0.005) for i = 0..3 (logged to 0.1 s).
    assert logged["ql_m"] == round(sum(1 / (1 / 180 + i * 0.005) for i in range(4)), 1)
    assert logged["ql_m"] < logged["ql"] == 720.0
    assert logged["les"] == 30.0
