"""Agent profiles and weekly shifts through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import pytest
from sqlalchemy import select

from caredesk.agents import service
from caredesk.agents.models import AgentStateChange
from caredesk.agents.shifts import Shift
from caredesk.audit.models import AuditEvent
from caredesk.db.session import Database
from caredesk.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from caredesk.users.models import Role
from tests.integration.agents.conftest import ACTOR, counts, make_agent


def test_create_normalises_and_starts_offline_with_history_and_audit(db: Database) -> None:
    agent = make_agent(
        db, platform_line="(800) 555-0100", skills=["Billing", "device.android", "billing"]
    )
    assert agent.platform_line == "+18005550100"
    assert agent.skills == ["billing", "device.android"]
    assert agent.state == "offline" and agent.state_version == 0 and agent.active
    with db.uow() as uow:
        [initial] = uow.session.scalars(select(AgentStateChange))
        assert (initial.from_state, initial.to_state) == (None, "offline")
        [event] = uow.session.scalars(select(AuditEvent))
        assert event.action == "agent.created" and event.subject_id == str(agent.id)
        assert event.after is not None and event.after["platform_line"] == "+18005550100"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"line_of_business": "sales"}, "line_of_business"),
        ({"role": "customer"}, "role"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"time_zone": "localtime"}, "time_zone"),
        ({"time_zone": "../../etc/passwd"}, "time_zone"),
        ({"platform_line": "12345"}, "platform_line"),
        ({"platform_line": "call me"}, "platform_line"),
        ({"platform_line": "9" * 5000}, "platform_line"),
        ({"skills": ["has space"]}, "skills"),
        ({"skills": [f"s{n}" for n in range(51)]}, "skills"),
        ({"login": "a b"}, "login"),
        ({"name": "   "}, "name"),
        ({"name": "Ana\x00"}, "name"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(
    db: Database, overrides: dict[str, Any], field: str
) -> None:
    before = counts(db)
    with pytest.raises(ValidationFailed) as refused:
        make_agent(db, **overrides)
    assert refused.value.field == field
    assert counts(db) == before


def test_duplicate_login_is_a_conflict_and_writes_nothing(db: Database) -> None:
    make_agent(db)
    before = counts(db)
    with pytest.raises(Conflict) as refused:
        make_agent(db, name="Another Ana")
    assert refused.value.field == "login"
    assert counts(db) == before


def test_only_an_administrator_gives_the_admin_role(db: Database) -> None:
    before = counts(db)
    with pytest.raises(PermissionDenied) as refused:
        make_agent(db, role="admin", actor_role=Role.LEADER)
    assert refused.value.field == "role"
    assert counts(db) == before
    assert make_agent(db, role="admin", actor_role=Role.ADMIN).role == "admin"


def test_list_filters_combine(db: Database) -> None:
    make_agent(db, "ana", skills=["billing"])
    make_agent(db, "bo", line_of_business="sa_bts", role="specialist", skills=["tickets"])
    make_agent(db, "cy", line_of_business="sa_bts", skills=["billing", "tickets"])
    with db.uow() as uow:

        def logins(**filters: object) -> list[str]:
            return [agent.login for agent in service.list_agents(uow, **filters)]

        assert logins(line_of_business="sa_bts") == ["bo", "cy"]
        assert logins(skill="billing") == ["ana", "cy"]
        assert logins(skill="BILLING", line_of_business="sa_bts") == ["cy"]
        assert logins(role="specialist") == ["bo"]
        assert logins(state="ready") == []


def test_update_changes_only_what_is_given_and_audits_the_difference(db: Database) -> None:
    agent = make_agent(db, skills=["billing", "roaming"])
    with db.uow() as uow:
        updated = service.update_agent(
            uow,
            actor=ACTOR,
            agent_id=agent.id,
            line_of_business="expert_assist",
            skills=["roaming", "device.ios"],
        )
        assert updated.name == "Ana Lopez"
        assert updated.skills == ["device.ios", "roaming"]
    with db.uow() as uow:
        event = uow.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
        assert event is not None and event.action == "agent.updated"
        assert event.before == {
            "line_of_business": "care",
            "skills": ["billing", "roaming"],
            "skill_levels": {"billing": 5, "roaming": 5},
        }
        assert event.after == {
            "line_of_business": "expert_assist",
            "skills": ["device.ios", "roaming"],
            "skill_levels": {"device.ios": 5, "roaming": 5},
        }


def test_an_agent_who_is_not_offline_cannot_be_deactivated(db: Database) -> None:
    from caredesk.agents import presence

    agent = make_agent(db)
    with db.uow() as uow:
        presence.change_state(uow, actor=ACTOR, agent_id=agent.id, state="ready")
    before = counts(db)
    with db.uow() as uow, pytest.raises(Conflict) as refused:
        service.update_agent(uow, actor=ACTOR, agent_id=agent.id, active=False, name="New")
    assert refused.value.field == "active"
    assert counts(db) == before
    with db.uow() as uow:
        assert service.get_agent(uow, agent_id=agent.id).name == "Ana Lopez"


def test_unknown_agent_is_not_found(db: Database) -> None:
    with db.uow() as uow, pytest.raises(NotFound) as missing:
        service.update_agent(uow, actor=ACTOR, agent_id=999, name="x")
    assert missing.value.field == "agent_id"


def test_shifts_are_replaced_whole_and_round_trip(db: Database) -> None:
    agent = make_agent(db)
    week = [Shift(day, time(9), time(17)) for day in range(5)] + [Shift(4, time(22), time(6))]
    # Friday 09-17 and 22-06 are fine; Saturday 05-08 overlaps the night shift.
    with db.uow() as uow, pytest.raises(ValidationFailed):
        service.replace_shifts(
            uow, actor=ACTOR, agent_id=agent.id, shifts=[*week, Shift(5, time(5), time(8))]
        )
    with db.uow() as uow:
        service.replace_shifts(uow, actor=ACTOR, agent_id=agent.id, shifts=week)
    with db.uow() as uow:
        schedule = service.get_schedule(uow, agent_id=agent.id)
    assert schedule.shifts == tuple(sorted(week))
    assert schedule.time_zone == "America/New_York"
    # Saturday 2026-03-14 03:00 EDT: still on Friday's night shift, which ends at 06:00 EDT.
    saturday = datetime(2026, 3, 14, 7, tzinfo=UTC)
    assert schedule.is_on_shift(saturday)
    assert schedule.shift_end_after(saturday) == datetime(2026, 3, 14, 10, tzinfo=UTC)
    with db.uow() as uow:
        service.replace_shifts(uow, actor=ACTOR, agent_id=agent.id, shifts=[])
        assert service.get_schedule(uow, agent_id=agent.id).shifts == ()


def test_a_refused_schedule_leaves_the_old_one(db: Database) -> None:
    agent = make_agent(db)
    old = [Shift(0, time(9), time(17))]
    with db.uow() as uow:
        service.replace_shifts(uow, actor=ACTOR, agent_id=agent.id, shifts=old)
    before = counts(db)
    bad = [Shift(1, time(9), time(17)), Shift(1, time(12), time(12))]
    with db.uow() as uow, pytest.raises(DomainError) as refused:
        service.replace_shifts(uow, actor=ACTOR, agent_id=agent.id, shifts=bad)
    assert refused.value.field == "shifts[1]"
    assert counts(db) == before
    with db.uow() as uow:
        assert service.get_schedule(uow, agent_id=agent.id).shifts == tuple(old)
