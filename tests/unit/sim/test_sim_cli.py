"""`caredesk sim run` and `caredesk sim list`: the figures, the CSV, the chart, one-line errors."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

from typer.testing import CliRunner

from caredesk.cli import app
from caredesk.sim.output import CSV_COLUMNS

from .scripted import ONE_QUEUE

runner = CliRunner()

# Top-level keys first, then the queue's routing tables, then the scenario's tables.
SMALL = (
    """
title = "A small afternoon"
start = 2026-03-10T16:00:00Z
hours = 1
interval_minutes = 15
"""
    + ONE_QUEUE
    + """
[arrivals]
per_hour = 300
[handle]
mean_seconds = 120
[patience]
mean_seconds = 300
[callbacks]
ask = 0.3
answer = 1.0
[[traffic]]
queue = "main"
[[agents]]
name = "a"
count = 9
skills = { care = 4 }
primary = ["main"]
"""
)


def test_sim_run_prints_the_figures_and_writes_the_csv_and_the_chart(tmp_path: Path) -> None:
    scenario = tmp_path / "afternoon.toml"
    scenario.write_text(SMALL, encoding="utf-8")
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["sim", "run", str(scenario), "--seed", "3", "--out", str(out), "--no-progress"]
    )
    assert result.exit_code == 0, result.output
    for words in (
        "service level",
        "ASA",
        "abandonment",
        "occupancy",
        "RASE",
        "within 20%",
        "call me back",
        "events",
    ):
        assert words in result.output
    with (out / "afternoon-seed3.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) >= 5  # an hour of arrivals in 15-minute intervals, then the drain
    assert sum(int(row[1]) for row in rows[1:]) > 200
    chart = ET.parse(out / "afternoon-seed3.svg").getroot()
    lines = chart.findall("{http://www.w3.org/2000/svg}polyline")
    assert len(lines) == 5


def test_the_progress_bar_runs_too(tmp_path: Path) -> None:
    scenario = tmp_path / "afternoon.toml"
    scenario.write_text(SMALL, encoding="utf-8")
    result = runner.invoke(
        app, ["sim", "run", str(scenario), "--hours", "0.2", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "afternoon-seed1.csv").is_file()


def test_errors_are_one_line(tmp_path: Path) -> None:
    unknown = runner.invoke(app, ["sim", "run", "mm1000", "--out", str(tmp_path)])
    assert unknown.exit_code == 2
    assert unknown.stderr.strip().count("\n") == 0 and "no scenario 'mm1000'" in unknown.stderr
    broken = tmp_path / "broken.toml"
    broken.write_text(SMALL.replace("per_hour = 300", "per_hour = -3"), encoding="utf-8")
    bad = runner.invoke(app, ["sim", "run", str(broken), "--out", str(tmp_path)])
    assert bad.exit_code == 2 and "arrivals.per_hour" in bad.stderr
    assert bad.stderr.strip().count("\n") == 0
    too_short = runner.invoke(app, ["sim", "run", "mm100", "--hours", "0.5"])
    assert too_short.exit_code == 2 and "warm-up" in too_short.stderr


def test_sim_list_names_the_shipped_scenarios() -> None:
    result = runner.invoke(app, ["sim", "list"])
    assert result.exit_code == 0
    for name in (
        "mm100",
        "mm100_abandon",
        "sinusoidal_day",
        "lognormal_day",
        "multiskill_day",
        "big_day",
    ):
        assert name in result.output
