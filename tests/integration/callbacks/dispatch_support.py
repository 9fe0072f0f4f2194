"""What the dispatcher tests stand on: accounts, agents in a state, scheduled callbacks written
straight to the table (the dispatcher only reads what scheduling left), a runtime, and readers for
the timeline and the audit trail."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update

from caredesk.accounts import service as accounts
from caredesk.accounts.values import ContactPointSpec, PersonSpec, ServiceAddress
from caredesk.agents import presence
from caredesk.agents import service as agents
from caredesk.agents.models import Agent
from caredesk.audit.models import AuditEvent
from caredesk.audit.service import Actor
from caredesk.callbacks.models import Callback, CallbackEvent, CallbackStatus
from caredesk.callbacks.runtime import CallbackRuntime
from caredesk.channels.email.log_sender import LogSender
from caredesk.channels.voice.simulated import SimulatedVoiceGateway
from caredesk.config import Settings
from caredesk.db.session import Database
from caredesk.policy import AgentState, LineOfBusiness, PolicyConfig

STAFF = Actor.system("test")
_serial = itertools.count(1)


def make_runtime(db: Database, **overrides: Any) -> CallbackRuntime:
    values: dict[str, Any] = {
        "database_url": str(db.engine.url.render_as_string(hide_password=False)),
        "log_json": False,
        "dispatcher_lease_seconds": 120,
        "dispatcher_batch": 50,
        "owned_overdue_to_pool_minutes": 30,
    }
    values.update(overrides)
    return CallbackRuntime(
        policy=PolicyConfig(),
        sender=LogSender(),
        gateway=SimulatedVoiceGateway(db.clock, lines=["+12065550100"], seed=7),
        settings=Settings(**values),
    )


def make_account(db: Database) -> int:
    with db.uow() as uow:
        account = accounts.create_account(
            uow, actor=STAFF, number=f"ACC-{next(_serial) + 100000:07d}"
        )
        return account.id


def midday_zone(instant: datetime) -> str:
    """A zone where ``instant`` falls around 13:00, so a real-time test is inside the calling
    window whatever the hour it runs at."""
    offset = 13 - instant.astimezone(UTC).hour
    # The Etc zones' signs are inverted: Etc/GMT-1 is one hour ahead of UTC.
    return f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"


def make_customer(db: Database, *, zone: str) -> int:
    """An account holder with a phone and an email, living in ``zone``."""
    contacts = (
        ContactPointSpec(kind="phone", value="+13035550123", label="mobile"),
        ContactPointSpec(kind="email", value="ana@example.com"),
    )
    with db.uow() as uow:
        account = accounts.create_account(
            uow,
            actor=STAFF,
            number=f"ACC-{next(_serial) + 100000:07d}",
            service_address=ServiceAddress(country="US", time_zone=zone),
            people=[
                PersonSpec(
                    first_name="Ana",
                    last_name="Lopez",
                    role="account_holder",
                    contact_points=contacts,
                )
            ],
        )
        return account.id


def make_agent(
    db: Database,
    *,
    lob: LineOfBusiness = LineOfBusiness.CARE,
    state: AgentState | None = AgentState.NOT_READY_FOLLOW_UP,
) -> int:
    serial = next(_serial)
    with db.uow() as uow:
        agent = agents.create_agent(
            uow,
            actor=STAFF,
            login=f"agent{serial}",
            name=f"Agent {serial}",
            role="agent",
            line_of_business=lob,
            time_zone="America/New_York",
            platform_line="+12065550100",
        )
        agent_id = agent.id
    if state is not None:
        set_state(db, agent_id, state)
    return agent_id


def set_state(db: Database, agent_id: int, state: AgentState) -> None:
    with db.uow() as uow:
        current = agents.get_agent(uow, agent_id=agent_id).state
        if current == state:
            return
        if state == AgentState.TALKING and current != AgentState.NOT_READY_FOLLOW_UP:
            presence.change_state(
                uow, actor=STAFF, agent_id=agent_id, state=AgentState.NOT_READY_FOLLOW_UP
            )
        presence.change_state(uow, actor=STAFF, agent_id=agent_id, state=state)


def force_agent(
    db: Database, agent_id: int, *, state: AgentState | None = None, active: bool | None = None
) -> None:
    """Sets an agent's state or activity behind the state machine's back: another desktop, a
    leader or a race, as the dispatcher would meet it."""
    values: dict[str, Any] = {}
    if state is not None:
        values["state"] = state.value
    if active is not None:
        values["active"] = active
    with db.uow() as uow:
        uow.session.execute(update(Agent).where(Agent.id == agent_id).values(**values))
        uow.commit()


def make_callbacks(
    db: Database,
    *,
    account_id: int,
    due_at: datetime,
    count: int = 1,
    lob: LineOfBusiness = LineOfBusiness.CARE,
    owner_agent_id: int | None = None,
    status: CallbackStatus = CallbackStatus.SCHEDULED,
) -> list[int]:
    now = db.clock.now()
    rows = [
        Callback(
            account_id=account_id,
            line_of_business=lob.value,
            origin="agent_follow_up",
            reason="follow_up",
            requested_by="system:test",
            caller_role="agent",
            number="+12065550123",
            customer_spoken_to=True,
            agent_spoke_to_customer=True,
            status=status.value,
            due_at=due_at,
            owner_agent_id=owner_agent_id,
            in_assignment_pool=False,
            attempts_without_contact=0,
            contact_made=False,
            created_at=now,
            updated_at=now,
            version=0,
        )
        for _ in range(count)
    ]
    with db.uow() as uow:
        uow.session.add_all(rows)
        uow.commit()
    return [row.id for row in rows]


def callback(db: Database, callback_id: int) -> Callback:
    with db.uow() as uow:
        found = uow.session.get(Callback, callback_id)
        assert found is not None
        uow.session.expunge(found)  # keeps its values past the closing rollback
        return found


def events(db: Database, callback_id: int) -> list[CallbackEvent]:
    with db.uow() as uow:
        found = list(
            uow.session.scalars(
                select(CallbackEvent)
                .where(CallbackEvent.callback_id == callback_id)
                .order_by(CallbackEvent.id)
            )
        )
        uow.session.expunge_all()
        return found


def event_kinds(db: Database, callback_id: int) -> list[str]:
    return [event.kind for event in events(db, callback_id)]


def audit_actions(db: Database, callback_id: int) -> list[str]:
    with db.uow() as uow:
        return list(
            uow.session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.subject_type == "callback")
                .where(AuditEvent.subject_id == str(callback_id))
                .order_by(AuditEvent.id)
            )
        )


def offers_per_callback(db: Database) -> Counter[int]:
    with db.uow() as uow:
        rows = uow.session.execute(
            select(CallbackEvent.callback_id, func.count())
            .where(CallbackEvent.kind == "offered")
            .group_by(CallbackEvent.callback_id)
        )
        return Counter({callback_id: count for callback_id, count in rows})


def statuses(db: Database) -> Counter[str]:
    with db.uow() as uow:
        rows = uow.session.execute(select(Callback.status, func.count()).group_by(Callback.status))
        return Counter({status: count for status, count in rows})
