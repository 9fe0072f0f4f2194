"""`caredesk outbox list | show` against a real database: to whom, subject, status, the body."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from caredesk.channels import outbox
from caredesk.channels.ports import Channel, OutboundMessage
from caredesk.cli import app
from caredesk.db.session import Database


def _enqueue(db: Database, to: str, subject: str, text: str) -> int:
    with db.uow() as uow:
        row = outbox.enqueue_message(
            uow,
            kind="callback.dropped_call",
            message=OutboundMessage(
                channel=Channel.EMAIL, to=to, subject=subject, text=text, idempotency_key=to
            ),
        )
        uow.commit()
        return row.id


def test_list_shows_addressee_subject_and_status(cli: CliRunner, db: Database) -> None:
    first = _enqueue(db, "ana@example.com", "Sorry we got cut off", "Hi Ana, we will call.")
    _enqueue(db, "bo@example.com", "Your callback", "Hi Bo.")
    listed = cli.invoke(app, ["outbox", "list"], terminal_width=200)
    assert listed.exit_code == 0, listed.output
    for text in ("ana@example.com", "Sorry we got cut off", "bo@example.com", "pending"):
        assert text in listed.output
    after = cli.invoke(app, ["outbox", "list", "--after", str(first)], terminal_width=200)
    assert "bo@example.com" in after.output and "ana@example.com" not in after.output
    sent = cli.invoke(app, ["outbox", "list", "--status", "sent"], terminal_width=200)
    assert "no messages" in sent.output


def test_show_prints_the_body(cli: CliRunner, db: Database) -> None:
    message_id = _enqueue(db, "ana@example.com", "Sorry we got cut off", "Hi Ana, we will call.")
    shown = cli.invoke(app, ["outbox", "show", str(message_id)], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    for text in ("ana@example.com", "Sorry we got cut off", "pending", "Hi Ana, we will call."):
        assert text in shown.output


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["outbox", "show", "999999"], "MESSAGE_ID"),
        (["outbox", "list", "--status", "lost"], "--status"),
    ],
)
def test_errors_are_one_line_exit_2(cli: CliRunner, args: list[str], named: str) -> None:
    result = cli.invoke(app, args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], result.stderr


def test_the_status_choices_are_the_outbox_statuses() -> None:
    from caredesk.channels.cli import STATUSES
    from caredesk.channels.models import OutboxStatus

    assert tuple(status.value for status in OutboxStatus) == STATUSES


def test_a_message_held_for_later_says_when_it_goes(cli: CliRunner, db: Database) -> None:
    from datetime import UTC, datetime, timedelta

    from caredesk.channels.models import OutboxMessage

    held = _enqueue(db, "ana@example.com", "We will call you back", "Hi Ana.")
    due = _enqueue(db, "bo@example.com", "Your callback", "Hi Bo.")
    goes = (datetime.now(UTC) + timedelta(days=3)).replace(second=0, microsecond=0)
    with db.uow() as uow:
        row = uow.session.get(OutboxMessage, held)
        assert row is not None
        row.available_at = goes
        uow.commit()
    said = goes.strftime("%Y-%m-%d %H:%M UTC")
    listed = cli.invoke(app, ["outbox", "list"], terminal_width=200)
    assert listed.exit_code == 0, listed.output
    lines = {line.split()[0]: line for line in listed.output.splitlines()}
    assert f"pending until {said}" in lines[str(held)]
    assert "until" not in lines[str(due)]
    shown = cli.invoke(app, ["outbox", "show", str(held)], terminal_width=200)
    assert f"goes at: {said}" in shown.output
    shown = cli.invoke(app, ["outbox", "show", str(due)], terminal_width=200)
    assert "goes at: -" in shown.output
