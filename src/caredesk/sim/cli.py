"""`caredesk sim`: run the digital twin on a scenario, list the shipped scenarios.

The simulation, the routing core and the policy are imported when a command runs, not when the
group is listed or asked for help.
"""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path

import typer

from caredesk.cli_support import console, fail

app = typer.Typer(
    help="The digital twin: a day simulated through the real routing and callback code.",
    no_args_is_help=True,
)


class Engine(StrEnum):
    HEAP = "heap"
    SIMPY = "simpy"


@app.command("run")
def run(
    scenario: str = typer.Argument(
        ..., help="A shipped scenario (see `caredesk sim list`) or a scenario file (.toml)."
    ),
    seed: int | None = typer.Option(
        None, min=0, max=2**63 - 1, help="Random seed (default: the scenario's)."
    ),
    hours: float | None = typer.Option(
        None, min=0.01, max=72, help="Hours of arrivals (default: the scenario's)."
    ),
    out: Path = typer.Option(
        Path("var/sim"), "--out", help="Folder for the CSV and the chart.", file_okay=False
    ),
    engine: Engine = typer.Option(Engine.HEAP, help="The event list: a heap, or simpy."),
    policy_file: Path | None = typer.Option(
        None, "--policy-file", help="Outbound policy file (default: the one in force)."
    ),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show a progress bar."),
) -> None:
    """Run SCENARIO: service level, ASA, abandonment, occupancy and the accuracy of every wait
    predictor; per-interval figures to a CSV and an SVG chart."""
    import dataclasses

    from caredesk.callbacks.policy_file import PolicyFileError, load_policy
    from caredesk.sim.output import print_figures, write_csv, write_svg
    from caredesk.sim.reference import reference
    from caredesk.sim.scenario import ScenarioError, load_scenario
    from caredesk.sim.twin import Twin

    if len(scenario) > 500:
        raise fail("SCENARIO: at most 500 characters")
    try:
        loaded = load_scenario(scenario)
        if hours is not None:
            if hours <= loaded.warmup_hours:
                raise ScenarioError("hours", f"must be longer than the warm-up ({hours:g} h)")
            loaded = dataclasses.replace(loaded, hours=hours)
    except ScenarioError as error:
        raise fail(f"scenario {scenario}: {error}") from None
    try:
        policy = load_policy(policy_file)
    except PolicyFileError as error:
        raise fail(f"policy file {error}") from None
    twin = Twin(loaded, seed=seed, engine=engine.value, policy=policy)
    started = time.perf_counter()
    if progress:
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        columns = (
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            TextColumn("{task.percentage:>3.0f}%"),
            TextColumn("{task.fields[events]:>10,} events"),
            TimeElapsedColumn(),
        )
        with Progress(*columns, console=console, transient=True) as bar:
            task = bar.add_task(f"simulating {loaded.name}", total=1.0, events=0)
            figures = twin.run(lambda done, events: bar.update(task, completed=done, events=events))
    else:
        figures = twin.run()
    elapsed = time.perf_counter() - started
    print_figures(console, figures, reference(loaded))
    stem = f"{loaded.name}-seed{figures.seed}"
    csv_path, chart_path = out / f"{stem}.csv", out / f"{stem}.svg"
    write_csv(figures, csv_path)
    write_svg(figures, chart_path)
    rate = figures.events / elapsed if elapsed > 0 else 0.0
    console.print(
        f"{figures.simulated_seconds / 3600:.1f} simulated hours in {elapsed:.1f} s: "
        f"{figures.events:,} events ({rate:,.0f} a second), {figures.decisions:,} routing "
        f"decisions, {figures.policy_evaluations:,} policy evaluations",
        highlight=False,
    )
    console.print(f"per-interval figures: {csv_path}; chart: {chart_path}", highlight=False)


@app.command("list")
def list_scenarios() -> None:
    """The shipped scenarios."""
    from caredesk.cli_support import listing, show_listing
    from caredesk.sim.scenario import load_scenario, scenario_names

    table = listing("scenario", "day", "agents", "hours", whole=("scenario",))
    for name in scenario_names():
        loaded = load_scenario(name)
        table.add_row(name, loaded.title, f"{loaded.agent_count:,}", f"{loaded.hours:g}")
    show_listing(console, table, none="no scenarios")
