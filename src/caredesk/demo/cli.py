"""`caredesk demo load`."""

from __future__ import annotations

import time as wall
from datetime import date
from typing import TYPE_CHECKING

import typer

from caredesk.cli_support import console, fail, open_database, run_command
from caredesk.clock import SystemClock

# The loader (and every model it fills) and the progress bar are imported when a load runs,
# not for `--help`.
if TYPE_CHECKING:
    from caredesk.db.session import Database

app = typer.Typer(help="Deterministic synthetic demo data.", no_args_is_help=True)


@app.command("load")
def load(
    accounts: int = typer.Option(300, min=1, max=5_000_000, help="How many accounts to add."),
    seed: int = typer.Option(1, help="The same seed and date give the same data."),
    as_of: str = typer.Option(
        None, help="The day the data is built around (YYYY-MM-DD); today by default."
    ),
    if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing when accounts exist."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """Accounts in every US zone (Arizona, Hawaii, Alaska and split-zone area codes included) and
    some international numbers, with bills, devices, memos, open tickets, and agents in every
    line of business with shifts."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from caredesk.demo.loader import has_accounts, load_demo

    try:
        day = date.fromisoformat(as_of) if as_of else SystemClock().now().date()
    except ValueError:
        raise fail(f"--as-of: {as_of!r} is not a date; use YYYY-MM-DD, e.g. 2027-01-30") from None
    with run_command(), open_database() as db:
        if if_empty and has_accounts(db):
            console.print("demo data already present; nothing loaded")
            _print_sign_ins(db)
            return
        started = wall.perf_counter()
        with Progress(
            # A column of its own: a plain string would be printed by the console, which reads
            # no markup (its text is what people typed), and show "[progress.description]".
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=quiet,
        ) as bar:
            task = bar.add_task("accounts", total=accounts)
            report = load_demo(
                db,
                accounts=accounts,
                seed=seed,
                as_of=day,
                progress=lambda n: bar.advance(task, n),
            )
        elapsed = wall.perf_counter() - started
        if not quiet:
            console.print(
                f"loaded {report.accounts} accounts, {report.people} people, "
                f"{report.lines} lines, {report.tickets} tickets, {report.memos} memos, "
                f"{report.agents} agents in {elapsed:.1f} s",
                soft_wrap=True,
            )
        _print_sign_ins(db)


def _print_sign_ins(db: Database) -> None:
    """The demo's logins and passwords, for the pages (/signin) and the API alike."""
    from caredesk.demo.loader import demo_sign_ins

    entries = demo_sign_ins(db)
    if not entries:
        return
    console.print("sign in (web pages at /, or POST /v1/auth/token) as:")
    for what, login, password in entries:
        console.print(f"  {what:<9} {login} / {password}", markup=False, highlight=False)
