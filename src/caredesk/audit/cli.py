"""`caredesk audit list`: the audit trail, oldest first, filtered by subject or action. Services
are imported inside the command so that `--help` loads no database code."""

from __future__ import annotations

import json

import typer

from caredesk.cli_support import console, open_database, run_command

app = typer.Typer(help="The audit trail: who did what, when.", no_args_is_help=True)


@app.command("list")
def list_events(
    subject_type: str = typer.Option(None, help="e.g. ticket, account, callback, user."),
    subject_id: str = typer.Option(None, help="The subject's id."),
    action: str = typer.Option(None, help="e.g. ticket.escalated."),
    cursor: str = typer.Option(None, help="Continue after the page before (printed at the end)."),
    limit: int = typer.Option(50, min=1, max=200, help="At most this many."),
) -> None:
    """Audit events, oldest first: when, who, what and on which record."""
    from caredesk.audit import queries
    from caredesk.audit.models import AuditEvent
    from caredesk.db.paging import fetch_page

    with run_command(), open_database() as db, db.uow() as uow:
        query = queries.events_query(
            subject_type=subject_type, subject_id=subject_id, action=action
        )
        events, next_cursor = fetch_page(uow, query, AuditEvent.id, limit=limit, cursor=cursor)
        for event in events:
            details = f"  {json.dumps(event.details, sort_keys=True)}" if event.details else ""
            console.print(
                f"{event.id:>6}  {event.at:%Y-%m-%d %H:%M:%S}  {event.actor:<20}  "
                f"{event.action:<28}  {event.subject_type} {event.subject_id}{details}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
        if not events:
            console.print("no events")
        if next_cursor:
            console.print(f"more: --cursor {next_cursor}")
