"""`caredesk ticket ...`: open, list and show cases, move them through escalation, resolution and
reopening, and run the resolution-check lapse job. Services are imported inside the commands so
that `--help` loads no database code."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from caredesk.cli_support import console, fail, listing, open_database, run_command, show_listing

if TYPE_CHECKING:
    from caredesk.tickets.models import Ticket

app = typer.Typer(
    help="Cases: create, list, show, escalate, resolve, reopen, and the resolution-check job.",
    no_args_is_help=True,
)
STATUSES = (
    "new",
    "open",
    "pending_customer",
    "pending_internal",
    "escalated",
    "resolved",
    "closed",
    "reopened",
)
PRIORITIES = ("low", "normal", "high", "urgent")


def _one_of(value: str | None, allowed: tuple[str, ...], option: str) -> str | None:
    if value is not None and value not in allowed:
        raise fail(f"{option}: {value!r} is not one of {', '.join(allowed)}")
    return value


def _print_case(ticket: Ticket, account: str, assignee: str) -> None:
    console.print(
        f"{ticket.case_number}  {ticket.status}  {ticket.priority}  {ticket.queue}  "
        f"{ticket.subject!r}  account {account}  assignee {assignee or '-'}",
        markup=False,
        highlight=False,
        soft_wrap=True,
    )


@app.command("create")
def create(
    account: str = typer.Option(..., help="Account number (ACC-0000001) or id."),
    subject: str = typer.Option(..., help="One line, up to 200 characters."),
    description: str = typer.Option(..., help="What the customer reports."),
    priority: str = typer.Option("normal", help=f"One of {', '.join(PRIORITIES)}."),
    queue: str = typer.Option("care", help="The queue that works it, e.g. care, tech, billing."),
    assignee: str = typer.Option(None, help="Agent login or id."),
) -> None:
    """Open a case on an account."""
    _one_of(priority, PRIORITIES, "--priority")
    from caredesk.audit.service import Actor
    from caredesk.cli_refs import account_id_for, account_labels, agent_id_for, agent_names
    from caredesk.tickets import service
    from caredesk.tickets.models import TicketPriority

    with run_command(), open_database() as db, db.uow() as uow:
        ticket = service.create_ticket(
            uow,
            actor=Actor.system("cli"),
            account_id=account_id_for(uow, account),
            subject=subject,
            description=description,
            priority=TicketPriority(priority),
            queue=queue,
            assignee_id=agent_id_for(uow, assignee, field="--assignee") if assignee else None,
        )
        names = agent_names(uow, [ticket.assignee_id])
        _print_case(
            ticket,
            account_labels(uow, [ticket.account_id])[ticket.account_id],
            names.get(ticket.assignee_id or 0, ""),
        )


@app.command("list")
def list_tickets(
    status: str = typer.Option(None, help=f"Only cases in this status: {', '.join(STATUSES)}."),
    queue: str = typer.Option(None, help="Only cases in this queue, e.g. care."),
    account: str = typer.Option(None, help="Only this account's cases (number or id)."),
    limit: int = typer.Option(50, min=1, max=200, help="At most this many."),
) -> None:
    """List cases, oldest first: case, status, subject, the account's holder and the assignee."""
    _one_of(status, STATUSES, "--status")

    from caredesk.cli_refs import account_id_for, account_labels, agent_names
    from caredesk.tickets import queries
    from caredesk.tickets.models import TicketStatus

    with run_command(), open_database() as db, db.uow() as uow:
        rows, _ = queries.list_tickets(
            uow,
            status=TicketStatus(status) if status else None,
            queue=queue,
            account_id=account_id_for(uow, account) if account else None,
            limit=limit,
        )
        accounts = account_labels(uow, (ticket.account_id for ticket in rows))
        agents = agent_names(uow, (ticket.assignee_id for ticket in rows))
        now = uow.clock.now()
        table = listing(
            "case",
            "status",
            "priority",
            "subject",
            "account",
            "assignee",
            "SLA due",
            whole=("case", "status"),
        )
        for ticket in rows:
            due = ticket.sla_due_at.strftime("%Y-%m-%d %H:%M")
            table.add_row(
                ticket.case_number,
                ticket.status,
                ticket.priority,
                ticket.subject,
                accounts.get(ticket.account_id, str(ticket.account_id)),
                agents.get(ticket.assignee_id or 0, ""),
                f"{due} OVERDUE" if ticket.is_overdue(now) else due,
            )
        show_listing(console, table, none="no cases")


@app.command("show")
def show(ref: str = typer.Argument(..., help="Case number (CS-000123) or id.")) -> None:
    """Show one case and its timeline."""
    from rich.table import Table
    from rich.text import Text

    from caredesk.cli_refs import account_labels, agent_names
    from caredesk.tickets import queries

    with run_command(), open_database() as db, db.uow() as uow:
        ticket = queries.get_ticket(uow, ref=ref)
        overdue = " (overdue)" if ticket.is_overdue(uow.clock.now()) else ""
        console.print(Text.assemble((ticket.case_number, "bold"), "  ", ticket.subject))
        agents = agent_names(uow, [ticket.assignee_id])
        facts = {
            "status": ticket.status,
            "priority": ticket.priority,
            "queue": ticket.queue,
            "assignee": agents.get(ticket.assignee_id or 0, "-"),
            "account": account_labels(uow, [ticket.account_id])[ticket.account_id],
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


@app.command("escalate")
def escalate(
    ref: str = typer.Argument(..., help="Case number (CS-000123) or id."),
    reason: str = typer.Option(..., help="Why it goes up."),
    leader: str = typer.Option(None, help="The leader's login or agent id."),
    department: str = typer.Option(None, help="The queue it moves to, e.g. tech."),
) -> None:
    """Escalate a case to a leader, a department, or both."""
    from caredesk.audit.service import Actor
    from caredesk.cli_refs import agent_id_for
    from caredesk.tickets import lifecycle, queries

    with run_command(), open_database() as db, db.uow() as uow:
        ticket = lifecycle.escalate_ticket(
            uow,
            actor=Actor.system("cli"),
            ticket=queries.get_ticket(uow, ref=ref),
            reason=reason,
            leader_id=agent_id_for(uow, leader, field="--leader") if leader else None,
            department=department,
        )
        console.print(f"{ticket.case_number} escalated (queue {ticket.queue})")


@app.command("resolve")
def resolve(
    ref: str = typer.Argument(..., help="Case number (CS-000123) or id."),
    summary: str = typer.Option(..., help="What fixed it."),
) -> None:
    """Resolve a case; the customer is asked later whether the fix held."""
    from caredesk.audit.service import Actor
    from caredesk.tickets import queries, resolution

    with run_command(), open_database() as db, db.uow() as uow:
        ticket = resolution.resolve_ticket(
            uow, actor=Actor.system("cli"), ticket=queries.get_ticket(uow, ref=ref), summary=summary
        )
        follow_up = ticket.follow_up_due_at.isoformat() if ticket.follow_up_due_at else "-"
        console.print(f"{ticket.case_number} resolved; resolution check due {follow_up}")


@app.command("reopen")
def reopen(
    ref: str = typer.Argument(..., help="Case number (CS-000123) or id."),
    reason: str = typer.Option(..., help="Why it is not fixed."),
) -> None:
    """Reopen a resolved or closed case within the reopen window."""
    from caredesk.audit.service import Actor
    from caredesk.tickets import queries, resolution

    with run_command(), open_database() as db, db.uow() as uow:
        ticket = resolution.reopen_ticket(
            uow, actor=Actor.system("cli"), ticket=queries.get_ticket(uow, ref=ref), reason=reason
        )
        console.print(f"{ticket.case_number} reopened (reopened {ticket.reopen_count} time(s))")


@app.command("lapse-checks")
def lapse_checks() -> None:
    """Close resolved cases whose resolution check got no answer by the follow-up date."""
    from caredesk.tickets import resolution

    with run_command(), open_database() as db, db.uow() as uow:
        closed = resolution.lapse_resolution_checks(uow)
        numbers = ", ".join(t.case_number for t in closed)
        console.print(f"closed {len(closed)} case(s)" + (f": {numbers}" if numbers else ""))
