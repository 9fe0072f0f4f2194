"""`POST /v1/staffing/plan`: a day's staffing plan from a forecast (staff: leaders plan the
day, agents and specialists may see how it is worked out; it reads no customer data)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Request

from caredesk.routing.config import RoutingConfig
from caredesk.staffing.definition import choose_definition
from caredesk.staffing.plan import (
    ForecastInterval,
    PlanError,
    PlanRequest,
    build_plan,
)
from caredesk.staffing.schemas import StaffingPlanCreate, StaffingPlanRead, plan_read
from caredesk.web.deps import Staff

router = APIRouter(tags=["staffing"])


def routing_config(request: Request) -> RoutingConfig:
    """The routing configuration in force (its queues' service-level definitions)."""
    routing: RoutingConfig = request.app.state.routing
    return routing


_EXAMPLE = {
    "interval_minutes": 30,
    "aht_seconds": 180,
    "intervals": [
        {"start": "08:00", "calls": 100},
        {"start": "08:30", "calls": 140},
        {"start": "09:00", "calls": 180, "aht_seconds": 200},
    ],
    "answer_seconds": 20,
    "target": 0.8,
    "max_occupancy": 0.85,
    "shrinkage": 0.3,
}


@router.post(
    "/v1/staffing/plan",
    response_model=StaffingPlanRead,
    summary="Agents needed per interval of a day's forecast (Erlang C or Erlang A)",
    response_description="Per interval: load, agents and staff needed, what set them, P(wait), "
    "service level, ASA, abandonment (erlang-a) and occupancy; and the day's totals.",
)
def plan_day(
    principal: Staff,
    body: Annotated[StaffingPlanCreate, Body(examples=[_EXAMPLE])],
    routing: Annotated[RoutingConfig, Depends(routing_config)],
) -> StaffingPlanRead:
    """The fewest agents meeting the service level in each interval, under the occupancy cap
    and the abandonment and ASA ceilings when given. The service level is the routing
    configuration's written definition (of `queue`, or the one most queues share) unless
    `answer_seconds` or `target` are given. Every input at fault is named in `field`
    (`intervals[3].calls`)."""
    chosen = choose_definition(
        routing, queue=body.queue, answer_seconds=body.answer_seconds, target=body.target
    )
    intervals: list[ForecastInterval] = []
    for index, interval in enumerate(body.intervals):
        handle = interval.aht_seconds if interval.aht_seconds is not None else body.aht_seconds
        if handle is None:
            raise PlanError(
                "missing: give this interval's handle time, or the plan's aht_seconds",
                field=f"intervals[{index}].aht_seconds",
            )
        intervals.append(ForecastInterval(interval.start, interval.calls, handle))
    plan = build_plan(
        PlanRequest(
            intervals=tuple(intervals),
            interval_seconds=body.interval_minutes * 60,
            definition=chosen.definition,
            model=body.model,
            patience_seconds=body.patience_seconds,
            max_occupancy=body.max_occupancy,
            max_abandon=body.max_abandon,
            max_asa_seconds=body.max_asa_seconds,
            shrinkage=body.shrinkage,
        )
    )
    return plan_read(plan, chosen)
