"""A staffing plan written out: a Rich table per interval with the day's totals, a CSV (one row an
interval, the API's field names), or the API's JSON."""

from __future__ import annotations

import csv
import io

from rich import box
from rich.console import Console, Group, JustifyMethod
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from caredesk.staffing.schemas import IntervalRead, StaffingPlanRead

CSV_COLUMNS = tuple(IntervalRead.model_fields)
_LIMITS = {
    "service_level": "service level",
    "occupancy": "occupancy cap",
    "abandonment": "abandonment",
    "asa": "ASA",
}
_SHORT_LIMITS = {
    "service_level": "SL",
    "occupancy": "occ. cap",
    "abandonment": "aband.",
    "asa": "ASA",
}


def _share(value: float | None, places: int = 2) -> str:
    return "-" if value is None else f"{value:.{places}%}"


def _plain(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def _number(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _header(plan: StaffingPlanRead) -> Text:
    definition = plan.service_level_definition
    model = "Erlang C (callers wait as long as it takes)"
    if plan.patience_seconds is not None:
        model = f"Erlang A (callers' mean patience {plan.patience_seconds:g} s)"
    if definition.overridden:
        where = "given for this plan"
    elif len(definition.queues) <= 3:
        where = f"queue {', '.join(definition.queues)}"
    else:
        where = f"shared by {len(definition.queues)} queues"
    lines = [
        f"Service level: {definition.description} ({where})",
        f"Model: {model}; {plan.interval_minutes:g}-minute intervals",
    ]
    limits = []
    if plan.max_occupancy is not None:
        limits.append(f"occupancy at most {plan.max_occupancy:.0%}")
    if plan.max_abandon is not None:
        limits.append(f"abandonment at most {plan.max_abandon:.1%}")
    if plan.max_asa_seconds is not None:
        limits.append(f"ASA at most {plan.max_asa_seconds:g} s")
    if plan.shrinkage:
        limits.append(f"shrinkage {plan.shrinkage:.0%}")
    if limits:
        lines.append("Also: " + ", ".join(limits))
    return Text("\n".join(lines))


def plan_table(plan: StaffingPlanRead) -> Group:
    erlang_a = plan.patience_seconds is not None
    staff = plan.shrinkage > 0
    limited = any(row.limited_by not in (None, "service_level") for row in plan.intervals)
    day = plan.day
    # Short headings and no borders: the table fits 80 columns with the usual options.
    table = Table(
        title="Staffing plan",
        title_justify="left",
        show_footer=True,
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    columns: list[tuple[str, str]] = [
        ("Start", "day"),
        ("Calls", _number(day.calls)),
        ("AHT s", ""),
        ("Load", ""),
        ("Agents", ""),
    ]
    if staff:
        columns.append(("Staff", ""))
    columns += [
        ("P(wait)", ""),
        ("SL", _share(day.service_level, 1)),
        ("ASA s", _plain(day.asa_seconds)),
    ]
    if erlang_a:
        columns.append(("Aband.", _share(day.abandonment, 1)))
    columns.append(("Occ.", _share(day.occupancy, 1)))
    if limited:
        columns.append(("Set by", ""))
    for name, footer in columns:
        justify: JustifyMethod = "left" if name in ("Start", "Set by") else "right"
        table.add_column(name, footer, justify=justify, no_wrap=True)
    for row in plan.intervals:
        cells = [
            row.start,
            _number(row.calls),
            f"{row.aht_seconds:g}",
            f"{row.load_erlangs:,.2f}",
            str(row.agents),
        ]
        if staff:
            cells.append(str(row.staff))
        cells += [_share(row.p_wait, 1), _share(row.service_level, 1), _plain(row.asa_seconds)]
        if erlang_a:
            cells.append(_share(row.abandonment, 1))
        cells.append(_share(row.occupancy, 1))
        if limited:
            cells.append(_SHORT_LIMITS.get(row.limited_by or "", ""))
        table.add_row(*cells)
    hours = f"{day.agent_hours:,.1f} agent-hours"
    if staff:
        hours += f", {day.staff_hours:,.1f} staff-hours to schedule"
    peak = f"peak {day.peak_agents} agents" + (f" at {day.peak_start}" if day.peak_start else "")
    if staff:
        peak += f" ({day.peak_staff} staff)"
    return Group(_header(plan), table, Text(f"Day: {hours}; {peak}"))


def interval_table(plan: StaffingPlanRead) -> Group:
    row = plan.intervals[0]
    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(justify="left")
    table.add_column(justify="right")
    table.add_row("calls", _number(row.calls))
    table.add_row("average handle time", f"{row.aht_seconds:g} s")
    table.add_row("load", f"{_number(row.load_erlangs)} Erlangs")
    table.add_row("agents needed", str(row.agents))
    if row.limited_by not in (None, "service_level"):
        table.add_row("set by", f"the {_LIMITS[row.limited_by or '']}")
        table.add_row("for the service level alone", str(row.agents_for_service_level))
    if plan.shrinkage:
        table.add_row("staff to schedule", str(row.staff))
    table.add_row("P(wait)", _share(row.p_wait))
    table.add_row("service level", _share(row.service_level))
    table.add_row("ASA", _seconds(row.asa_seconds))
    if plan.patience_seconds is not None:
        table.add_row("abandonment", _share(row.abandonment))
    table.add_row("occupancy", _share(row.occupancy))
    return Group(_header(plan), table)


def print_plan(console: Console, plan: StaffingPlanRead, *, one_interval: bool = False) -> None:
    shown = interval_table(plan) if one_interval else plan_table(plan)
    if not console.is_terminal:
        # Into a file or a pipe the table is written whole, not cut to the default 80 columns.
        needed = Measurement.get(console, console.options.update_width(1000), shown).maximum
        console = Console(file=console.file, width=max(console.width, needed))
    console.print(shown, highlight=False)


def plan_csv(plan: StaffingPlanRead) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in plan.intervals:
        values = row.model_dump()
        writer.writerow(
            "" if values[name] is None else _csv_value(values[name]) for name in CSV_COLUMNS
        )
    return out.getvalue()


def _csv_value(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    return str(value)
