"""A floor for the leader's dashboard tests: agents in several states, callbacks due, overdue,
offered, not yet due and closed, two requests the policy refused (through the API, so their
rules and sentences are the real ones), a callback whose notice died in the outbox, messages
pending, and cases inside and past their SLA. ``expected`` is counted row by row in Python,
independently of the dashboard's SQL."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from caredesk.agents import service as agents
from caredesk.agents.models import Agent
from caredesk.callbacks.dispatch.worker import run_once
from caredesk.callbacks.models import Callback, CallbackEvent, CallbackStatus
from caredesk.channels.models import OutboxMessage
from caredesk.channels.ports import DeliveryError
from caredesk.policy import AgentState
from caredesk.tickets.models import SLA_STOPPED, Ticket
from caredesk.users.models import Role
from tests.integration.callbacks.builders import Desk
from tests.integration.callbacks.dispatch_support import (
    STAFF,
    make_callbacks,
    make_runtime,
)
from tests.integration.tickets.factories import make_ticket
from tests.web.support import Browser, signed_in

LEADER_ZONE = "America/Chicago"
GRACE = timedelta(minutes=30)  # owned_overdue_to_pool_minutes' default


@dataclass
class Floor:
    leader: Browser
    leader_agent_id: int
    due: list[int]
    overdue: list[int]
    later: list[int]
    refused: dict[str, int]
    """rule ID -> the refused request's callback id."""
    attention: int
    dead_message: int
    past_sla: list[str]
    values: dict[str, Any] = field(default_factory=dict)


def build_floor(desk: Desk) -> Floor:
    db, clock = desk.db, desk.clock
    account = desk.account()
    account_id = int(account["id"])
    old_cases = [make_ticket(db, account_id).case_number for _ in range(2)]
    clock.advance(timedelta(hours=49))  # those two are past the normal SLA of 48 hours
    make_ticket(db, account_id)  # just opened
    now = clock.now()
    followers = [desk.agent() for _ in range(2)]
    for agent_id, headers in followers:
        desk.follow_up(agent_id, headers)  # the dispatcher offers them what is due
    for state in (AgentState.READY, AgentState.NOT_READY_BREAK):
        agent_id, headers = desk.agent()
        desk.state(agent_id, headers, state.value)
    with db.uow() as uow:
        leader = agents.create_agent(
            uow,
            actor=STAFF,
            login="lena",
            name="Lena Okafor",
            role="leader",
            line_of_business="care",
            time_zone=LEADER_ZONE,
            platform_line="+12065550100",
        )
        leader_id = leader.id
    due = make_callbacks(db, account_id=account_id, due_at=now - timedelta(minutes=5), count=3)
    overdue = make_callbacks(db, account_id=account_id, due_at=now - timedelta(hours=2), count=2)
    later = make_callbacks(db, account_id=account_id, due_at=now + timedelta(hours=3))
    make_callbacks(
        db, account_id=account_id, due_at=now - timedelta(days=1), status=CallbackStatus.COMPLETED
    )
    # The dispatcher offers what is due to the agents in Follow-Up (the leader is not one).
    report = run_once(db, make_runtime(db), now=now, worker_id="dash-test")
    assert report.offered == 5
    agent = followers[0][1]
    refused = {}
    for rule_id, extra in (
        ("OB-NO-ACTIVATION", {"reason": "activation"}),
        ("OB-SPOKE-FIRST", {"reason": "device_troubleshooting", "customer_spoken_to": False}),
    ):
        problem = desk.request(
            agent,
            expect=409,
            account_id=account_id,
            origin="follow_up",
            line_of_business="care",
            **extra,
        )
        assert problem["rule_ids"] == [rule_id]
        refused[rule_id] = int(problem["refusal_id"])
    # A notice the outbox gives up on: the callback needs attention.
    stuck = desk.request(
        agent,
        account_id=account_id,
        origin="follow_up",
        reason="device_troubleshooting",
        line_of_business="care",
    )
    desk.sender.fail_next(DeliveryError("550 mailbox unavailable", retryable=False))
    desk.deliver()
    desk.advance()
    assert desk.get(stuck["id"])["status"] == "needs_attention"
    with db.uow() as uow:
        dead = uow.session.scalar(
            select(Callback.notification_message_id).where(Callback.id == stuck["id"])
        )
    # Another request whose notice is still owed (pending in the outbox).
    desk.request(
        agent,
        account_id=account_id,
        origin="follow_up",
        reason="device_troubleshooting",
        line_of_business="care",
    )
    return Floor(
        leader=signed_in(db, Role.LEADER, agent_id=leader_id),
        leader_agent_id=leader_id,
        due=due,
        overdue=overdue,
        later=later,
        refused=refused,
        attention=int(stuck["id"]),
        dead_message=int(dead or 0),
        past_sla=old_cases,
    )


def expected(desk: Desk) -> dict[str, Any]:
    """The home's figures counted in Python from every row."""
    with desk.db.uow() as uow:
        now = uow.clock.now()
        callbacks = list(uow.session.scalars(select(Callback)))
        events = list(uow.session.scalars(select(CallbackEvent)))
        outbox = list(uow.session.scalars(select(OutboxMessage)))
        staff = list(uow.session.scalars(select(Agent)))
        tickets = list(uow.session.scalars(select(Ticket)))
        uow.session.expunge_all()
    waiting = [c for c in callbacks if c.status in ("scheduled", "offered") and c.due_at]
    refusals: Counter[str] = Counter()
    for event in events:
        if event.kind == "refused":
            refusals.update(event.rule_ids or [])
    return {
        "due": sum(c.due_at <= now for c in waiting),
        "overdue": sum(c.due_at <= now - GRACE for c in waiting),
        "offered": sum(c.status == "offered" for c in callbacks),
        "attention": sum(c.status == "needs_attention" for c in callbacks),
        "agents": Counter(a.state for a in staff if a.active),
        "refused": refusals,
        "outbox-pending": sum(m.status in ("pending", "sending") for m in outbox),
        "outbox-dead": sum(m.status == "dead" for m in outbox),
        "past-sla": sum(t.sla_due_at <= now and t.status not in SLA_STOPPED for t in tickets),
    }
