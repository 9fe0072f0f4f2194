"""Use cases for agents: profiles and weekly shift schedules. State changes are in presence.py."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from caredesk.agents import shifts as shift_rules
from caredesk.agents.models import (
    DEFAULT_SKILL_LEVEL,
    Agent,
    AgentRole,
    AgentShift,
    AgentSkill,
    AgentStateChange,
)
from caredesk.agents.queries import agents_query as agents_query
from caredesk.agents.queries import get_agent as get_agent
from caredesk.agents.queries import get_agent_by_login as get_agent_by_login
from caredesk.agents.queries import list_agents as list_agents
from caredesk.agents.queries import member_of
from caredesk.agents.shifts import Shift, ShiftProblem
from caredesk.agents.states import INITIAL_STATE
from caredesk.agents.values import (
    check_login,
    check_text,
    check_time_zone,
    normalise_platform_line,
    normalise_skill_levels,
    normalise_skills,
)
from caredesk.audit.service import Actor, record
from caredesk.db.session import UnitOfWork
from caredesk.errors import Conflict, PermissionDenied, ValidationFailed
from caredesk.policy import AgentState, LineOfBusiness
from caredesk.users.models import Role

In = TypeVar("In")
Out = TypeVar("Out")


@dataclass(frozen=True)
class Schedule:
    """An agent's weekly shifts and the zone they are written in."""

    agent_id: int
    time_zone: str
    shifts: tuple[Shift, ...]

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def is_on_shift(self, instant: datetime) -> bool:
        return shift_rules.is_on_shift(self.shifts, self.zone, instant)

    def shift_end_after(self, instant: datetime) -> datetime | None:
        return shift_rules.shift_end_after(self.shifts, self.zone, instant)

    def next_shift_start(self, instant: datetime) -> datetime | None:
        return shift_rules.next_shift_start(self.shifts, self.zone, instant)


def _checked(check: Callable[[In], Out], value: In, field: str) -> Out:
    try:
        return check(value)
    except ValueError as exc:
        raise ValidationFailed(f"{field} {exc}", field=field) from None


def _snapshot(agent: Agent) -> dict[str, object]:
    return {
        "login": agent.login,
        "name": agent.name,
        "role": agent.role,
        "line_of_business": agent.line_of_business,
        "skills": agent.skills,
        "skill_levels": agent.skill_levels,
        "time_zone": agent.time_zone,
        "platform_line": agent.platform_line,
        "active": agent.active,
    }


def _require_admin_for_admin_role(actor_role: Role | None, role: AgentRole) -> None:
    # A leader manages their floor; only an administrator hands out the administrator role.
    if role == AgentRole.ADMIN and actor_role is not None and actor_role != Role.ADMIN:
        raise PermissionDenied("only an administrator may give the admin role", field="role")


def create_agent(
    uow: UnitOfWork,
    *,
    actor: Actor,
    login: str,
    name: str,
    role: AgentRole | str,
    line_of_business: LineOfBusiness | str,
    time_zone: str,
    platform_line: str,
    skills: Sequence[str] = (),
    skill_levels: Mapping[str, int] | None = None,
    actor_role: Role | None = None,
) -> Agent:
    """``actor_role`` is the role of the user acting through the API; None for the operator.
    ``skill_levels`` gives a proficiency (1-10) to skills, adding any not in ``skills``; a
    skill without one is at DEFAULT_SKILL_LEVEL."""
    with uow.atomic():
        login = _checked(check_login, login, "login")
        name = _checked(check_text, name.strip(), "name")
        if not name or len(name) > 200:
            raise ValidationFailed("name must be 1 to 200 characters", field="name")
        agent_role: AgentRole = member_of(AgentRole, role, "role")
        lob: LineOfBusiness = member_of(LineOfBusiness, line_of_business, "line_of_business")
        time_zone = _checked(check_time_zone, time_zone, "time_zone")
        platform_line = _checked(normalise_platform_line, platform_line, "platform_line")
        levels = _levels(skills, skill_levels, {})
        _require_admin_for_admin_role(actor_role, agent_role)
        if uow.session.scalar(select(Agent.id).where(Agent.login == login)) is not None:
            raise Conflict(f"an agent with login {login!r} already exists", field="login")

        now = uow.clock.now()
        agent = Agent(
            login=login,
            name=name,
            role=agent_role.value,
            line_of_business=lob.value,
            time_zone=time_zone,
            platform_line=platform_line,
            active=True,
            created_at=now,
            state=INITIAL_STATE.value,
            state_since=now,
            state_version=0,
            skill_rows=[AgentSkill(skill=skill, level=level) for skill, level in levels.items()],
        )
        uow.session.add(agent)
        uow.flush()
        uow.session.add(
            AgentStateChange(
                agent_id=agent.id,
                from_state=None,
                to_state=INITIAL_STATE.value,
                from_since=None,
                reason="created",
                at=now,
                actor=str(actor),
            )
        )
        record(
            uow,
            actor=actor,
            action="agent.created",
            subject_type="agent",
            subject_id=agent.id,
            after=_snapshot(agent),
        )
        return agent


def _levels(
    skills: Sequence[str] | None,
    skill_levels: Mapping[str, int] | None,
    held: Mapping[str, int],
) -> dict[str, int]:
    """The skills with their levels: ``skills`` (or those ``held`` when None) plus any named by
    ``skill_levels``, each at the level given, else the one held, else the default."""
    names = _checked(normalise_skills, tuple(held if skills is None else skills), "skills")
    given = _checked(normalise_skill_levels, dict(skill_levels or {}), "skill_levels")
    wanted = sorted(set(names) | set(given))
    _checked(normalise_skills, wanted, "skills")
    return {name: given.get(name, held.get(name, DEFAULT_SKILL_LEVEL)) for name in wanted}


def update_agent(
    uow: UnitOfWork,
    *,
    actor: Actor,
    agent_id: int,
    name: str | None = None,
    role: AgentRole | str | None = None,
    line_of_business: LineOfBusiness | str | None = None,
    skills: Sequence[str] | None = None,
    skill_levels: Mapping[str, int] | None = None,
    time_zone: str | None = None,
    platform_line: str | None = None,
    active: bool | None = None,
    actor_role: Role | None = None,
) -> Agent:
    """Changes the fields given (None leaves a field as it is)."""
    with uow.atomic():
        agent = get_agent(uow, agent_id=agent_id)
        changes: dict[str, Any] = {}
        if name is not None:
            name = _checked(check_text, name.strip(), "name")
            if not name or len(name) > 200:
                raise ValidationFailed("name must be 1 to 200 characters", field="name")
            changes["name"] = name
        if role is not None:
            agent_role: AgentRole = member_of(AgentRole, role, "role")
            _require_admin_for_admin_role(actor_role, agent_role)
            if agent.role == AgentRole.ADMIN and agent_role != AgentRole.ADMIN:
                _require_admin_for_admin_role(actor_role, AgentRole.ADMIN)
            changes["role"] = agent_role.value
        if line_of_business is not None:
            lob: LineOfBusiness = member_of(LineOfBusiness, line_of_business, "line_of_business")
            changes["line_of_business"] = lob.value
        if time_zone is not None:
            changes["time_zone"] = _checked(check_time_zone, time_zone, "time_zone")
        if platform_line is not None:
            changes["platform_line"] = _checked(
                normalise_platform_line, platform_line, "platform_line"
            )
        levels = (
            _levels(skills, skill_levels, agent.skill_levels)
            if skills is not None or skill_levels is not None
            else None
        )
        if active is False and agent.active and agent.state != AgentState.OFFLINE:
            raise Conflict(
                f"the agent is {agent.state}; they must be offline before being deactivated",
                field="active",
            )
        if active is not None:
            changes["active"] = active

        before = _snapshot(agent)
        for key, value in changes.items():
            setattr(agent, key, value)
        if levels is not None and levels != agent.skill_levels:
            kept = [row for row in agent.skill_rows if row.skill in levels]
            for row in kept:
                row.level = levels[row.skill]
            held = {row.skill for row in kept}
            agent.skill_rows = kept + [
                AgentSkill(skill=skill, level=level)
                for skill, level in levels.items()
                if skill not in held
            ]
        uow.flush()
        after = _snapshot(agent)
        if after != before:
            record(
                uow,
                actor=actor,
                action="agent.updated",
                subject_type="agent",
                subject_id=agent.id,
                before={key: value for key, value in before.items() if after[key] != value},
                after={key: value for key, value in after.items() if before[key] != value},
            )
        return agent


def _shift_of(row: AgentShift) -> Shift:
    return Shift(row.weekday, row.start_time, row.end_time)


def get_schedule(uow: UnitOfWork, *, agent_id: int) -> Schedule:
    agent = get_agent(uow, agent_id=agent_id)
    rows = uow.session.scalars(
        select(AgentShift)
        .where(AgentShift.agent_id == agent.id)
        .order_by(AgentShift.weekday, AgentShift.start_time)
    )
    return Schedule(agent.id, agent.time_zone, tuple(_shift_of(row) for row in rows))


def replace_shifts(
    uow: UnitOfWork,
    *,
    actor: Actor,
    agent_id: int,
    shifts: Sequence[Shift],
) -> Schedule:
    """Replaces the agent's whole weekly schedule; an empty list clears it."""
    with uow.atomic():
        agent = get_agent(uow, agent_id=agent_id)
        try:
            shift_rules.validate_shifts(shifts)
        except ShiftProblem as exc:
            raise ValidationFailed(str(exc), field=f"shifts[{exc.index}]") from None
        before = get_schedule(uow, agent_id=agent.id)
        ordered = tuple(sorted(shifts))
        uow.session.execute(delete(AgentShift).where(AgentShift.agent_id == agent.id))
        for shift in ordered:
            uow.session.add(
                AgentShift(
                    agent_id=agent.id,
                    weekday=shift.weekday,
                    start_time=shift.start,
                    end_time=shift.end,
                )
            )
        uow.flush()
        record(
            uow,
            actor=actor,
            action="agent.shifts_replaced",
            subject_type="agent",
            subject_id=agent.id,
            before={"shifts": [shift.label() for shift in before.shifts]},
            after={"shifts": [shift.label() for shift in ordered]},
            details={"time_zone": agent.time_zone},
        )
        return Schedule(agent.id, agent.time_zone, ordered)
