"""The `caredesk` command. Each domain owns its command group, and a group's module is imported
only when that group runs: `caredesk --help` and every command start without loading the web
app, the ORM models of other domains or the migration tooling."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

# Typer's bundled Click, whose exception types Typer does not re-export.
from typer.core import _click as click  # type: ignore[attr-defined]

from caredesk.cli_support import collect_garbage_later, console, err_console, run_command

# Each group is mounted here by a plain import inside its loader, so that a command imports only
# its own domain (start-up time); "who mounts this group?" is answered by this file.


def _user_group() -> typer.Typer:
    from caredesk.users.cli import user_app

    return user_app


def _token_group() -> typer.Typer:
    from caredesk.users.cli import token_app

    return token_app


def _account_group() -> typer.Typer:
    from caredesk.accounts.cli import app

    return app


def _agent_group() -> typer.Typer:
    from caredesk.agents.cli import app

    return app


def _ticket_group() -> typer.Typer:
    from caredesk.tickets.cli import app

    return app


def _memo_group() -> typer.Typer:
    from caredesk.memos.cli import app

    return app


def _call_group() -> typer.Typer:
    from caredesk.callbacks.call_cli import app

    return app


def _audit_group() -> typer.Typer:
    from caredesk.audit.cli import app

    return app


def _demo_group() -> typer.Typer:
    from caredesk.demo.cli import app

    return app


def _policy_group() -> typer.Typer:
    from caredesk.callbacks.policy_cli import app

    return app


def _dispatcher_group() -> typer.Typer:
    from caredesk.callbacks.dispatch.cli import app

    return app


def _callback_group() -> typer.Typer:
    from caredesk.callbacks.cli import app

    return app


def _outbox_group() -> typer.Typer:
    from caredesk.channels.cli import outbox_app

    return outbox_app


def _mail_group() -> typer.Typer:
    from caredesk.channels.cli import mail_app

    return mail_app


def _sim_group() -> typer.Typer:
    from caredesk.sim.cli import app

    return app


def _staffing_group() -> typer.Typer:
    from caredesk.staffing.cli import app

    return app


def _sip_group() -> typer.Typer:
    from caredesk.channels.voice.sip.cli import app

    return app


# (command name, loader, one-line help shown by `caredesk --help`).
SUBCOMMANDS: tuple[tuple[str, Callable[[], typer.Typer], str], ...] = (
    ("user", _user_group, "Users of the platform: staff and customers."),
    ("token", _token_group, "API tokens (bearer)."),
    ("account", _account_group, "Customer accounts, the people on them and their numbers."),
    ("agent", _agent_group, "Agents: profiles, weekly shifts and state."),
    (
        "ticket",
        _ticket_group,
        "Cases: create, list, show, escalate, resolve, reopen, and the resolution-check job.",
    ),
    ("memo", _memo_group, "Account memos: add and list."),
    ("call", _call_group, "The callback call: start, result, steps, hang up, voicemail, wrap-up."),
    ("audit", _audit_group, "The audit trail: who did what, when."),
    ("demo", _demo_group, "Deterministic synthetic demo data."),
    (
        "policy",
        _policy_group,
        "Outbound-call policy: check a case against the rules, list the rules.",
    ),
    (
        "dispatcher",
        _dispatcher_group,
        "The callback dispatcher: claims due callbacks, offers them to agents.",
    ),
    ("callback", _callback_group, "Callbacks: request, due, why not now, cancel, slots."),
    ("outbox", _outbox_group, "Messages owed to customers: list and show."),
    ("mail", _mail_group, "A local mail catcher for demos."),
    (
        "sim",
        _sim_group,
        "The digital twin: a day simulated through the real routing and callback code.",
    ),
    (
        "staffing",
        _staffing_group,
        "Staffing: agents needed per interval of a forecast, by Erlang C or Erlang A.",
    ),
    ("sip", _sip_group, "The SIP phone line: callers from a trunk or PBX walk the IVR menus."),
)
_LAZY = {name: (load, short) for name, load, short in SUBCOMMANDS}


class LazyGroup(TyperGroup):
    """Lists the domain groups from SUBCOMMANDS and imports one only when it is used.

    The context and command types are Typer's bundled Click, which it does not export; they are
    spelled ``Any`` here."""

    _listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return sorted({*super().list_commands(ctx), *_LAZY})

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in _LAZY:
            return super().get_command(ctx, cmd_name)
        load, short = _LAZY[cmd_name]
        if self._listing:
            # Only the name and the line of help are shown; no reason to import the group.
            return TyperCommand(cmd_name, help=short, short_help=short)
        sub_app = load()
        command = typer.main.get_group(sub_app)
        command.name = cmd_name
        return command

    def main(self, *args: Any, **kwargs: Any) -> Any:
        """A usage error (a missing option, a value out of range) is one line on stderr with
        exit status 2, like every other error of the command line."""
        kwargs["standalone_mode"] = False
        try:
            code = super().main(*args, **kwargs)
        except click.exceptions.ClickException as error:
            # With no arguments a group prints its help and ends the same way; nothing to add.
            if type(error).__name__ != "NoArgsIsHelpError":
                context = getattr(error, "ctx", None)
                where = f" (see `{context.command_path} --help`)" if context else ""
                message = " ".join(error.format_message().split())
                # A choice checked by a validator comes with Pydantic's "Value error, " on it.
                message = message.replace("Value error, ", "")
                err_console.print(
                    f"error: {message}{where}", markup=False, highlight=False, soft_wrap=True
                )
            sys.exit(error.exit_code)
        except typer.Abort:
            sys.exit(1)
        sys.exit(code if isinstance(code, int) else 0)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


app = typer.Typer(
    cls=LazyGroup,
    help="caredesk: customer care with outbound callbacks that follow policy, rule by rule.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from caredesk.config import get_settings
    from caredesk.db import migrate

    url = get_settings().database_url
    with run_command():
        migrate.upgrade(url, revision)
        console.print(f"database at revision {migrate.current(url)}")


@db_app.command("current")
def db_current() -> None:
    """Print the database's migration revision."""
    from caredesk.config import get_settings
    from caredesk.db import migrate

    with run_command():
        console.print(migrate.current(get_settings().database_url) or "empty")


SHUTDOWN_GRACE_SECONDS = 5


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535),
    workers: int = typer.Option(1, min=1, max=64, help="Worker processes (PostgreSQL for >1)."),
) -> None:
    """Serve the API and web pages."""
    import uvicorn

    from caredesk.config import get_settings
    from caredesk.logs import configure_logging

    settings = get_settings()
    configure_logging(settings.log_level, json_logs=settings.log_json)
    if workers > 1 and settings.database_url.startswith("sqlite"):
        console.print("note: SQLite has one writer; use PostgreSQL to scale workers")
    with contextlib.ExitStack() as stack:
        if workers > 1 and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            # The workers share their HTTP metrics through files here, so /metrics counts every
            # worker's requests whichever worker answers the scrape; removed when serving stops.
            import tempfile

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
            # A worker answers the supervisor's health check only once it has imported the app;
            # on a loaded machine that takes longer than uvicorn's 5 s, and it would be killed
            # in a loop.
            timeout_worker_healthcheck=30,
            # Live streams (/live) never end by themselves: on shutdown they are cut after this
            # long, and the browsers reconnect to the next server from where they were.
            timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
        )


@app.command("command-server")
def command_server(
    socket_path: str | None = typer.Option(
        None,
        "--socket",
        help="The socket's path (default: CAREDESK_COMMAND_SOCKET, else this installation's own).",
    ),
    idle_minutes: int = typer.Option(
        0, min=0, help="Stop after this many minutes without a command (0: never)."
    ),
    watch: list[str] = typer.Option(
        None, help="A directory whose Python files, changed, restart the server (repeatable)."
    ),
) -> None:
    """Keep caredesk loaded so that each command starts at once (`make run` starts one).

    The `caredesk` command hands each command to it (and starts one in the background when
    none runs; CAREDESK_COMMAND_SERVER=off runs every command in its own process)."""
    from caredesk.command_protocol import socket_path as commands_socket
    from caredesk.command_protocol import this_command
    from caredesk.command_server import serve

    # Where the commands look for it (CAREDESK_COMMAND_SOCKET) unless told otherwise.
    path = os.path.abspath(socket_path or commands_socket())
    watched = [os.path.abspath(directory) for directory in watch or []]
    # Started again the same way when caredesk's code changes (the working directory is left).
    again = [*this_command(), "command-server", "--socket", path]
    again += ["--idle-minutes", str(idle_minutes)]
    for directory in watched:
        again += ["--watch", directory]

    def say(line: str) -> None:
        console.print(line, markup=False, highlight=False, soft_wrap=True)

    status = serve(
        path,
        _run_for_the_command_server,
        idle_seconds=idle_minutes * 60 or None,
        say=say,
        watch=watched,
        restart=again,
    )
    raise typer.Exit(status)


def _run_for_the_command_server() -> None:
    """A command, in the command server's fork of itself for it."""
    from caredesk.cli_support import reset_consoles
    from caredesk.config import get_settings

    # Made in the server, they read its terminal and its environment: made again for this one.
    reset_consoles()
    get_settings.cache_clear()
    main()


def main() -> None:
    # Looking for Pydantic plugins reads every installed package's metadata, a fixed cost on
    # each command, and caredesk uses none. To load one (tracing, say), set the variable to an
    # empty value: a value already set is kept.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    collect_garbage_later()
    app()


if __name__ == "__main__":
    main()
