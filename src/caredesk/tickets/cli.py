"""`caredesk ticket ...`: look at cases and run the resolution-check lapse job."""

from __future__ import annotations

import typer

from caredesk.cli_support import console, open_database, run_command
from caredesk.tickets import resolution, service
from caredesk.tickets.models import TicketStatus

app = typer.Typer(help="Cases: list, show, and the resolution-check job.", no_args_is_help=True)


@app.command("list")
def list_tickets(
    status: TicketStatus = typer.Option(None, help="Only cases in this status."),
    queue: str = typer.Option(None, help="Only cases in this queue, e.g. care."),
    limit: int = typer.Option(50, min=1, max=200, help="At most this many."),
) -> None:
    """List cases, oldest first."""
    from rich.table import Table

    with run_command(), open_database() as db, db.uow() as uow:
        rows, _ = service.list_tickets(uow, status=status, queue=queue, limit=limit)
        now = uow.clock.now()
        table = Table("case", "status", "priority", "queue", "assignee", "account", "SLA due")
        for ticket in rows:
            due = ticket.sla_due_at.strftime("%Y-%m-%d %H:%M")
            table.add_row(
                ticket.case_number,
                ticket.status,
                ticket.priority,
                ticket.queue,
                str(ticket.assignee_id or ""),
                str(ticket.account_id),
                f"{due} OVERDUE" if ticket.is_overdue(now) else due,
            )
        console.print(table)


@app.command("show")
def show(ref: str = typer.Argument(..., help="Case number (CS-000123) or id.")) -> None:
    """Show one case and its timeline."""
    from rich.table import Table
    from rich.text import Text

    with run_command(), open_database() as db, db.uow() as uow:
        ticket = service.get_ticket(uow, ref=ref)
        overdue = " (overdue)" if ticket.is_overdue(uow.clock.now()) else ""
        console.print(Text.assemble((ticket.case_number, "bold"), "  ", ticket.subject))
        facts = {
            "status": ticket.status,
            "priority": ticket.priority,
            "queue": ticket.queue,
            "assignee": str(ticket.assignee_id or "-"),
            "account": str(ticket.account_id),
            "SLA due": f"{ticket.sla_due_at.isoformat()}{overdue}",
            "created": ticket.created_at.isoformat(),
        }
        if ticket.resolved_at:
            facts["resolved"] = ticket.resolved_at.isoformat()
        if ticket.follow_up_due_at:
            facts["follow-up"] = ticket.follow_up_due_at.isoformat()
        for key, value in facts.items():
            console.print(f"{key:>10}: {value}", markup=False, highlight=False)
        console.print(ticket.description, markup=False, highlight=False)
        timeline = Table("at", "kind", "author", "entry")
        for entry in ticket.updates:
            timeline.add_row(
                entry.at.strftime("%Y-%m-%d %H:%M"),
                entry.kind + (" (internal)" if entry.internal else ""),
                entry.author,
                Text(entry.body),
            )
        console.print(timeline)


@app.command("lapse-checks")
def lapse_checks() -> None:
    """Close resolved cases whose resolution check got no answer by the follow-up date."""
    with run_command(), open_database() as db, db.uow() as uow:
        closed = resolution.lapse_resolution_checks(uow)
        numbers = ", ".join(t.case_number for t in closed)
        console.print(f"closed {len(closed)} case(s)" + (f": {numbers}" if numbers else ""))
