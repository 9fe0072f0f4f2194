"""The staffing plan's API bodies, and the one shape a plan is written in: the API answers it
and `caredesk staffing plan --format json` prints it."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from caredesk.routing.service_level import ServiceLevelDefinition
from caredesk.schemas import Input, Output, StrictInt
from caredesk.staffing.definition import ChosenDefinition
from caredesk.staffing.plan import (
    MAX_ANSWER_SECONDS,
    MAX_CALLS,
    MAX_HANDLE_SECONDS,
    MAX_INTERVAL_SECONDS,
    MAX_INTERVALS,
    MAX_PATIENCE_SECONDS,
    MAX_SHRINKAGE,
    MIN_INTERVAL_SECONDS,
    MIN_MAX_ABANDON,
    MIN_MAX_ASA_SECONDS,
    DayPlan,
    Model,
)

# JSON numbers only: "1.5" and true are refused rather than converted; NaN and infinities too.
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]


class IntervalForecast(Input):
    start: str = Field(
        min_length=1,
        max_length=40,
        description="The interval's start: a time of day (08:00) or an instant with its UTC "
        "offset (2026-03-10T08:00-05:00); in order, a whole number of intervals apart.",
        examples=["08:00"],
    )
    calls: Number = Field(ge=0, le=MAX_CALLS, description="Contacts offered in the interval.")
    aht_seconds: Number | None = Field(
        default=None,
        gt=0,
        le=MAX_HANDLE_SECONDS,
        description="Their average handle time; the plan's `aht_seconds` when left out.",
    )


class StaffingPlanCreate(Input):
    intervals: list[IntervalForecast] = Field(min_length=1, max_length=MAX_INTERVALS)
    interval_minutes: StrictInt = Field(
        default=30, ge=MIN_INTERVAL_SECONDS // 60, le=MAX_INTERVAL_SECONDS // 60
    )
    aht_seconds: Number | None = Field(
        default=None,
        gt=0,
        le=MAX_HANDLE_SECONDS,
        description="The handle time of every interval that does not give its own.",
    )
    model: Model = Field(
        default=Model.ERLANG_C,
        description="erlang-c: callers wait as long as it takes; erlang-a: they give up after "
        "an exponential patience of mean `patience_seconds`.",
    )
    patience_seconds: Number | None = Field(
        default=None, ge=1, le=MAX_PATIENCE_SECONDS, description="Needed with erlang-a only."
    )
    queue: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="Take the service-level definition of this queue of the routing "
        "configuration (default: the one most queues share).",
    )
    answer_seconds: Number | None = Field(
        default=None, ge=0, le=MAX_ANSWER_SECONDS, description="Answered within this long..."
    )
    target: Number | None = Field(
        default=None, gt=0, lt=1, description="...for this share of callers (0.8 for 80%)."
    )
    max_occupancy: Number | None = Field(
        default=None, gt=0, le=1, description="Staff so that agents are busy at most this share."
    )
    max_abandon: Number | None = Field(
        default=None,
        ge=MIN_MAX_ABANDON,
        lt=1,
        description="Staff so that at most this share gives up (erlang-a).",
    )
    max_asa_seconds: Number | None = Field(
        default=None, ge=MIN_MAX_ASA_SECONDS, le=3600, description="A ceiling on the ASA."
    )
    shrinkage: Number = Field(
        default=0,
        ge=0,
        le=MAX_SHRINKAGE,
        description="The share of paid time not on the phones (breaks, training, absence): "
        "staff to schedule = agents / (1 - shrinkage), rounded up.",
    )


class DefinitionRead(Output):
    answer_seconds: float
    target: float
    short_abandon_seconds: float
    exclude_short_abandons: bool
    description: str
    queues: list[str] = Field(description="The queues whose definition this is.")
    overridden: bool = Field(description="The answer time or the target was given here.")


class IntervalRead(Output):
    start: str
    calls: float
    aht_seconds: float
    load_erlangs: float
    agents: int = Field(description="Agents needed on the phones.")
    agents_for_service_level: int = Field(description="What the service level alone needs.")
    staff: int = Field(description="Staff to schedule, shrinkage counted.")
    limited_by: Literal["service_level", "occupancy", "abandonment", "asa"] | None = Field(
        description="What set `agents`; null for an interval with no calls."
    )
    p_wait: float | None = Field(description="Share of callers who wait at all.")
    service_level: float | None
    asa_seconds: float | None = Field(
        description="Average speed of answer (erlang-a: over the callers answered)."
    )
    abandonment: float | None = Field(description="Share who give up; null with erlang-c.")
    occupancy: float | None


class DayRead(Output):
    calls: float
    agent_hours: float
    staff_hours: float
    peak_agents: int
    peak_staff: int
    peak_start: str | None
    service_level: float | None = Field(description="Weighted by calls.")
    asa_seconds: float | None = Field(description="Weighted by calls answered.")
    abandonment: float | None
    occupancy: float | None


class StaffingPlanRead(Output):
    model: Model
    interval_minutes: float
    patience_seconds: float | None
    service_level_definition: DefinitionRead
    max_occupancy: float | None
    max_abandon: float | None
    max_asa_seconds: float | None
    shrinkage: float
    intervals: list[IntervalRead]
    day: DayRead


def _definition(chosen: ChosenDefinition) -> DefinitionRead:
    definition: ServiceLevelDefinition = chosen.definition
    return DefinitionRead(
        answer_seconds=definition.answer_seconds,
        target=definition.target,
        short_abandon_seconds=definition.short_abandon_seconds,
        exclude_short_abandons=definition.exclude_short_abandons,
        description=definition.describe(),
        queues=list(chosen.queues),
        overridden=chosen.overridden,
    )


def plan_read(plan: DayPlan, chosen: ChosenDefinition) -> StaffingPlanRead:
    request = plan.request
    day = plan.day
    return StaffingPlanRead(
        model=request.model,
        interval_minutes=request.interval_seconds / 60,
        patience_seconds=request.patience_seconds,
        service_level_definition=_definition(chosen),
        max_occupancy=request.max_occupancy,
        max_abandon=request.max_abandon,
        max_asa_seconds=request.max_asa_seconds,
        shrinkage=request.shrinkage,
        intervals=[
            IntervalRead(
                start=row.start,
                calls=row.calls,
                aht_seconds=row.handle_seconds,
                load_erlangs=row.load,
                agents=row.agents,
                agents_for_service_level=row.agents_for_service_level,
                staff=row.staff,
                limited_by=row.limited_by,
                p_wait=row.p_wait,
                service_level=row.service_level,
                asa_seconds=row.asa_seconds,
                abandonment=row.abandonment,
                occupancy=row.occupancy,
            )
            for row in plan.intervals
        ],
        day=DayRead(
            calls=day.calls,
            agent_hours=day.agent_hours,
            staff_hours=day.staff_hours,
            peak_agents=day.peak_agents,
            peak_staff=day.peak_staff,
            peak_start=day.peak_start,
            service_level=day.service_level,
            asa_seconds=day.asa_seconds,
            abandonment=day.abandonment,
            occupancy=day.occupancy,
        ),
    )
