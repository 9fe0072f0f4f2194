"""`caredesk ticket list | show | lapse-checks` against a real database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from typer.testing import CliRunner

from caredesk.cli import app
from caredesk.clock import FixedClock
from caredesk.config import get_settings
from caredesk.db.session import Database
from caredesk.tickets import lifecycle, resolution, service, timeline
from caredesk.tickets.models import TicketStatus
from tests.integration.tickets.factories import STAFF, make_account, make_ticket

runner = CliRunner()


@pytest.fixture
def cli_database(
    db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    monkeypatch.setenv("CAREDESK_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


def test_list_and_filters(cli_database: Database) -> None:
    account = make_account(cli_database)
    first = make_ticket(cli_database, account, queue="billing")
    second = make_ticket(cli_database, account, subject="Roaming charge")
    with cli_database.uow() as uow:
        lifecycle.change_status(
            uow,
            actor=STAFF,
            ticket=service.get_ticket(uow, ref=second.id),
            status=TicketStatus.OPEN,
        )
    everything = runner.invoke(app, ["ticket", "list"])
    assert everything.exit_code == 0, everything.output
    assert first.case_number in everything.output and second.case_number in everything.output
    billing = runner.invoke(app, ["ticket", "list", "--queue", "billing"])
    assert first.case_number in billing.output and second.case_number not in billing.output
    opened = runner.invoke(app, ["ticket", "list", "--status", "open"])
    assert second.case_number in opened.output and first.case_number not in opened.output
    bad = runner.invoke(app, ["ticket", "list", "--status", "lost"])
    assert bad.exit_code == 2


def test_show_prints_case_and_timeline(cli_database: Database) -> None:
    ticket = make_ticket(
        cli_database, make_account(cli_database), subject="Voicemail [urgent] not working"
    )
    with cli_database.uow() as uow:
        timeline.add_update(
            uow,
            actor=STAFF,
            ticket=service.get_ticket(uow, ref=ticket.id),
            body="Reset [b]voicemail[/b] password prompt",
        )
    result = runner.invoke(app, ["ticket", "show", ticket.case_number.lower()])
    assert result.exit_code == 0, result.output
    assert ticket.case_number in result.output
    assert "Voicemail [urgent] not working" in result.output
    assert "[b]voicemail[/b]" in result.output


def test_show_unknown_case_is_one_line_and_exit_2(cli_database: Database) -> None:
    result = runner.invoke(app, ["ticket", "show", "CS-999999"])
    assert result.exit_code == 2
    assert "ticket: no case CS-999999" in result.output
    malformed = runner.invoke(app, ["ticket", "show", "banana"])
    assert malformed.exit_code == 2
    assert "ticket: must be a case number" in malformed.output


def test_lapse_checks_runs_the_job_once(cli_database: Database, clock: FixedClock) -> None:
    # The command uses the real clock; these follow-up dates are long past by then.
    clock.set(datetime(2020, 1, 6, 15, 0, tzinfo=UTC))
    ticket = make_ticket(cli_database, make_account(cli_database))
    with cli_database.uow() as uow:
        resolution.resolve_ticket(
            uow,
            actor=STAFF,
            ticket=service.get_ticket(uow, ref=ticket.id),
            summary="Reprovisioned the line; calls connect.",
        )
    result = runner.invoke(app, ["ticket", "lapse-checks"])
    assert result.exit_code == 0, result.output
    assert f"closed 1 case(s): {ticket.case_number}" in result.output
    with cli_database.uow() as uow:
        assert service.get_ticket(uow, ref=ticket.id).status == TicketStatus.CLOSED
    again = runner.invoke(app, ["ticket", "lapse-checks"])
    assert "closed 0 case(s)" in again.output


def test_list_at_80_columns_hides_nothing_behind_an_ellipsis(cli_database: Database) -> None:
    """An agent copies the case number into the next command: at a terminal's usual 80
    columns it stays whole, and what does not fit folds onto more lines instead of ending in …"""
    account = make_account(cli_database)
    ticket = make_ticket(
        cli_database,
        account,
        subject="Roaming data stopped working after landing in Madrid on a prepaid line",
    )
    # The terminal's width, as Rich reads it (setting the console's width would outlive the test).
    result = runner.invoke(app, ["ticket", "list"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    assert ticket.case_number in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    assert "Madrid" in result.output and "prepaid" in result.output


def test_a_list_too_wide_for_the_terminal_is_shown_a_record_at_a_time(
    cli_database: Database,
) -> None:
    """Seven columns squeezed into 80 fold their words and headings into fragments; a record
    at a time keeps every heading and word whole, as psql's expanded display does."""
    account = make_account(cli_database)
    ticket = make_ticket(cli_database, account, subject="Voicemail will not play since Tuesday")
    narrow = runner.invoke(app, ["ticket", "list"], env={"COLUMNS": "80"})
    assert narrow.exit_code == 0, narrow.output
    lines = narrow.output.splitlines()
    assert lines[0].split() == [ticket.case_number, ticket.status]
    fields = {line.split()[0]: line.split(None, 1)[1].strip() for line in lines[1:] if line}
    assert fields["priority"] == ticket.priority
    assert fields["subject"] == "Voicemail will not play since Tuesday"
    assert "┃" not in narrow.output
    # With room for it, the table: a heading row, and the case on one line with its subject.
    wide = runner.invoke(app, ["ticket", "list"], env={"COLUMNS": "200"})
    assert any("priority" in line and "subject" in line for line in wide.output.splitlines())
    assert any(
        ticket.case_number in line and "Voicemail will not play since Tuesday" in line
        for line in wide.output.splitlines()
    )
