"""The case and memo workflow and the audit trail from the command line, on both engines: cases
created, listed with their subject and names, escalated, resolved and reopened; memos added and
listed; every step in the audit list; errors one line on stderr with exit 2."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import select
from typer.testing import CliRunner, Result

from caredesk.accounts.models import Account
from caredesk.agents.models import Agent
from caredesk.cli import app
from caredesk.config import get_settings
from caredesk.db.session import Database
from caredesk.demo.loader import load_demo


@pytest.fixture
def cli(db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("CAREDESK_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "250")
    get_settings.cache_clear()
    load_demo(db, accounts=3, seed=1, as_of=date(2026, 3, 10))
    yield CliRunner()
    get_settings.cache_clear()


def ok(runner: CliRunner, *args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, f"{args}: {result.output}"
    return result.output


def refused(runner: CliRunner, *args: str) -> Result:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2, result.output
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result


def _holder(db: Database) -> tuple[str, str]:
    with db.uow() as uow:
        account = uow.session.scalars(select(Account).order_by(Account.id)).first()
        assert account is not None
        person = account.people[0]
        return account.number, f"{person.first_name} {person.last_name}"


def _agent_name(db: Database, login: str) -> str:
    with db.uow() as uow:
        return uow.session.scalars(select(Agent.name).where(Agent.login == login)).one()


def test_a_case_from_open_to_reopened(cli: CliRunner, db: Database) -> None:
    number, holder = _holder(db)
    created = ok(
        cli, "ticket", "create", "--account", number, "--subject", "Voicemail will not play",
        "--description", "Messages show but do not play.", "--assignee", "care1",
    )  # fmt: skip
    case = created.split()[0]
    assert case.startswith("CS-")
    listed = ok(cli, "ticket", "list", "--account", number)
    assert case in listed and "Voicemail will not play" in listed
    assert holder in listed and number in listed and _agent_name(db, "care1") in listed
    ok(cli, "ticket", "escalate", case, "--reason", "Needs a network check", "--leader", "care4")
    assert "escalated" in ok(cli, "ticket", "list", "--status", "escalated")
    ok(cli, "ticket", "resolve", case, "--summary", "Voicemail box rebuilt; messages play.")
    ok(cli, "ticket", "reopen", case, "--reason", "Messages stopped playing again")
    shown = ok(cli, "ticket", "show", case)
    assert "reopened" in shown and holder in shown
    events = ok(cli, "audit", "list", "--subject-type", "ticket", "--limit", "200")
    for action in ("ticket.created", "ticket.escalated", "ticket.resolved", "ticket.reopened"):
        assert action in events


def test_memos_are_added_and_listed_newest_first(cli: CliRunner, db: Database) -> None:
    number, _holder_name = _holder(db)
    ok(
        cli, "memo", "add", "--account", number, "--agent", "care1",
        "--reason", "Billing question", "--summary", "Explained the roaming charge.",
        "--response", "Customer understood.",
    )  # fmt: skip
    listed = ok(cli, "memo", "list", number, "--limit", "50")
    first = listed.splitlines()[0]
    assert "Billing question" in first and _agent_name(db, "care1") in first
    assert "Customer understood." in listed
    assert "memo.created" in ok(cli, "audit", "list", "--action", "memo.created")


def test_audit_list_pages(cli: CliRunner) -> None:
    page = ok(cli, "audit", "list", "--limit", "2")
    assert len([line for line in page.splitlines() if line.strip()[:1].isdigit()]) == 2
    cursor = page.rsplit("--cursor ", 1)[1].strip()
    assert ok(cli, "audit", "list", "--limit", "2", "--cursor", cursor) != page


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["ticket", "create", "--account", "ACC-9999999", "--subject", "x",
          "--description", "y"], "--account"),
        (["ticket", "create", "--account", "1", "--subject", "x", "--description", "y",
          "--priority", "asap"], "--priority"),
        (["ticket", "list", "--status", "lost"], "--status"),
        (["ticket", "escalate", "CS-999999", "--reason", "r", "--leader", "care4"], "ticket"),
        (["ticket", "resolve", "CS-999999", "--summary", "s"], "ticket"),
        (["memo", "add", "--account", "1", "--agent", "nobody", "--reason", "r",
          "--summary", "s"], "--agent"),
        (["memo", "add", "--account", "1", "--agent", "care1", "--reason", "r",
          "--summary", "PIN is 482913"], "summary"),
        (["memo", "list", "1", "--kind", "gossip"], "--kind"),
        (["call", "start", "999", "--agent", "care1"], "callback"),
        (["call", "result", "1", "answered", "--agent", "care1"], "RESULT"),
        (["call", "wrap-up", "1", "--agent", "care1", "--outcome", "great", "--reason", "r",
          "--summary", "s"], "--outcome"),
        (["audit", "list", "--cursor", "not-a-cursor"], "cursor"),
    ],
)  # fmt: skip
def test_errors_are_one_line_naming_what_to_change(
    cli: CliRunner, args: list[str], named: str
) -> None:
    result = refused(cli, *args)
    assert named in result.stderr, result.stderr
