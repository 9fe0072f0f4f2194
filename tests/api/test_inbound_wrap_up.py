"""The end of a connected inbound call and the timed After-Call Work after it: the agent who has
the call (or a leader) ends it with a disposition, or the caller hangs up on the agent; either
way the walk records it and the agent goes to After-Call Work, which the dispatcher's round ends
at exactly the queue's `wrap_up_seconds` (unless the agent chose another state meanwhile), so
the next routing round offers them the next caller. Both engines, a fixed clock."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.exc import StaleDataError

from caredesk.agents.models import AgentStateChange
from caredesk.audit.models import AuditEvent
from caredesk.audit.service import Actor
from caredesk.callbacks.dispatch.worker import run_once
from caredesk.clock import FixedClock
from caredesk.db.session import Database, UnitOfWork
from caredesk.errors import DomainError
from caredesk.inbound.hangup import hang_up
from caredesk.inbound.models import InboundWrapUp
from caredesk.inbound.routing_round import InboundRouting
from caredesk.inbound.wrapup import WRAP_UP_OVER, WrapUpTimer, end_call
from caredesk.live.models import LiveEvent
from tests.api.test_inbound_routing import BILLING, ROUTING, Floor
from tests.conftest import TokenMaker

WRAP = ROUTING.queues["billing"].wrap_up_seconds


@pytest.fixture
def floor(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Floor:
    return Floor(client, auth, db, clock)


def _end(floor: Floor, call_id: int, headers: dict[str, str], disposition: str) -> Any:
    return floor.client.post(
        f"/v1/ivr/calls/{call_id}/end", json={"disposition": disposition}, headers=headers
    )


def _wrap_up_round(floor: Floor) -> int:
    return WrapUpTimer()(floor.db, now=floor.clock.now(), batch=50)["agents_ready_after_wrap_up"]


def test_the_agent_ends_the_call_and_goes_to_after_call_work(floor: Floor) -> None:
    agent_id, headers, call_id = floor.connected()
    floor.later(95)
    ended = _end(floor, call_id, headers, "resolved")
    assert ended.status_code == 200, ended.text
    assert ended.json()["disposition"] == "resolved"
    assert floor.state(agent_id) == "after_call_work"
    interaction = floor.client.get(f"/v1/interactions/{call_id}", headers=headers).json()
    assert (interaction["disposition"], interaction["agent_id"]) == ("resolved", agent_id)
    assert interaction["ended_at"] == "2026-03-10T18:01:45Z"
    steps = floor.client.get(f"/v1/ivr/calls/{call_id}", headers=headers).json()["steps"]
    assert (steps[-1]["menu"], steps[-1]["kind"]) == ("billing", "end")
    with floor.db.uow() as uow:
        audit = uow.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "inbound.call_ended")
        )
        assert audit is not None and audit.after == {
            "disposition": "resolved",
            "agent_id": agent_id,
        }
        assert audit.details is not None and audit.details["ended_by"] == "agent"
        kinds = list(uow.session.scalars(select(LiveEvent.kind)))
    assert "agent.call_ended" in kinds
    # Ended: nobody ends it again, the caller's hang-up included.
    again = _end(floor, call_id, headers, "resolved")
    assert again.status_code == 409 and again.json()["field"] == "call_id"
    gone = floor.client.post(f"/v1/ivr/calls/{call_id}/hangup", headers=floor.phone)
    assert gone.status_code == 409


def test_the_caller_hanging_up_on_the_agent_ends_the_call_and_starts_wrap_up(
    floor: Floor,
) -> None:
    agent_id, _headers, call_id = floor.connected()
    floor.later(30)
    gone = floor.client.post(f"/v1/ivr/calls/{call_id}/hangup", headers=floor.phone)
    assert gone.status_code == 200, gone.text
    assert gone.json()["disposition"] == "customer_disconnected"
    assert floor.state(agent_id) == "after_call_work"
    steps = floor.client.get(f"/v1/ivr/calls/{call_id}", headers=floor.phone).json()["steps"]
    assert (steps[-1]["kind"], steps[-1]["value"]) == ("hangup", "customer_disconnected")
    with floor.db.uow() as uow:
        wrap = uow.session.scalar(select(InboundWrapUp).where(InboundWrapUp.call_id == call_id))
        assert wrap is not None and wrap.queue == "billing"
        assert (wrap.due_at - wrap.started_at).total_seconds() == WRAP


def test_another_agent_may_not_end_the_call_a_leader_may(floor: Floor) -> None:
    agent_id, _headers, call_id = floor.connected()
    _other, other_headers = floor.agent(billing=5)
    refused = _end(floor, call_id, other_headers, "resolved")
    assert refused.status_code == 403, refused.text
    assert refused.json()["field"] == "call_id" and str(call_id) in refused.json()["detail"]
    assert floor.state(agent_id) == "talking"
    by_leader = _end(floor, call_id, floor.leader, "transferred")
    assert by_leader.status_code == 200, by_leader.text
    assert floor.state(agent_id) == "after_call_work"


def test_a_call_nobody_answered_or_a_bad_disposition_is_refused(floor: Floor) -> None:
    waiting = floor.caller(*BILLING)
    refused = _end(floor, waiting, floor.leader, "resolved")
    assert refused.status_code == 409 and refused.json()["field"] == "call_id"
    agent_id, headers, call_id = floor.connected()
    for bad in ("abandoned", "voicemail", "finished", ""):
        answer = _end(floor, call_id, headers, bad)
        assert answer.status_code == 422, answer.text
        assert "disposition" in answer.text
    assert floor.state(agent_id) == "talking"
    assert _end(floor, 999_999, floor.leader, "resolved").status_code == 404


def test_wrap_up_ends_at_exactly_the_queues_time_and_the_agent_gets_the_next_caller(
    floor: Floor,
) -> None:
    agent_id, headers, call_id = floor.connected()
    next_caller = floor.caller(*BILLING)
    assert _end(floor, call_id, headers, "resolved").status_code == 200
    floor.later(WRAP - 1)
    assert _wrap_up_round(floor) == 0
    assert floor.route()["contacts_offered"] == 0
    assert floor.state(agent_id) == "after_call_work"
    floor.later(1)
    # One dispatcher round: the wrap-up step, then routing offers the agent the next caller.
    runtime = dataclasses.replace(
        floor.desk.runtime, round_steps=(WrapUpTimer(), InboundRouting(ROUTING))
    )
    report = run_once(floor.db, runtime, worker_id="test")
    assert (report.agents_ready_after_wrap_up, report.contacts_offered) == (1, 1)
    assert floor.offer(agent_id, headers)["call_id"] == next_caller
    with floor.db.uow() as uow:
        changes = list(
            uow.session.scalars(
                select(AgentStateChange)
                .where(AgentStateChange.agent_id == agent_id)
                .order_by(AgentStateChange.id)
            )
        )
        back = changes[-2]
        assert (back.from_state, back.to_state, back.reason) == (
            "after_call_work",
            "ready",
            WRAP_UP_OVER,
        )
        assert back.from_since is not None
        assert (back.at - back.from_since).total_seconds() == WRAP  # the spell, in the history
        assert changes[-1].to_state == "reserved"


def test_an_agent_who_chose_another_state_meanwhile_is_left_there(floor: Floor) -> None:
    agent_id, headers, call_id = floor.connected()
    assert _end(floor, call_id, headers, "resolved").status_code == 200
    floor.later(10)
    floor.desk.state(agent_id, headers, "not_ready_follow_up")
    floor.later(WRAP)
    assert _wrap_up_round(floor) == 0
    assert floor.state(agent_id) == "not_ready_follow_up"
    with floor.db.uow() as uow:
        wrap = uow.session.scalar(select(InboundWrapUp).where(InboundWrapUp.call_id == call_id))
        assert wrap is not None and wrap.outcome == "moved_on"


def test_the_agent_ends_wrap_up_early_by_going_ready(floor: Floor) -> None:
    agent_id, headers, call_id = floor.connected()
    assert _end(floor, call_id, headers, "resolved").status_code == 200
    floor.later(5)
    floor.desk.state(agent_id, headers, "ready")
    floor.later(WRAP)
    # Ready already: the round changes nothing and writes no second Ready.
    assert _wrap_up_round(floor) == 0
    assert floor.state(agent_id) == "ready"


def test_an_escalated_call_times_the_first_agents_wrap_up_too(floor: Floor) -> None:
    agent_id, headers, call_id = floor.connected()
    escalated = floor.client.post(
        f"/v1/ivr/calls/{call_id}/escalate",
        json={"queue": "supervisor", "reason": "asks for a supervisor"},
        headers=headers,
    )
    assert escalated.status_code == 200, escalated.text
    floor.later(WRAP)
    assert _wrap_up_round(floor) == 1
    assert floor.state(agent_id) == "ready"


def test_the_agent_ending_and_the_caller_hanging_up_at_once_end_the_call_once(
    floor: Floor,
) -> None:
    agent_id, _headers, call_id = floor.connected()
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def act(use: Callable[[UnitOfWork], object]) -> None:
        start.wait(timeout=30)
        try:
            with floor.db.uow() as uow:
                use(uow)
            outcomes.append("ended")
        except (DomainError, StaleDataError, OperationalError):
            outcomes.append("refused")

    actor = Actor.system("test")
    by_agent = threading.Thread(
        target=act,
        args=(
            lambda uow: end_call(
                uow,
                actor=actor,
                routing=ROUTING,
                call_id=call_id,
                disposition="resolved",
                by_agent=agent_id,
            ),
        ),
    )
    by_caller = threading.Thread(
        target=act, args=(lambda uow: hang_up(uow, actor=actor, routing=ROUTING, call_id=call_id),)
    )
    for worker in (by_agent, by_caller):
        worker.start()
    for worker in (by_agent, by_caller):
        worker.join(timeout=60)
    assert sorted(outcomes) == ["ended", "refused"]
    assert floor.state(agent_id) == "after_call_work"
    with floor.db.uow() as uow:
        wraps = uow.session.scalar(select(func.count()).select_from(InboundWrapUp))
        spells = uow.session.scalar(
            select(func.count())
            .select_from(AgentStateChange)
            .where(AgentStateChange.to_state == "after_call_work")
        )
    assert (wraps, spells) == (1, 1)


def test_wrap_up_rounds_run_at_once_put_each_agent_back_once(floor: Floor) -> None:
    agents = []
    for _ in range(3):
        agent_id, headers, call_id = floor.connected()
        assert _end(floor, call_id, headers, "resolved").status_code == 200
        agents.append(agent_id)
    floor.later(WRAP)
    start = threading.Barrier(3)
    ready: list[int] = []

    def round_() -> None:
        start.wait(timeout=30)
        try:
            ready.append(_wrap_up_round(floor))
        except OperationalError:  # SQLite's one writer: that round tries again next time
            ready.append(0)

    workers = [threading.Thread(target=round_) for _ in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    ready.append(_wrap_up_round(floor))  # whatever a refused round left
    assert sum(ready) == 3
    assert [floor.state(agent) for agent in agents] == ["ready"] * 3
    with floor.db.uow() as uow:
        backs = uow.session.scalar(
            select(func.count())
            .select_from(AgentStateChange)
            .where(AgentStateChange.reason == WRAP_UP_OVER)
        )
    assert backs == 3


def test_an_inbound_call_is_not_ended_as_a_bare_interaction(floor: Floor) -> None:
    agent_id, headers, answered = floor.connected()
    waiting = floor.caller(*BILLING)
    for call_id, ends_it in ((answered, "end"), (waiting, "hangup")):
        refused = floor.client.patch(
            f"/v1/interactions/{call_id}", json={"disposition": "resolved"}, headers=headers
        )
        assert refused.status_code == 409, refused.text
        problem = refused.json()
        endpoint = f"/v1/ivr/calls/{call_id}/{ends_it}"
        assert (problem["field"], problem["endpoint"]) == ("interaction_id", endpoint)
        assert f"POST {endpoint}" in problem["detail"]
    # Nothing changed: the agent still on the call, both calls open, the caller still waiting.
    assert floor.state(agent_id) == "talking"
    for call_id in (answered, waiting):
        read = floor.client.get(f"/v1/interactions/{call_id}", headers=headers).json()
        assert (read["ended_at"], read["disposition"]) == (None, None)
    # The inbound path ends them: the agent's call with After-Call Work, the caller's as an
    # abandonment in the queue.
    assert _end(floor, answered, headers, "resolved").status_code == 200
    assert floor.state(agent_id) == "after_call_work"
    gone = floor.client.post(f"/v1/ivr/calls/{waiting}/hangup", headers=floor.phone)
    assert (gone.status_code, gone.json()["disposition"]) == (200, "abandoned")
    # Ended, they answer as any ended interaction does.
    again = floor.client.patch(
        f"/v1/interactions/{answered}", json={"disposition": "resolved"}, headers=headers
    )
    assert (again.status_code, again.json()["field"]) == (409, "ended_at")


def test_a_contact_that_is_no_inbound_call_still_ends_with_the_patch(floor: Floor) -> None:
    made = floor.client.post(
        "/v1/interactions",
        json={"channel": "voice", "direction": "inbound"},
        headers=floor.desk.admin,
    )
    assert made.status_code == 201, made.text
    ended = floor.client.patch(
        f"/v1/interactions/{made.json()['id']}",
        json={"disposition": "resolved"},
        headers=floor.desk.admin,
    )
    assert (ended.status_code, ended.json()["disposition"]) == (200, "resolved")
