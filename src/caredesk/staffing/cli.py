"""`caredesk staffing`: agents needed for a day's forecast (`plan`) or for one interval
(`interval`), by Erlang C or Erlang A, against the written service-level definition.

The maths, the routing configuration and the output are imported when a command runs, not when
the group is listed or asked for help. Every bad input is one line naming the option, or the
forecast's line and column, and nothing else is printed.
"""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from caredesk.cli_support import console, fail

if TYPE_CHECKING:
    from caredesk.routing.config import RoutingConfig
    from caredesk.staffing.definition import ChosenDefinition
    from caredesk.staffing.plan import ForecastInterval, PlanError
    from caredesk.staffing.schemas import StaffingPlanRead

app = typer.Typer(
    help="Staffing: agents needed per interval of a forecast, by Erlang C or Erlang A.",
    no_args_is_help=True,
)


class Format(StrEnum):
    TABLE = "table"
    CSV = "csv"
    JSON = "json"


class ModelChoice(StrEnum):
    ERLANG_C = "erlang-c"
    ERLANG_A = "erlang-a"


OPTION_OF = {
    "interval_minutes": "--interval",
    "patience_seconds": "--patience",
    "max_occupancy": "--max-occupancy",
    "max_abandon": "--max-abandon",
    "max_asa_seconds": "--max-asa",
    "shrinkage": "--shrinkage",
    "queue": "--queue",
    "answer_seconds": "--answer-within",
    "target": "--target",
}
_LENGTH = re.compile(r"(\d{1,5}(?:\.\d{1,3})?)\s{0,3}(s|m|min|h)?", re.ASCII | re.IGNORECASE)
_SECONDS_IN = {"s": 1, "m": 60, "min": 60, "h": 3600}


def interval_seconds(text: str) -> float:
    """30m, 30 (minutes), 1h, 1800s."""
    match = _LENGTH.fullmatch(text.strip())
    if not match:
        raise fail(f"--interval: {text[:20]!r} is not a length; write e.g. 30m, 15m or 1h")
    unit = (match.group(2) or "m").lower()
    return float(match.group(1)) * _SECONDS_IN[unit]


def _routing(routing_file: Path | None) -> RoutingConfig:
    from caredesk.routing.config_file import RoutingFileError, load_routing

    try:
        return load_routing(routing_file)
    except RoutingFileError as error:
        raise fail(f"routing file {error}") from None


def _definition(
    routing_file: Path | None, queue: str | None, answer: float | None, target: float | None
) -> ChosenDefinition:
    from caredesk.staffing.definition import choose_definition
    from caredesk.staffing.plan import PlanError

    routing = _routing(routing_file)
    try:
        return choose_definition(routing, queue=queue, answer_seconds=answer, target=target)
    except PlanError as error:
        raise fail(_option_message(error)) from None


def _option_message(error: PlanError) -> str:
    field = error.field or ""
    return f"{OPTION_OF.get(field, field)}: {error.detail}"


def _plan(
    intervals: tuple[ForecastInterval, ...],
    *,
    length: float,
    chosen: ChosenDefinition,
    model: ModelChoice,
    patience: float | None,
    max_occupancy: float | None,
    max_abandon: float | None,
    max_asa: float | None,
    shrinkage: float,
    where: dict[str, str],
    lines: tuple[int, ...] = (),
    forecast_name: str = "",
) -> StaffingPlanRead:
    """Builds the plan, or fails with one line: an interval's value by its line and column (or
    by the option that gave it, in `where`), any other input by its option."""
    from caredesk.staffing.plan import Model, PlanError, PlanRequest, build_plan
    from caredesk.staffing.schemas import plan_read

    request = PlanRequest(
        intervals=intervals,
        interval_seconds=length,
        definition=chosen.definition,
        model=Model(model.value),
        patience_seconds=patience,
        max_occupancy=max_occupancy,
        max_abandon=max_abandon,
        max_asa_seconds=max_asa,
        shrinkage=shrinkage,
    )
    try:
        plan = build_plan(request)
    except PlanError as error:
        if error.index is not None and error.column is not None:
            if error.column in where:
                raise fail(f"{where[error.column]}: {error.detail}") from None
            line = lines[error.index] if error.index < len(lines) else error.index + 1
            raise fail(f"{forecast_name} line {line} ({error.column}): {error.detail}") from None
        if error.field == "intervals" and forecast_name:
            raise fail(f"{forecast_name}: {error.detail}") from None
        raise fail(_option_message(error)) from None
    return plan_read(plan, chosen)


def _emit(plan: StaffingPlanRead, output: Format, *, one_interval: bool = False) -> None:
    from caredesk.staffing.output import plan_csv, print_plan

    if output is Format.JSON:
        typer.echo(plan.model_dump_json(indent=2))
    elif output is Format.CSV:
        typer.echo(plan_csv(plan), nl=False)
    else:
        print_plan(console, plan, one_interval=one_interval)


# Options both commands take, with their bounds (checked again by the plan itself).
_MODEL = typer.Option(
    ModelChoice.ERLANG_C, "--model", help="erlang-c, or erlang-a (callers give up)."
)
_PATIENCE = typer.Option(
    None, "--patience", min=1, max=3600, help="Callers' mean patience in seconds (erlang-a)."
)
_ANSWER = typer.Option(
    None,
    "--answer-within",
    min=0,
    max=3600,
    help="Service level: answered within this many seconds (default: the routing config's).",
)
_TARGET = typer.Option(
    None,
    "--target",
    min=0,
    max=1,
    help="Service level: this share answered in time, e.g. 0.8 (default: the routing config's).",
)
_QUEUE = typer.Option(
    None, "--queue", help="Take this queue's service-level definition from the routing config."
)
_MAX_OCCUPANCY = typer.Option(
    None,
    "--max-occupancy",
    min=0,
    max=1,
    help="Cap on occupancy, e.g. 0.85: more agents if busier.",
)
_MAX_ABANDON = typer.Option(
    None, "--max-abandon", min=0.001, max=0.999, help="Ceiling on abandonment (erlang-a)."
)
_MAX_ASA = typer.Option(None, "--max-asa", min=1, max=3600, help="Ceiling on the ASA in seconds.")
_SHRINKAGE = typer.Option(
    0.0,
    "--shrinkage",
    min=0,
    max=0.9,
    help="Share of paid time off the phones (breaks, training): staff = agents / (1 - it).",
)
_ROUTING_FILE = typer.Option(
    None, "--routing-file", help="Routing file with the service levels (default: the one in force)."
)
_FORMAT = typer.Option(Format.TABLE, "--format", help="table, csv or json.")


@app.command("plan")
def plan(
    forecast: Path = typer.Argument(
        ...,
        help="CSV with columns start,calls,aht_seconds: one interval a line (08:00,100,180).",
    ),
    interval: str = typer.Option("30m", "--interval", help="Interval length: 30m, 15m, 1h."),
    aht: float | None = typer.Option(
        None, "--aht", min=1, max=14_400, help="Handle time in seconds for lines giving none."
    ),
    model: ModelChoice = _MODEL,
    patience: float | None = _PATIENCE,
    answer_within: float | None = _ANSWER,
    target: float | None = _TARGET,
    queue: str | None = _QUEUE,
    max_occupancy: float | None = _MAX_OCCUPANCY,
    max_abandon: float | None = _MAX_ABANDON,
    max_asa: float | None = _MAX_ASA,
    shrinkage: float = _SHRINKAGE,
    routing_file: Path | None = _ROUTING_FILE,
    output: Format = _FORMAT,
) -> None:
    """Agents needed in each interval of a day's FORECAST, the figures they give (P(wait),
    service level, ASA, abandonment, occupancy) and the day's agent-hours and peak."""
    from caredesk.staffing.forecast import ForecastError, read_forecast

    length = interval_seconds(interval)
    if len(str(forecast)) > 1000:
        raise fail("FORECAST: a path of at most 1000 characters")
    try:
        loaded = read_forecast(forecast, default_aht=aht)
    except ForecastError as error:
        raise fail(str(error)) from None
    chosen = _definition(routing_file, queue, answer_within, target)
    result = _plan(
        loaded.intervals,
        length=length,
        chosen=chosen,
        model=model,
        patience=patience,
        max_occupancy=max_occupancy,
        max_abandon=max_abandon,
        max_asa=max_asa,
        shrinkage=shrinkage,
        where={},
        lines=loaded.lines,
        forecast_name=str(forecast),
    )
    _emit(result, output)


@app.command("interval")
def one_interval(
    calls: float = typer.Option(..., "--calls", min=0, help="Contacts offered in the interval."),
    interval: str = typer.Option("30m", "--interval", help="Interval length: 30m, 15m, 1h."),
    aht: float = typer.Option(..., "--aht", min=1, max=14_400, help="Average handle time, s."),
    model: ModelChoice = _MODEL,
    patience: float | None = _PATIENCE,
    answer_within: float | None = _ANSWER,
    target: float | None = _TARGET,
    queue: str | None = _QUEUE,
    max_occupancy: float | None = _MAX_OCCUPANCY,
    max_abandon: float | None = _MAX_ABANDON,
    max_asa: float | None = _MAX_ASA,
    shrinkage: float = _SHRINKAGE,
    routing_file: Path | None = _ROUTING_FILE,
    output: Format = _FORMAT,
) -> None:
    """Agents needed for one interval, and P(wait), service level, ASA, abandonment and
    occupancy with that many."""
    from caredesk.staffing.plan import ForecastInterval

    length = interval_seconds(interval)
    chosen = _definition(routing_file, queue, answer_within, target)
    result = _plan(
        (ForecastInterval("00:00", calls, aht),),
        length=length,
        chosen=chosen,
        model=model,
        patience=patience,
        max_occupancy=max_occupancy,
        max_abandon=max_abandon,
        max_asa=max_asa,
        shrinkage=shrinkage,
        where={"calls": "--calls", "aht_seconds": "--aht"},
    )
    _emit(result, output, one_interval=True)
