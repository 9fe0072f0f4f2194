"""What people typed is printed as written: square brackets in a case subject or a memo are text,
not Rich markup (which would swallow "[URGENT]" and fail on a stray "[/credit]")."""

from __future__ import annotations

from typer.testing import CliRunner

from caredesk.cli import app
from caredesk.db.session import Database
from tests.integration.tickets.factories import make_account, make_agent, make_ticket

SUBJECT = "[URGENT] bill shows [/credit] twice [bold]"


def test_a_subject_with_brackets_is_listed_and_shown_as_typed(cli: CliRunner, db: Database) -> None:
    ticket = make_ticket(db, make_account(db), subject=SUBJECT)
    listed = cli.invoke(app, ["ticket", "list"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0, listed.output
    assert SUBJECT in listed.output
    shown = cli.invoke(app, ["ticket", "show", ticket.case_number], env={"COLUMNS": "200"})
    assert shown.exit_code == 0, shown.output
    assert SUBJECT in shown.output


def test_a_memo_with_brackets_is_listed_as_typed(cli: CliRunner, db: Database) -> None:
    account = make_account(db)
    agent = make_agent(db)
    summary = "Customer read the error as [/E42] then [red]nothing[/red]"
    added = cli.invoke(
        app,
        [
            "memo", "add", "--account", str(account), "--agent", str(agent),
            "--reason", "[billing] question", "--summary", summary,
        ],
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    listed = cli.invoke(app, ["memo", "list", str(account)], env={"COLUMNS": "300"})
    assert listed.exit_code == 0, listed.output
    assert summary in listed.output
    assert "[billing] question" in listed.output
