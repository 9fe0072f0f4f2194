"""Inbound routing on the stored path: waiting callers are offered to Ready agents by the real
routing decision, each offer reserves its agent until it is accepted, declined or runs out, and
the wait that followed the estimate told at entry is measured. Every test runs a routing round
at a fixed instant (the dispatcher's step), on SQLite and on PostgreSQL."""

from __future__ import annotations

import dataclasses
import threading
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from caredesk.agents.models import AgentStateChange
from caredesk.callbacks.dispatch.worker import run_once
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.inbound.models import InboundOffer, IvrWalk
from caredesk.inbound.routing_round import (
    InboundRouting,
    load_snapshot,
    route_snapshot,
    route_waiting,
)
from caredesk.live.models import LiveEvent
from caredesk.routing.config import RoutingConfig
from caredesk.routing.config_file import load_routing
from caredesk.routing.model import Snapshot
from caredesk.routing.wait_accuracy import WITHIN
from caredesk.users.models import Role
from tests.api.test_ivr_calls import CALLER
from tests.api.test_ivr_waits import serving, to_queue
from tests.api.test_metrics import scrape
from tests.conftest import T0, TokenMaker
from tests.integration.callbacks.builders import Desk

ROUTING = load_routing()
BILLING = ("1",)
TECHNICAL = ("2",)
BUSINESS = ("4", "1")  # business accounts, priority 2 from the menu


class Floor:
    """The callers' phone, the agents and the routing rounds of one test."""

    def __init__(self, client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock):
        self.desk = Desk(client, auth, db, clock)
        self.client, self.db, self.clock = client, db, clock
        self.phone = auth(Role.AGENT)
        self.leader = auth(Role.LEADER)

    def agent(self, **levels: int) -> tuple[int, dict[str, str]]:
        """A Ready agent with these skill levels."""
        agent_id, headers = self.desk.agent()
        patched = self.client.patch(
            f"/v1/agents/{agent_id}", json={"skill_levels": levels}, headers=self.desk.admin
        )
        assert patched.status_code == 200, patched.text
        assert patched.json()["skill_levels"] == levels
        self.desk.state(agent_id, headers, "ready")
        return agent_id, headers

    def caller(self, *digits: str) -> int:
        """A caller who walks the menus into a queue now; their call id."""
        walked = to_queue(self.client, self.phone, CALLER, *digits)
        assert walked["result"]["outcome"] == "queued", walked
        return int(walked["id"])

    def route(self, routing: RoutingConfig = ROUTING) -> dict[str, int]:
        return InboundRouting(routing)(self.db, now=self.clock.now(), batch=50)

    def offer(self, agent_id: int, headers: dict[str, str]) -> Any:
        response = self.client.get(f"/v1/agents/{agent_id}/offer", headers=headers)
        assert response.status_code == 200, response.text
        return response.json()["offer"]

    def answer(self, agent_id: int, headers: dict[str, str], offer: Any, verb: str) -> Any:
        return self.client.post(
            f"/v1/agents/{agent_id}/offer/{verb}",
            json={"offer_id": offer["offer_id"]},
            headers=headers,
        )

    def state(self, agent_id: int) -> str:
        response = self.client.get(f"/v1/agents/{agent_id}/state", headers=self.desk.admin)
        return str(response.json()["state"])

    def later(self, seconds: float) -> None:
        self.clock.advance(timedelta(seconds=seconds))

    def connected(self) -> tuple[int, dict[str, str], int]:
        """A billing agent who has answered a caller: (agent, their headers, call id)."""
        agent_id, headers = self.agent(billing=5)
        call_id = self.caller(*BILLING)
        self.later(10)
        assert self.route()["contacts_offered"] == 1
        accepted = self.answer(agent_id, headers, self.offer(agent_id, headers), "accept")
        assert accepted.status_code == 200, accepted.text
        return agent_id, headers, call_id


@pytest.fixture
def floor(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Floor:
    return Floor(client, auth, db, clock)


def test_an_offer_made_by_the_routing_decision_is_accepted_and_connects(floor: Floor) -> None:
    agent_id, headers = floor.agent(billing=5)
    call_id = floor.caller(*BILLING)
    assert floor.offer(agent_id, headers) is None
    floor.later(10)
    assert floor.route()["contacts_offered"] == 1
    assert floor.state(agent_id) == "reserved"
    offer = floor.offer(agent_id, headers)
    assert (offer["call_id"], offer["queue"], offer["status"]) == (call_id, "billing", "offered")
    assert offer["waited_seconds"] == 10.0
    assert offer["expires_at"] == "2026-03-10T18:00:30Z"  # reservation_seconds = 20
    assert [(step["menu"], step["kind"], step["value"]) for step in offer["path"]] == [
        ("main", "start", ""),
        ("main", "digit", "1"),
    ]
    with floor.db.uow() as uow:
        kinds = list(
            uow.session.scalars(select(LiveEvent.kind).where(LiveEvent.agent_id == agent_id))
        )
    assert "agent.contact_offered" in kinds
    # Nobody else is waiting, and the caller is not offered twice.
    assert floor.route()["contacts_offered"] == 0

    floor.later(5)
    accepted = floor.answer(agent_id, headers, offer, "accept")
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["status"], accepted.json()["waited_seconds"]) == ("accepted", 15.0)
    assert floor.state(agent_id) == "talking"
    interaction = floor.client.get(f"/v1/interactions/{call_id}", headers=headers).json()
    assert interaction["agent_id"] == agent_id
    with floor.db.uow() as uow:
        walk = uow.session.scalar(select(IvrWalk).where(IvrWalk.interaction_id == call_id))
        assert walk is not None
        assert (walk.waited_seconds, walk.answered_at) == (15.0, floor.clock.now())
    # Answered: a hang-up now is no abandonment, it ends the call and the agent's wrap-up starts.
    gone = floor.client.post(f"/v1/ivr/calls/{call_id}/hangup", headers=floor.phone)
    assert gone.status_code == 200, gone.text
    assert gone.json()["disposition"] == "customer_disconnected"
    assert floor.state(agent_id) == "after_call_work"
    again = floor.answer(agent_id, headers, offer, "accept")
    assert again.status_code == 409 and again.json()["field"] == "offer_id"


def test_the_skill_level_stored_decides_when_an_agent_may_take_the_caller(floor: Floor) -> None:
    # Billing's steps: level >= 3 at once, >= 2 after 30 s, anyone with the skill after 60 s.
    junior, headers = floor.agent(billing=2)
    floor.caller(*BILLING)
    floor.later(29)
    assert floor.route()["contacts_offered"] == 0
    floor.later(1)
    assert floor.route()["contacts_offered"] == 1
    assert floor.offer(junior, headers)["waited_seconds"] == 30.0


def test_an_offer_that_runs_out_requeues_the_caller_at_the_same_place(floor: Floor) -> None:
    away, away_headers = floor.agent(billing=5)
    first = floor.caller(*BILLING)
    floor.later(5)
    second = floor.caller(*BILLING)
    floor.later(5)
    assert floor.route()["contacts_offered"] == 1
    missed = floor.offer(away, away_headers)
    assert missed["call_id"] == first
    floor.later(21)
    back, back_headers = floor.agent(billing=5)
    counts = floor.route()
    assert (counts["contact_offers_missed"], counts["contacts_offered"]) == (1, 1)
    # The agent who missed it is Not Ready, with the reason in their history.
    assert floor.state(away) == "not_ready_missed_offer"
    with floor.db.uow() as uow:
        last = uow.session.scalar(
            select(AgentStateChange)
            .where(AgentStateChange.agent_id == away)
            .order_by(AgentStateChange.id.desc())
            .limit(1)
        )
        assert last is not None and (last.from_state, last.reason) == ("reserved", "missed offer")
    # The first caller is still first (their arrival kept), ahead of the one who came later.
    offer = floor.offer(back, back_headers)
    assert (offer["call_id"], offer["waited_seconds"]) == (first, 31.0)
    late = floor.answer(away, away_headers, missed, "accept")
    assert late.status_code == 409
    assert late.json()["detail"] == "the offer is no longer open (it was missed)"
    assert floor.answer(back, back_headers, offer, "accept").status_code == 200
    # The agent comes back; the second caller goes to them.
    floor.desk.state(away, away_headers, "ready")
    assert floor.route()["contacts_offered"] == 1
    assert floor.offer(away, away_headers)["call_id"] == second


def test_an_agent_who_declines_is_ready_and_the_caller_keeps_their_place(floor: Floor) -> None:
    agent_id, headers = floor.agent(billing=5)
    floor.later(1)
    other, other_headers = floor.agent(billing=5)
    call_id = floor.caller(*BILLING)
    floor.route()
    assert floor.offer(other, other_headers) is None
    floor.later(1)
    declined = floor.answer(agent_id, headers, floor.offer(agent_id, headers), "decline")
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    assert floor.state(agent_id) == "ready"
    floor.later(3)
    floor.route()
    # The other agent has been idle longer than the one who just declined.
    assert floor.offer(agent_id, headers) is None
    assert floor.offer(other, other_headers)["call_id"] == call_id


@pytest.mark.parametrize(("gap", "first"), [(100, "business"), (130, "billing")])
def test_a_business_caller_who_came_later_goes_first_only_within_its_offset(
    floor: Floor, gap: int, first: str
) -> None:
    # Two priority points at 60 s each: a business caller counts as having waited 120 s more.
    agent_id, headers = floor.agent(billing=5, business=5)
    floor.desk.state(agent_id, headers, "not_ready_break")
    billing = floor.caller(*BILLING)
    floor.later(gap)
    business = floor.caller(*BUSINESS)
    floor.later(1)
    floor.desk.state(agent_id, headers, "ready")
    floor.route()
    expected = {"billing": billing, "business": business}[first]
    assert floor.offer(agent_id, headers)["call_id"] == expected


def test_an_agent_of_two_queues_gets_the_longest_waiting_caller(floor: Floor) -> None:
    both, headers = floor.agent(billing=5, technical=5)
    floor.desk.state(both, headers, "not_ready_break")
    technical = floor.caller(*TECHNICAL)
    floor.later(20)
    floor.caller(*BILLING)
    floor.later(20)
    floor.desk.state(both, headers, "ready")
    floor.route()
    assert floor.offer(both, headers)["call_id"] == technical


def test_hanging_up_while_offered_is_an_abandonment_and_frees_the_agent(floor: Floor) -> None:
    agent_id, headers = floor.agent(billing=5)
    call_id = floor.caller(*BILLING)
    floor.later(8)
    floor.route()
    offer = floor.offer(agent_id, headers)
    floor.later(4)
    gone = floor.client.post(f"/v1/ivr/calls/{call_id}/hangup", headers=floor.phone)
    assert gone.status_code == 200, gone.text
    assert gone.json()["disposition"] == "abandoned"
    assert gone.json()["call_ended_at"] == "2026-03-10T18:00:12Z"
    assert floor.state(agent_id) == "ready"
    assert floor.offer(agent_id, headers) is None
    refused = floor.answer(agent_id, headers, offer, "accept")
    assert refused.status_code == 409
    assert refused.json()["detail"] == "the offer is no longer open (it was withdrawn)"
    assert floor.route()["contacts_offered"] == 0


def test_rounds_deciding_on_the_same_snapshot_never_offer_twice(floor: Floor) -> None:
    one, _ = floor.agent(billing=5)
    two, _ = floor.agent(billing=5)
    first = floor.caller(*BILLING)
    floor.later(2)
    floor.caller(*BILLING)
    floor.later(2)
    with floor.db.uow() as uow:
        seen_by_a = load_snapshot(uow, queues=ROUTING.queues)
    with floor.db.uow() as uow:
        seen_by_b = load_snapshot(uow, queues=ROUTING.queues)
    now = floor.clock.now()
    made = route_snapshot(floor.db, seen_by_a, routing=ROUTING, now=now)
    assert (len(made.offered), made.lost) == (2, 0)
    # The same decision again: every caller is offered already, every agent Reserved.
    again = route_snapshot(floor.db, seen_by_b, routing=ROUTING, now=now)
    assert (again.offered, again.lost) == ([], 2)
    # A round that did not see the first caller pairs the second with the agent who is
    # Reserved for the first: the agent's state version refuses it.
    partial = dataclasses.replace(
        seen_by_b,
        snapshot=Snapshot(
            agents=seen_by_b.snapshot.agents,
            contacts=tuple(c for c in seen_by_b.snapshot.contacts if c.id != str(first)),
        ),
    )
    late = route_snapshot(floor.db, partial, routing=ROUTING, now=now)
    assert (late.offered, late.lost) == ([], 1)
    with floor.db.uow() as uow:
        open_offers = uow.session.execute(
            select(InboundOffer.agent_id, InboundOffer.walk_id).where(
                InboundOffer.status == "offered"
            )
        ).all()
    assert sorted(agent for agent, _ in open_offers) == [one, two]
    assert len({walk for _, walk in open_offers}) == 2


def test_the_database_refuses_a_second_open_offer_for_one_agent(floor: Floor) -> None:
    agent_id, _ = floor.agent(billing=5)
    calls = [floor.caller(*BILLING), floor.caller(*BILLING)]
    now = floor.clock.now()
    with floor.db.uow() as uow:
        walks = list(uow.session.scalars(select(IvrWalk).order_by(IvrWalk.id)))
        for walk, call_id in zip(walks, calls, strict=True):
            uow.session.add(
                InboundOffer(
                    walk_id=walk.id,
                    call_id=call_id,
                    agent_id=agent_id,
                    queue="billing",
                    status="offered",
                    waited_seconds=0.0,
                    min_level=3,
                    as_secondary=False,
                    offered_at=now,
                    expires_at=now + timedelta(seconds=20),
                )
            )
        with pytest.raises(IntegrityError):
            uow.flush()


def test_routing_rounds_run_at_once_offer_each_caller_and_agent_once(floor: Floor) -> None:
    agents = [floor.agent(billing=5)[0] for _ in range(3)]
    for _ in range(5):
        floor.caller(*BILLING)
    floor.later(1)
    now = floor.clock.now()
    start = threading.Barrier(3)
    made: list[int] = []
    lost: list[int] = []

    def round_() -> None:
        start.wait(timeout=30)
        report = route_waiting(floor.db, routing=ROUTING, now=now)
        made.extend(report.offered)
        lost.append(report.lost)

    workers = [threading.Thread(target=round_) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert len(made) == 3
    with floor.db.uow() as uow:
        rows = uow.session.execute(
            select(InboundOffer.agent_id, func.count()).group_by(InboundOffer.agent_id)
        ).all()
        walks = uow.session.execute(
            select(InboundOffer.walk_id, func.count()).group_by(InboundOffer.walk_id)
        ).all()
    assert sorted(agent for agent, _ in rows) == agents
    assert {count for _, count in rows} == {1}
    assert {count for _, count in walks} == {1}


def test_the_dispatcher_round_routes_waiting_callers(floor: Floor) -> None:
    agent_id, headers = floor.agent(billing=5)
    floor.caller(*BILLING)
    runtime = dataclasses.replace(floor.desk.runtime, round_steps=(InboundRouting(ROUTING),))
    report = run_once(floor.db, runtime, now=floor.clock.now(), worker_id="router-test")
    assert report.failed_steps == []
    assert (report.contacts_offered, report.contact_offers_lost) == (1, 0)
    assert floor.offer(agent_id, headers) is not None


def test_the_estimate_told_is_measured_against_the_wait_that_followed(floor: Floor) -> None:
    # A busy billing agent who handles a call in 3 minutes: the first caller is told 3 minutes,
    # the second 6.
    busy = serving(floor.desk, "billing", talk=2, wrap=1, busy=True)
    told = []
    calls = []
    for _ in range(2):
        walked = to_queue(floor.client, floor.phone, CALLER, *BILLING)
        told.append(walked["result"]["estimated_wait"]["seconds"])
        calls.append(int(walked["id"]))
    assert told == [180.0, 360.0]
    agent_headers = floor.desk.auth(Role.AGENT, agent_id=busy)
    waits = [170.0, 500.0]
    for call_id, waited in zip(calls, waits, strict=True):
        floor.clock.set(T0 + timedelta(seconds=waited))
        floor.desk.state(busy, agent_headers, "after_call_work")
        floor.desk.state(busy, agent_headers, "ready")
        floor.route()
        offer = floor.offer(busy, agent_headers)
        assert offer["call_id"] == call_id
        accepted = floor.answer(busy, agent_headers, offer, "accept")
        assert accepted.json()["waited_seconds"] == waited
    # Estimates 180 and 360 against waits of 170 and 500: errors +10 and -140.
    report = floor.client.get("/v1/queues/wait-accuracy", headers=floor.leader)
    assert report.status_code == 200, report.text
    figures = report.json()
    assert figures["overall"] == figures["queues"]["billing"]
    assert figures["overall"]["count"] == 2
    assert figures["overall"]["mean_actual_seconds"] == 335.0
    assert figures["overall"]["bias_seconds"] == -65.0
    # Mean squared error (100 + 19,600) / 2 over the squared mean wait 335².
    assert figures["overall"]["rase"] == round(9850 / 335**2, 4) == 0.0878
    # 10 s off a 170 s wait is within 20%; 140 s off 500 s is not (100 s allowed).
    assert WITHIN == 0.2 and figures["overall"]["within_20"] == 0.5
    refused = floor.client.get("/v1/queues/wait-accuracy", headers=agent_headers)
    assert refused.status_code == 403
    # The same figures over the last 24 hours at /metrics.
    samples = scrape(floor.client, floor.desk.admin)
    assert samples[("caredesk_wait_estimate_measured", ())] == 2
    assert samples[("caredesk_wait_estimate_rase", ())] == pytest.approx(9850 / 335**2)
    assert samples[("caredesk_wait_estimate_bias_seconds", ())] == -65.0
    assert samples[("caredesk_wait_estimate_within_20_ratio", ())] == 0.5
    assert samples[("caredesk_inbound_offers", (("status", "accepted"),))] == 2
    assert samples[("caredesk_inbound_offers", (("status", "offered"),))] == 0


def test_skill_levels_are_kept_per_skill_and_checked(floor: Floor) -> None:
    agent_id, _ = floor.desk.agent()
    admin = floor.desk.admin
    made = floor.client.patch(
        f"/v1/agents/{agent_id}", json={"skills": ["billing", "care"]}, headers=admin
    ).json()
    assert made["skill_levels"] == {"billing": 5, "care": 5}
    raised = floor.client.patch(
        f"/v1/agents/{agent_id}", json={"skill_levels": {"Billing": 8}}, headers=admin
    ).json()
    assert (raised["skills"], raised["skill_levels"]) == (
        ["billing", "care"],
        {"billing": 8, "care": 5},
    )
    refused = floor.client.patch(
        f"/v1/agents/{agent_id}", json={"skill_levels": {"billing": 11}}, headers=admin
    )
    assert refused.status_code == 422, refused.text
    assert "skill_levels" in refused.text


def test_a_caller_moved_by_a_waited_over_rule_keeps_their_place(floor: Floor) -> None:
    # Billing sends a caller who has waited 8 minutes to general care.
    moved = floor.caller(*BILLING)
    floor.later(30)
    care_caller = floor.caller("0")
    floor.later(449)
    assert floor.route()["contacts_moved"] == 0
    floor.later(1)
    assert floor.route()["contacts_moved"] == 1
    with floor.db.uow() as uow:
        walk = uow.session.scalar(select(IvrWalk).where(IvrWalk.interaction_id == moved))
        assert walk is not None
        assert (walk.queue, walk.route_reason, walk.overflow_rule) == (
            "general_care",
            "overflow",
            "to_general_care",
        )
        assert walk.queued_at == T0
    # A care agent takes the moved caller first: they joined billing before the other caller
    # joined general care.
    care, headers = floor.agent(care=5)
    assert floor.route()["contacts_moved"] == 0
    assert floor.offer(care, headers)["call_id"] == moved
    assert care_caller != moved


def test_an_agent_put_back_to_ready_by_hand_gets_nothing_until_the_offer_ends(
    floor: Floor,
) -> None:
    agent_id, headers = floor.agent(billing=5)
    first = floor.caller(*BILLING)
    floor.caller(*BILLING)
    floor.route()
    assert floor.offer(agent_id, headers)["call_id"] == first
    floor.desk.state(agent_id, floor.desk.admin, "ready")
    floor.later(5)
    counts = floor.route()
    assert (counts["contacts_offered"], counts["contact_offers_lost"]) == (0, 0)
    floor.later(16)
    # The offer ran out; the agent was Ready, so stays so, and takes the first caller again.
    counts = floor.route()
    assert (counts["contact_offers_missed"], counts["contacts_offered"]) == (1, 1)
    assert floor.offer(agent_id, headers)["call_id"] == first
