"""`caredesk memo add | list`: the append-only account memos, written by an agent. Services are
imported inside the commands so that `--help` loads no database code."""

from __future__ import annotations

import typer

from caredesk.cli_support import console, fail, open_database, run_command

app = typer.Typer(help="Account memos: add and list.", no_args_is_help=True)
KINDS = ("care_call", "outbound_call", "chat", "email", "note", "voicemail", "ticket_update")


@app.command("add")
def add(
    account: str = typer.Option(..., help="Account number (ACC-0000001) or id."),
    agent: str = typer.Option(..., help="The author: agent login or id."),
    reason: str = typer.Option(..., help="Why the customer was in contact."),
    summary: str = typer.Option(..., help="What was said and done."),
    kind: str = typer.Option("note", help=f"One of {', '.join(KINDS)}."),
    response: str = typer.Option(None, "--response", help="The customer's response."),
    ticket: list[str] = typer.Option(None, help="A case number it concerns; repeat for more."),
) -> None:
    """Add a memo to an account. Text holding an SSN, PIN or card number is refused."""
    if kind not in KINDS:
        raise fail(f"--kind: {kind!r} is not one of {', '.join(KINDS)}")
    from caredesk.agents import queries as agents
    from caredesk.audit.actor import Actor
    from caredesk.cli_refs import account_id_for, agent_id_for
    from caredesk.memos import service
    from caredesk.memos.models import MemoKind

    with run_command(), open_database() as db, db.uow() as uow:
        author = agents.get_agent(uow, agent_id=agent_id_for(uow, agent))
        memo = service.create_memo(
            uow,
            actor=Actor.system("cli"),
            account_id=account_id_for(uow, account),
            kind=MemoKind(kind),
            reason=reason,
            summary=summary,
            customer_response=response,
            ticket_numbers=list(ticket or []),
            author_agent_id=author.id,
            author_name=author.name,
        )
        console.print(f"memo {memo.id} added by {memo.author_name}", markup=False)


@app.command("list")
def list_memos(
    account: str = typer.Argument(..., help="Account number (ACC-0000001) or id."),
    kind: str = typer.Option(None, help=f"Only this kind: {', '.join(KINDS)}."),
    limit: int = typer.Option(20, min=1, max=200, help="At most this many, newest first."),
) -> None:
    """An account's memos, newest first."""
    if kind is not None and kind not in KINDS:
        raise fail(f"--kind: {kind!r} is not one of {', '.join(KINDS)}")
    from caredesk.cli_refs import account_id_for
    from caredesk.memos import queries
    from caredesk.memos.models import MemoKind

    with run_command(), open_database() as db, db.uow() as uow:
        memos, _ = queries.list_memos(
            uow,
            account_id=account_id_for(uow, account, field="ACCOUNT"),
            kind=MemoKind(kind) if kind else None,
            limit=limit,
        )
        for memo in memos:
            tickets = f"  [{', '.join(memo.ticket_numbers)}]" if memo.ticket_numbers else ""
            console.print(
                f"{memo.created_at:%Y-%m-%d %H:%M}  {memo.kind}  {memo.author_name}: "
                f"{memo.reason}{tickets}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )
            console.print(f"    {memo.summary}", markup=False, highlight=False, soft_wrap=True)
            if memo.customer_response:
                console.print(
                    f"    customer: {memo.customer_response}",
                    markup=False,
                    highlight=False,
                    soft_wrap=True,
                )
        if not memos:
            console.print("no memos")
