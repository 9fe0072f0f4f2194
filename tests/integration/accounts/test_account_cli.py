"""`caredesk account ...` against a real database, on both engines. The command group is
invoked on its own so these tests do not depend on the other domains' commands."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from caredesk.accounts import service
from caredesk.accounts.cli import app
from caredesk.db.session import Database
from tests.integration.accounts.builders import counts

CREATE = [
    "create", "--number", "ACC-0004321", "--holder-first", "Ana",
    "--holder-last", "Lopez", "--phone", "(212) 555-0123", "--zone", "America/New_York",
]  # fmt: skip


def test_create_show_and_list(cli: CliRunner, db: Database) -> None:
    created = cli.invoke(app, CREATE)
    assert created.exit_code == 0, created.output
    assert "ACC-0004321" in created.output
    with db.uow() as uow:
        account = service.get_account_by_number(uow, number="acc-0004321")
        assert account.time_zone == "America/New_York"
        assert account.people[0].contact_points[0].value == "+12125550123"
        assert account.people[0].contact_points[0].given_by == "import"

    shown = cli.invoke(app, ["show", "ACC-0004321"])
    assert shown.exit_code == 0, shown.output
    assert "Ana Lopez" in shown.output and "+12125550123" in shown.output

    listed = cli.invoke(app, ["list", "--status", "active", "--limit", "5"])
    assert listed.exit_code == 0, listed.output
    assert "ACC-0004321" in listed.output
    suspended = cli.invoke(app, ["list", "--status", "suspended"])
    assert "ACC-0004321" not in suspended.output


@pytest.mark.parametrize(
    ("option", "bad", "named"),
    [
        ("--phone", "555", "--phone"),
        ("--zone", "Mars/Base", "--zone"),
        ("--number", "12", "--number"),
    ],
)
def test_create_refusals_are_one_line_naming_the_option(
    cli: CliRunner, db: Database, option: str, bad: str, named: str
) -> None:
    before = counts(db)
    args = list(CREATE)
    args[args.index(option) + 1] = bad
    result = cli.invoke(app, args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {named}: ")
    assert counts(db) == before


def test_duplicate_number_and_unknown_account_are_one_line(cli: CliRunner) -> None:
    assert cli.invoke(app, CREATE).exit_code == 0
    again = cli.invoke(app, CREATE)
    assert again.exit_code == 2
    assert again.stderr.strip().startswith("error: --number: ")
    missing = cli.invoke(app, ["show", "ACC-0000000"])
    assert missing.exit_code == 2
    assert missing.stderr.strip().startswith("error: number: ")


@pytest.mark.parametrize("typed", ["(212) 555-0123", "212.555.0123", "+1 212 555 0123"])
def test_search_finds_an_account_by_a_typed_number(cli: CliRunner, typed: str) -> None:
    assert cli.invoke(app, CREATE).exit_code == 0
    found = cli.invoke(app, ["search", typed])
    assert found.exit_code == 0, found.output
    assert "ACC-0004321" in found.output
    missed = cli.invoke(app, ["search", "(212) 555-0124"])
    assert missed.exit_code == 0 and "ACC-0004321" not in missed.output
    # Not an empty table: a sentence saying what was looked for.
    assert missed.output.strip() == "no account matches '(212) 555-0124'"


NO_ZONE = [
    "create", "--number", "ACC-0000500", "--holder-first", "Ana",
    "--holder-last", "Lopez", "--phone", "(500) 200-1234",
]  # fmt: skip


def test_confirm_zone_is_stored_audited_and_shown(cli: CliRunner, db: Database) -> None:
    from caredesk.audit.models import AuditEvent

    assert cli.invoke(app, NO_ZONE).exit_code == 0
    unknown = cli.invoke(app, ["zones", "ACC-0000500", "--phone", "500.200.1234"])
    assert unknown.exit_code == 0, unknown.output
    assert "unknown" in unknown.output and "confirm-zone" in unknown.output

    confirmed = cli.invoke(
        app,
        ["confirm-zone", "ACC-0000500", "America/Chicago", "--by", "dana",
         "--phone", "+1 500 200 1234", "--note", "asked the customer"],
    )  # fmt: skip
    assert confirmed.exit_code == 0, confirmed.output
    shown = cli.invoke(app, ["zones", "ACC-0000500", "--phone", "5002001234"])
    assert "America/Chicago (confirmed)" in shown.output
    assert "confirmed by system:cli:dana" in shown.output
    with db.uow() as uow:
        audit = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "account.zone_confirmed")
        ).all()
        assert [(a.actor, a.after) for a in audit] == [
            ("system:cli:dana", {"zone": "America/Chicago", "number": "+15002001234"})
        ]


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["Mars/Base", "--by", "dana"], "ZONE"),
        (["America/Chicago", "--by", "dana", "--phone", "+13136564363"], "--phone"),
        (["America/Chicago", "--by", " "], "--by"),
    ],
)
def test_confirm_zone_refusals_are_one_line(
    cli: CliRunner, db: Database, args: list[str], named: str
) -> None:
    assert cli.invoke(app, NO_ZONE).exit_code == 0
    before = counts(db)
    result = cli.invoke(app, ["confirm-zone", "ACC-0000500", *args])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {named}: "), lines
    assert counts(db) == before
