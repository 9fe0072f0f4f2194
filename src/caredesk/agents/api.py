from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from caredesk.agents import presence, service
from caredesk.agents.models import Agent, AgentRole, AgentStateChange
from caredesk.agents.schemas import (
    AgentCreate,
    AgentRead,
    AgentStateRead,
    AgentUpdate,
    ScheduleRead,
    ShiftRead,
    ShiftsReplace,
    StateChangeRead,
    StateChangeRequest,
)
from caredesk.agents.shifts import Shift
from caredesk.db.paging import MAX_LIMIT, fetch_page
from caredesk.errors import PermissionDenied
from caredesk.policy import AgentState, LineOfBusiness
from caredesk.schemas import MAX_ID
from caredesk.web.deps import Leader, Staff, UoW
from caredesk.web.pagination import Page

router = APIRouter(tags=["agents"])

AgentId = Annotated[int, Path(ge=1, le=MAX_ID, description="The agent's id.")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=64, description="next_cursor of the last page.")]


def _schedule_read(schedule: service.Schedule) -> ScheduleRead:
    return ScheduleRead(
        agent_id=schedule.agent_id,
        time_zone=schedule.time_zone,
        shifts=[ShiftRead.model_validate(shift) for shift in schedule.shifts],
    )


def _state_read(agent: Agent) -> AgentStateRead:
    return AgentStateRead(
        agent_id=agent.id,
        state=AgentState(agent.state),
        state_since=agent.state_since,
        state_version=agent.state_version,
    )


@router.post("/v1/agents", response_model=AgentRead, status_code=status.HTTP_201_CREATED)
def create_agent(body: AgentCreate, principal: Leader, uow: UoW) -> Agent:
    """Create an agent (leaders and administrators). New agents start Offline."""
    return service.create_agent(
        uow, actor=principal.actor, actor_role=principal.role, **body.model_dump()
    )


@router.get("/v1/agents", response_model=Page[AgentRead])
def list_agents(
    principal: Staff,
    uow: UoW,
    line_of_business: LineOfBusiness | None = None,
    role: AgentRole | None = None,
    state: AgentState | None = None,
    skill: Annotated[str | None, Query(max_length=40)] = None,
    active: bool | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[AgentRead]:
    query = service.agents_query(
        line_of_business=line_of_business, role=role, state=state, skill=skill, active=active
    )
    rows, next_cursor = fetch_page(uow, query, Agent.id, limit=limit, cursor=cursor)
    return Page[AgentRead](
        items=[AgentRead.model_validate(row) for row in rows], next_cursor=next_cursor
    )


@router.get("/v1/agents/{agent_id}", response_model=AgentRead)
def get_agent(agent_id: AgentId, principal: Staff, uow: UoW) -> Agent:
    return service.get_agent(uow, agent_id=agent_id)


@router.patch("/v1/agents/{agent_id}", response_model=AgentRead)
def update_agent(agent_id: AgentId, body: AgentUpdate, principal: Leader, uow: UoW) -> Agent:
    """Change an agent's profile (leaders and administrators). Only the fields sent change."""
    return service.update_agent(
        uow,
        actor=principal.actor,
        actor_role=principal.role,
        agent_id=agent_id,
        **body.model_dump(exclude_unset=True),
    )


@router.get("/v1/agents/{agent_id}/shifts", response_model=ScheduleRead)
def get_shifts(agent_id: AgentId, principal: Staff, uow: UoW) -> ScheduleRead:
    return _schedule_read(service.get_schedule(uow, agent_id=agent_id))


@router.put("/v1/agents/{agent_id}/shifts", response_model=ScheduleRead)
def replace_shifts(
    agent_id: AgentId, body: ShiftsReplace, principal: Leader, uow: UoW
) -> ScheduleRead:
    """Replace the agent's weekly schedule, written in the agent's own time zone."""
    schedule = service.replace_shifts(
        uow,
        actor=principal.actor,
        agent_id=agent_id,
        shifts=[Shift(shift.weekday, shift.start, shift.end) for shift in body.shifts],
    )
    return _schedule_read(schedule)


@router.get("/v1/agents/{agent_id}/state", response_model=AgentStateRead)
def get_state(agent_id: AgentId, principal: Staff, uow: UoW) -> AgentStateRead:
    return _state_read(service.get_agent(uow, agent_id=agent_id))


@router.post("/v1/agents/{agent_id}/state", response_model=AgentStateRead)
def change_state(
    agent_id: AgentId, body: StateChangeRequest, principal: Staff, uow: UoW
) -> AgentStateRead:
    """Change the agent's state: the agent themself, or a leader or administrator."""
    if principal.agent_id != agent_id and not principal.is_leader:
        raise PermissionDenied(
            "only the agent themself or a leader may change this agent's state", field="agent_id"
        )
    agent = presence.change_state(
        uow,
        actor=principal.actor,
        agent_id=agent_id,
        state=body.state,
        reason=body.reason,
        expected_version=body.expected_version,
    )
    return _state_read(agent)


@router.get("/v1/agents/{agent_id}/state/history", response_model=Page[StateChangeRead])
def state_history(
    agent_id: AgentId,
    principal: Staff,
    uow: UoW,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[StateChangeRead]:
    """The agent's state changes, oldest first."""
    service.get_agent(uow, agent_id=agent_id)
    query = presence.state_history_query(agent_id=agent_id)
    rows, next_cursor = fetch_page(uow, query, AgentStateChange.id, limit=limit, cursor=cursor)
    return Page[StateChangeRead](
        items=[StateChangeRead.model_validate(row) for row in rows], next_cursor=next_cursor
    )
