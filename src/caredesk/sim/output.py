"""A twin run's figures as people read them: tables on the console, a CSV, an SVG chart.

The chart is written by hand (a few dozen SVG elements): no plotting library is a dependency.
Top panel: contacts arriving per interval and agents logged in; bottom panel: service level,
abandonment and occupancy per interval, in percent.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from rich.console import Console
from rich.table import Table

from caredesk.sim.figures import CHOSEN, IntervalFigures, TwinFigures
from caredesk.sim.reference import Reference

CSV_COLUMNS = (
    "interval_start",
    "arrivals",
    "offered",
    "answered",
    "answered_in_time",
    "abandoned",
    "short_abandons",
    "callbacks",
    "overflowed",
    "service_level",
    "asa_seconds",
    "abandonment",
    "staffed_agents",
    "occupancy",
    "chosen_rase",
)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _num(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def print_figures(console: Console, figures: TwinFigures, ref: Reference | None = None) -> None:
    report = figures.report
    summary = Table(title=f"{figures.scenario} (seed {figures.seed})", show_header=False)
    summary.add_column("figure")
    summary.add_column("value", justify="right")
    rows = [
        ("service level", f"{_pct(report.service_level)} ({figures.definition.describe()})"),
        ("ASA", f"{_num(figures.asa)} s"),
        ("abandonment (callbacks excluded)", _pct(report.abandonment)),
        ("P(wait)", _pct(figures.p_wait)),
        ("occupancy", _pct(figures.occupancy)),
        ("offered / answered", f"{report.offered:,} / {report.answered:,}"),
        ("abandoned (short)", f"{report.abandoned:,} ({report.short_abandons:,})"),
        (
            "contacts (after hours, unserved at end)",
            f"{figures.contacts:,} ({figures.after_hours:,}, {figures.unserved:,})",
        ),
    ]
    for name, value in rows:
        summary.add_row(name, value)
    console.print(summary)
    if ref is not None:
        table = Table(
            title=f"the twin against {ref.model}: {ref.agents} agents, {ref.load:.1f} Erlangs"
        )
        for column in ("figure", "twin", "formula", "difference"):
            table.add_column(column, justify="right")
        pairs = [
            ("P(wait)", figures.p_wait, ref.p_wait),
            ("mean wait (s)", figures.asa, ref.mean_wait),
            ("service level", report.service_level, ref.service_level),
            ("abandonment", report.abandonment, ref.abandonment),
            ("occupancy", figures.occupancy, ref.occupancy),
        ]
        for name, twin, formula in pairs:
            relative = None if twin is None or not formula else twin / formula - 1
            table.add_row(name, _num(twin, 4), _num(formula, 4), _pct(relative))
        console.print(table)
    print_accuracy(console, figures, ref)
    print_callbacks(console, figures)


def print_accuracy(console: Console, figures: TwinFigures, ref: Reference | None = None) -> None:
    title = "estimated wait: each prediction against the wait that followed"
    if ref is not None and ref.ql_rase is not None:
        title += f" (QL's RASE in theory: 1 - rho = {ref.ql_rase:.3f})"
    common = next((item.common.count for item in figures.predictors if item.name == CHOSEN), 0)
    table = Table(
        title=title,
        caption=f"RASE*: over the {common:,} callers every predictor had an estimate for",
    )
    for column in (
        "predictor",
        "callers",
        "RASE",
        "RASE*",
        "bias s",
        "bias",
        "within 20%",
        "chosen",
    ):
        table.add_column(column, justify="right")
    for item in figures.predictors:
        accuracy = item.report
        table.add_row(
            item.name,
            f"{accuracy.count:,}",
            _num(accuracy.rase, 3),
            _num(item.common.rase, 3),
            _num(accuracy.bias_seconds),
            _pct(accuracy.relative_bias),
            _pct(accuracy.within_20),
            "" if item.name == CHOSEN else f"{item.chosen:,}",
        )
    console.print(table)


def print_callbacks(console: Console, figures: TwinFigures) -> None:
    callbacks = figures.callbacks
    if not callbacks.requested:
        return
    table = Table(title='"call me back, keep my place"', show_header=False)
    table.add_column("figure")
    table.add_column("value", justify="right")
    waits = ", ".join(f"{rules}: {count:,}" for rules, count in callbacks.waits) or "none"
    for name, value in (
        ("requested", f"{callbacks.requested:,}"),
        ("dials (through the policy gate)", f"{callbacks.dials:,}"),
        ("connected", f"{callbacks.connected:,}"),
        ("connected after the gate made them wait", f"{callbacks.connected_after_wait:,}"),
        ("closed with a voicemail (OB-VOICEMAIL)", f"{callbacks.voicemail:,}"),
        ("refused", f"{callbacks.refused:,}"),
        ("still owed at the end", f"{callbacks.pending:,}"),
        ("turns the gate deferred (rules)", waits),
        ("notices sent (OB-NOTIFY)", f"{callbacks.notices:,}"),
        ("mean from arrival to connection", f"{_num(callbacks.mean_to_connect)} s"),
        ("policy evaluations", f"{figures.policy_evaluations:,}"),
    ):
        table.add_row(name, value)
    if callbacks.to_agent:
        table.add_row(
            "customer first: answered, then to an agent (waited on the line)",
            f"{callbacks.to_agent:,} ({callbacks.waited_for_agent:,}, mean "
            f"{_num(callbacks.mean_wait_for_agent)} s)",
        )
    console.print(table)


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:.6g}"


def write_csv(figures: TwinFigures, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for item in figures.intervals:
            report = item.report
            writer.writerow(
                (
                    item.start.isoformat(),
                    item.arrivals,
                    report.offered,
                    report.answered,
                    report.answered_in_time,
                    report.abandoned,
                    report.short_abandons,
                    report.callbacks,
                    report.overflowed,
                    _cell(report.service_level),
                    _cell(item.asa),
                    _cell(report.abandonment),
                    _cell(item.staffed),
                    _cell(item.occupancy),
                    _cell(item.chosen_rase),
                )
            )


_WIDTH, _PANEL, _LEFT, _TOP, _GAP = 900, 200, 60, 40, 60
_COLOURS = {
    "arrivals": "#4c78a8",
    "staffed": "#f58518",
    "service level": "#54a24b",
    "abandonment": "#e45756",
    "occupancy": "#72b7b2",
}


def _polyline(points: Sequence[tuple[float, float]], colour: str) -> str:
    coords = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    return f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{coords}"/>'


def _panel(
    intervals: Sequence[IntervalFigures],
    top: float,
    series: Sequence[tuple[str, Sequence[float | None]]],
    ceiling: float,
    unit: str,
) -> list[str]:
    width = _WIDTH - _LEFT - 20
    step = width / max(1, len(intervals))
    parts = [
        f'<rect x="{_LEFT}" y="{top}" width="{width}" height="{_PANEL}" fill="none" stroke="#999"/>'
    ]
    for share in (0, 0.5, 1):
        y = top + _PANEL * (1 - share)
        parts.append(
            f'<text x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{ceiling * share:,.0f}'
            f"{unit}</text>"
        )
    for index, (name, values) in enumerate(series):
        colour = _COLOURS[name]
        points = [
            (_LEFT + (i + 0.5) * step, top + _PANEL * (1 - min(value, ceiling) / ceiling))
            for i, value in enumerate(values)
            if value is not None
        ]
        if points:
            parts.append(_polyline(points, colour))
        parts.append(
            f'<text x="{_LEFT + 10 + 150 * index}" y="{top - 8}" fill="{colour}">'
            f"{escape(name)}</text>"
        )
    return parts


def write_svg(figures: TwinFigures, path: Path) -> None:
    intervals = figures.intervals
    height = _TOP + 2 * _PANEL + _GAP + 50
    arrivals = [float(item.arrivals) for item in intervals]
    staffed = [item.staffed for item in intervals]
    volume = max([*arrivals, *staffed, 1.0])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<text x="{_LEFT}" y="16" font-size="14">{escape(figures.scenario)} (seed '
        f"{figures.seed}): per interval</text>",
    ]
    parts += _panel(
        intervals, _TOP, (("arrivals", arrivals), ("staffed", staffed)), volume * 1.1, ""
    )

    def percent(values: Sequence[float | None]) -> list[float | None]:
        return [None if value is None else 100 * value for value in values]

    parts += _panel(
        intervals,
        _TOP + _PANEL + _GAP,
        (
            ("service level", percent([item.report.service_level for item in intervals])),
            ("abandonment", percent([item.report.abandonment for item in intervals])),
            ("occupancy", percent([item.occupancy for item in intervals])),
        ),
        100.0,
        "%",
    )
    if intervals:
        bottom = _TOP + 2 * _PANEL + _GAP + 20
        first, last = intervals[0].start, intervals[-1].start
        parts.append(f'<text x="{_LEFT}" y="{bottom}">{first:%Y-%m-%d %H:%M %Z}</text>')
        parts.append(
            f'<text x="{_WIDTH - 20}" y="{bottom}" text-anchor="end">{last:%H:%M %Z}</text>'
        )
    parts.append("</svg>")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")
