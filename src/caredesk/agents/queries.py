"""Finding agents: one by id or login, and the lists by line of business, role, state, skill and
whether active. Only the agents' tables: a list loads none of the audit or shift code."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, exists, select

from caredesk.agents.agent_models import Agent, AgentSkill
from caredesk.agents.roles import AgentRole
from caredesk.db.session import UnitOfWork
from caredesk.errors import NotFound, ValidationFailed
from caredesk.policy import AgentState, LineOfBusiness


def member_of(kind: type[Any], value: object, field: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        names = ", ".join(member.value for member in kind)
        raise ValidationFailed(f"{field} must be one of: {names}", field=field) from None


def get_agent(uow: UnitOfWork, *, agent_id: int) -> Agent:
    agent = uow.session.get(Agent, agent_id)
    if agent is None:
        raise NotFound(f"no agent with id {agent_id}", field="agent_id")
    return agent


def get_agent_by_login(uow: UnitOfWork, *, login: str) -> Agent:
    agent = uow.session.scalar(select(Agent).where(Agent.login == login))
    if agent is None:
        raise NotFound(f"no agent with login {login!r}", field="login")
    return agent


def agents_query(
    *,
    line_of_business: LineOfBusiness | str | None = None,
    role: AgentRole | str | None = None,
    state: AgentState | str | None = None,
    skill: str | None = None,
    active: bool | None = None,
) -> Select[Agent]:
    """Agents matching every filter given; order and paging are the caller's."""
    query = select(Agent)
    if line_of_business is not None:
        lob = member_of(LineOfBusiness, line_of_business, "line_of_business")
        query = query.where(Agent.line_of_business == lob.value)
    if role is not None:
        query = query.where(Agent.role == member_of(AgentRole, role, "role").value)
    if state is not None:
        query = query.where(Agent.state == member_of(AgentState, state, "state").value)
    if skill is not None:
        query = query.where(
            exists().where(AgentSkill.agent_id == Agent.id, AgentSkill.skill == skill.lower())
        )
    if active is not None:
        query = query.where(Agent.active == active)
    return query


def list_agents(uow: UnitOfWork, **filters: Any) -> list[Agent]:
    return list(uow.session.scalars(agents_query(**filters).order_by(Agent.id)))
