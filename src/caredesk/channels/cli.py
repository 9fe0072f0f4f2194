"""`caredesk outbox ...` (what was sent to whom) and `caredesk mail catch` (a local mail catcher
for demos). Heavy modules are imported inside the commands so that `--help` stays fast."""

from __future__ import annotations

import ipaddress
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from caredesk.cli_support import console, fail, open_database, run_command
from caredesk.signals import stop_on_signals

if TYPE_CHECKING:
    from caredesk.channels.email.catcher import Caught
    from caredesk.channels.models import OutboxMessage

outbox_app = typer.Typer(help="Messages owed to customers: list and show.", no_args_is_help=True)
mail_app = typer.Typer(help="A local mail catcher for demos.", no_args_is_help=True)

STATUSES = ("pending", "sending", "sent", "dead", "withdrawn")


def _when(value: Any) -> str:
    # Stored in UTC; said so, since an operator reads these beside customers' local times.
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "-"


def _held_until(row: OutboxMessage, now: datetime) -> datetime | None:
    """When a pending message is not to go before a later time (a callback notice waits for
    its lead time before the planned call; a failed try waits for its retry), that time."""
    from caredesk.channels.models import OutboxStatus

    if row.status == OutboxStatus.PENDING and row.available_at > now:
        return row.available_at
    return None


@outbox_app.command("list")
def list_outbox(
    status: str = typer.Option(None, help=f"Only messages in this status: {', '.join(STATUSES)}."),
    kind: str = typer.Option(None, help="Only messages of this kind, e.g. callback.dropped_call."),
    after: int = typer.Option(None, min=0, help="Only messages with an id above this one."),
    limit: int = typer.Option(50, min=1, max=500, help="At most this many."),
) -> None:
    """List outbox messages, oldest first: one line each with id, created, status (and, for a
    message held for later, when it goes), to whom, subject and kind."""
    from caredesk.channels import queries
    from caredesk.channels.models import OutboxStatus
    from caredesk.clock import SystemClock

    if status is not None and status not in STATUSES:
        raise fail(f"--status: {status!r} is not one of {', '.join(STATUSES)}")
    with run_command(), open_database() as db, db.uow() as uow:
        rows = queries.list_messages(
            uow,
            status=OutboxStatus(status) if status else None,
            kind=kind,
            after_id=after,
            limit=limit,
        )
        now = SystemClock().now()
        for row in rows:
            held = _held_until(row, now)
            status = f"{row.status} until {_when(held)}" if held else f"{row.status:<7}"
            # One line per message, never cut, so that it can be read and searched.
            console.print(
                f"{row.id:>5}  {_when(row.created_at)}  {status}  "
                f'to {row.payload.get("to", "")}  "{row.payload.get("subject", "")}"  '
                f"({row.kind}, {row.channel}, {row.attempts} tries)",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        if not rows:
            console.print("no messages")


@outbox_app.command("show")
def show_outbox(message_id: int = typer.Argument(..., min=1, help="The message id.")) -> None:
    """Show one outbox message: addressee, subject, status, delivery and the text body."""
    from caredesk.clock import SystemClock

    with run_command(), open_database() as db, db.uow() as uow:
        row = _get(uow.session, message_id)
        held = _held_until(row, SystemClock().now())
        facts = {
            "message": str(row.id),
            "kind": row.kind,
            "channel": row.channel,
            "to": str(row.payload.get("to", "")),
            "subject": str(row.payload.get("subject", "")),
            "status": row.status,
            "attempts": str(row.attempts),
            "goes at": _when(held) if held else "-",
            "created": _when(row.created_at),
            "sent": _when(row.sent_at),
            "receipt": row.receipt or "-",
            "last error": row.last_error or "-",
        }
        attachments = row.payload.get("attachments") or []
        if attachments:
            facts["attachments"] = ", ".join(str(item.get("filename")) for item in attachments)
        for key, value in facts.items():
            console.print(f"{key:>11}: {value}", markup=False, highlight=False, soft_wrap=True)
        console.print("")
        console.print(str(row.payload.get("text", "")), markup=False, highlight=False)


def _get(session: Any, message_id: int) -> OutboxMessage:
    from caredesk.channels.models import OutboxMessage
    from caredesk.errors import NotFound

    row = session.get(OutboxMessage, message_id)
    if row is None:
        raise NotFound(
            f"no outbox message with id {message_id}; `caredesk outbox list` shows them",
            field="MESSAGE_ID",
        )
    assert isinstance(row, OutboxMessage)
    return row


@mail_app.command("catch")
def catch(
    host: str = typer.Option("127.0.0.1", help="Loopback address to listen on."),
    port: int = typer.Option(8025, min=1, max=65535, help="SMTP port to listen on."),
    directory: Path = typer.Option(
        Path("var/mail"), "--dir", help="Where each message is kept as NNNNNN.eml."
    ),
) -> None:
    """Accept mail on loopback, keep every message in --dir and print one line per message.
    Point the outbox here with CAREDESK_SMTP_HOST=127.0.0.1 CAREDESK_SMTP_PORT=PORT (make run
    does). Ctrl-C stops it."""
    from caredesk.channels.email.catcher import start_catcher

    if not _is_loopback(host):
        raise fail(f"--host: {host!r} is not a loopback address; use 127.0.0.1 or ::1")

    def report(caught: Caught) -> None:
        console.print(
            f"mail to {', '.join(caught.to)}: {caught.subject}  ({caught.path})",
            markup=False,
            highlight=False,
            soft_wrap=True,  # one line per message, whatever the terminal's width
        )

    try:
        controller = start_catcher(host, port, directory, report)
    except OSError as exc:
        raise fail(f"--port: cannot listen on {host}:{port} ({exc.strerror or exc})") from None
    except RuntimeError as exc:
        # aiosmtpd reports a port in use as a failed start of its server thread.
        raise fail(f"--port: cannot listen on {host}:{port} ({exc})") from None
    stopped = threading.Event()
    console.print(f"catching mail on {host}:{port}; messages go to {directory}/")
    try:
        with stop_on_signals(stopped):
            # Python runs a handler only when the main thread runs again: wait in short steps.
            while not stopped.wait(0.2):
                pass
    finally:
        controller.stop()


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
