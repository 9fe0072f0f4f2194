"""`caredesk dispatcher run`: the process that hands due callbacks to agents.

Run as many as you like against PostgreSQL (each claims with leases); on SQLite one is enough.
Logs are JSON lines on stderr; `--once` and `--until-idle` print a JSON summary on stdout."""

from __future__ import annotations

import json
import os
import socket
import threading
import uuid
from typing import TYPE_CHECKING, Any

import typer

from caredesk.cli_support import fail, open_database, run_command
from caredesk.signals import stop_on_signals

# The worker and everything it dispatches are imported when it runs, not for `--help`; so are
# the settings (pydantic-settings, and the asyncio it loads).
if TYPE_CHECKING:
    from caredesk.callbacks.dispatch.claims import CallbackClaim
    from caredesk.callbacks.dispatch.report import DispatchReport
    from caredesk.callbacks.runtime import CallbackRuntime
    from caredesk.config import Settings
    from caredesk.db.session import Database

app = typer.Typer(
    help="The callback dispatcher: claims due callbacks, offers them to agents.",
    no_args_is_help=True,
)


def default_worker_id() -> str:
    from caredesk.callbacks.dispatch.claims import MAX_WORKER_ID

    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"[:MAX_WORKER_ID]


def build_runtime(settings: Settings, db: Database) -> CallbackRuntime:
    """The process's runtime, built as the web app builds its own; a bad policy file or an
    unknown voice gateway stops the start with one line naming it."""
    from caredesk.bootstrap import build_callback_runtime

    try:
        return build_callback_runtime(settings, db.clock)
    except ValueError as exc:  # PolicyFileError is one
        raise fail(str(exc)) from None


def _pause(seconds: float, stop: threading.Event) -> Any:
    def after_claim(claims: list[CallbackClaim]) -> None:
        print(
            json.dumps({"claimed": [claim.id for claim in claims], "pausing_seconds": seconds}),
            flush=True,
        )
        stop.wait(seconds)

    return after_claim


@app.command("run")
def run(
    once: bool = typer.Option(False, "--once", help="One round, then exit."),
    until_idle: bool = typer.Option(
        False, "--until-idle", help="Rounds until one claims nothing, then exit."
    ),
    worker_id: str = typer.Option(
        None, "--worker-id", help="Name on the leases (default: host:pid:random)."
    ),
    batch: int = typer.Option(
        None,
        "--batch",
        min=1,
        max=1000,
        help="Callbacks per claim (default: CAREDESK_DISPATCHER_BATCH).",
    ),
    pause_after_claim: float = typer.Option(
        None,
        "--pause-after-claim",
        min=0,
        max=3600,
        help="Fault injection: wait SECONDS between claiming and offering, to test a worker "
        "that dies holding leases. Not for production.",
    ),
) -> None:
    """Run the dispatcher until SIGTERM or Ctrl-C (or once, with --once / --until-idle)."""
    from caredesk.callbacks.dispatch.worker import run_forever, run_once
    from caredesk.config import get_settings
    from caredesk.logs import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level, json_logs=settings.log_json)
    if once and until_idle:
        raise fail("--once and --until-idle: choose one")
    worker = worker_id or default_worker_id()
    stop = threading.Event()
    after_claim = _pause(pause_after_claim, stop) if pause_after_claim else None
    with run_command(), open_database() as db:
        runtime = build_runtime(settings, db)
        if not (once or until_idle):
            run_forever(
                db, runtime, worker_id=worker, stop=stop, batch=batch, after_claim=after_claim
            )
            return
        totals: dict[str, Any] = {"worker": worker, "rounds": 0}
        with stop_on_signals(stop):
            while not stop.is_set():
                report = run_once(
                    db, runtime, worker_id=worker, batch=batch, after_claim=after_claim
                )
                _add(totals, report)
                if once or report.claimed == 0:
                    break
        typer.echo(json.dumps(totals))


def _add(totals: dict[str, Any], report: DispatchReport) -> None:
    totals["rounds"] += 1
    for key, value in report.summary().items():
        if key in {"worker", "batch"}:
            continue
        if key == "failed_steps":
            totals.setdefault(key, [])
            totals[key] += [step for step in value.split(",") if step]
        elif key == "max_lateness_seconds":
            totals[key] = max(totals.get(key, 0.0), value)
        elif isinstance(value, int):
            totals[key] = totals.get(key, 0) + value
    totals["offered_ids"] = totals.get("offered_ids", []) + report.offered_ids
