"""The `caredesk` command."""

from __future__ import annotations

import contextlib
import importlib
import os
import tempfile

import typer

from caredesk.cli_support import console, run_command
from caredesk.config import get_settings

app = typer.Typer(
    help="caredesk: customer care with outbound callbacks that follow policy, rule by rule.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")

# (module, attribute, command name): each domain owns its commands.
SUBCOMMANDS = (
    ("caredesk.users.cli", "user_app", "user"),
    ("caredesk.users.cli", "token_app", "token"),
    ("caredesk.accounts.cli", "app", "account"),
    ("caredesk.agents.cli", "app", "agent"),
    ("caredesk.tickets.cli", "app", "ticket"),
    ("caredesk.demo.cli", "app", "demo"),
    ("caredesk.callbacks.policy_cli", "app", "policy"),
    ("caredesk.callbacks.dispatcher_cli", "app", "dispatcher"),
    ("caredesk.callbacks.cli", "app", "callback"),
)
for module_name, attribute, command in SUBCOMMANDS:
    app.add_typer(getattr(importlib.import_module(module_name), attribute), name=command)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from caredesk.db import migrate

    url = get_settings().database_url
    with run_command():
        migrate.upgrade(url, revision)
        console.print(f"database at revision {migrate.current(url)}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's migration revision."""
    from caredesk.db import migrate

    with run_command():
        console.print(migrate.current(get_settings().database_url) or "empty")


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535),
    workers: int = typer.Option(1, min=1, max=64, help="Worker processes (PostgreSQL for >1)."),
) -> None:
    """Serve the API and web pages."""
    import uvicorn

    from caredesk.logs import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level, json_logs=settings.log_json)
    if workers > 1 and settings.database_url.startswith("sqlite"):
        console.print("note: SQLite has one writer; use PostgreSQL to scale workers")
    with contextlib.ExitStack() as stack:
        if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            # The workers share their HTTP metrics through files here, so /metrics counts every
            # worker's requests whichever worker answers the scrape; removed when serving stops.
            shared = stack.enter_context(tempfile.TemporaryDirectory(prefix="caredesk-metrics-"))
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = shared
        console.print(f"caredesk on http://{host}:{port}  (API docs at /docs)")
        uvicorn.run(
            "caredesk.web.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=None,
            access_log=False,
        )


def main() -> None:
    app()


if __name__ == "__main__":
    main()
