from __future__ import annotations

from datetime import datetime, time
from typing import Annotated

from pydantic import AfterValidator, Field, computed_field

from caredesk.agents.models import AgentRole
from caredesk.agents.values import (
    MAX_SKILLS,
    check_login,
    check_text,
    check_time_zone,
    normalise_platform_line,
    normalise_skills,
)
from caredesk.policy import AgentState, LineOfBusiness
from caredesk.schemas import Input, Output

Login = Annotated[str, Field(min_length=2, max_length=80), AfterValidator(check_login)]
Name = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(check_text)]
TimeZone = Annotated[
    str,
    Field(max_length=64, examples=["America/New_York"]),
    AfterValidator(check_time_zone),
]
PlatformLine = Annotated[
    str,
    Field(max_length=32, examples=["+18005550100"]),
    AfterValidator(normalise_platform_line),
]
Skills = Annotated[
    list[Annotated[str, Field(max_length=40)]],
    Field(max_length=MAX_SKILLS, examples=[["billing", "device.android"]]),
    AfterValidator(normalise_skills),
]
SkillLevels = Annotated[
    dict[Annotated[str, Field(max_length=40)], Annotated[int, Field(ge=1, le=10)]],
    Field(
        max_length=MAX_SKILLS,
        examples=[{"billing": 7, "technical": 3}],
        description="Proficiency from 1 to 10 per skill (routing's skill steps compare it); "
        "a skill named here is added if not in skills. A skill without a level is at 5.",
    ),
]
Reason = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(check_text)]


class AgentCreate(Input):
    login: Login
    name: Name
    role: AgentRole = AgentRole.AGENT
    line_of_business: LineOfBusiness = LineOfBusiness.CARE
    skills: Skills = Field(default_factory=list)
    skill_levels: SkillLevels | None = None
    time_zone: TimeZone
    platform_line: PlatformLine


class AgentUpdate(Input):
    """Only the fields sent change; the login never does."""

    name: Name | None = None
    role: AgentRole | None = None
    line_of_business: LineOfBusiness | None = None
    skills: Skills | None = None
    skill_levels: SkillLevels | None = None
    time_zone: TimeZone | None = None
    platform_line: PlatformLine | None = None
    active: bool | None = None


class AgentRead(Output):
    id: int
    login: str
    name: str
    role: AgentRole
    line_of_business: LineOfBusiness
    skills: list[str]
    skill_levels: dict[str, int]
    time_zone: str
    platform_line: str
    active: bool
    created_at: datetime
    state: AgentState
    state_since: datetime
    state_version: int


class ShiftIn(Input):
    weekday: int = Field(ge=0, le=6, description="0 = Monday ... 6 = Sunday, in the agent's zone.")
    start: time = Field(description="Local wall-clock time, e.g. 09:00.")
    end: time = Field(description="Local wall-clock time; earlier than start = crosses midnight.")


class ShiftsReplace(Input):
    shifts: list[ShiftIn] = Field(max_length=50)


class ShiftRead(Output):
    weekday: int
    start: time
    end: time


class ScheduleRead(Output):
    agent_id: int
    time_zone: str
    shifts: list[ShiftRead]


class StateChangeRequest(Input):
    state: AgentState
    reason: Reason | None = None
    expected_version: int | None = Field(
        default=None,
        ge=0,
        le=2_147_483_647,
        description="The state_version the caller last saw; refused with 409 if it moved on.",
    )


class AgentStateRead(Output):
    agent_id: int
    state: AgentState
    state_since: datetime
    state_version: int


class StateChangeRead(Output):
    id: int
    agent_id: int
    from_state: AgentState | None
    to_state: AgentState
    from_since: datetime | None
    reason: str | None
    at: datetime
    actor: str

    @computed_field  # type: ignore[prop-decorator]
    @property
    def seconds_in_from_state(self) -> float | None:
        if self.from_since is None:
            return None
        return (self.at - self.from_since).total_seconds()
