"""The README's walk-through, command by command as written, against a real database on both
engines: a dropped-call callback from request to wrap-up with the CLI alone, the notice in the
outbox list. The commands are read from the README, so the document cannot drift from the CLI.

The CLI normally reads the system clock; here it gets a fixed one (a Tuesday afternoon in
Indianapolis), so that the calling-hours rule does not depend on when the suite runs."""

from __future__ import annotations

import logging
import re
import shlex
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caredesk import bootstrap
from caredesk.cli import app
from caredesk.clock import FixedClock
from caredesk.config import Settings, get_settings
from caredesk.db.session import Database
from caredesk.demo.loader import load_demo

README = Path(__file__).resolve().parents[3] / "README.md"
PREFIX = ".venv/bin/caredesk "
AFTERNOON = datetime(2026, 3, 10, 18, 30, tzinfo=UTC)  # 14:30 in Indianapolis


def walkthrough_commands() -> list[list[str]]:
    text = README.read_text()
    section = text.split("### Walk-through: a dropped-call callback", 1)[1]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the walk-through has a sh block"
    commands = [
        shlex.split(line.removeprefix(PREFIX))
        for line in block.group(1).splitlines()
        if line.startswith(PREFIX)
    ]
    assert len(commands) > 10
    return commands


@pytest.fixture
def cli(db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    clock = FixedClock(AFTERNOON)

    def connect(settings: Settings, _clock: object = None) -> Database:
        return Database.connect(settings.database_url, clock)

    monkeypatch.setenv("CAREDESK_DATABASE_URL", database_url)
    monkeypatch.delenv("CAREDESK_SMTP_HOST", raising=False)
    monkeypatch.setattr(bootstrap, "connect_database", connect)
    monkeypatch.setenv("COLUMNS", "250")
    get_settings.cache_clear()
    # What `make run` loads the first time (fewer accounts; the first ones are the same).
    load_demo(db, accounts=5, seed=1, as_of=AFTERNOON.date())
    yield CliRunner()
    get_settings.cache_clear()


def test_the_readme_walkthrough_runs_as_written(
    cli: CliRunner, db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    outputs = {}
    for args in walkthrough_commands():
        result = cli.invoke(app, args)
        assert result.exit_code == 0, f"caredesk {shlex.join(args)}:\n{result.output}"
        outputs[shlex.join(args[:3])] = result.output
    # Each command is a process of its own: `call hangup` finds no call in its simulated
    # gateway (`call start` dialled in another), which is no failure to warn about.
    assert [r.message for r in caplog.records if r.levelno >= logging.WARNING] == []
    notices = outputs["outbox list --kind"]
    assert re.search(r"sent\s+to \S+@example\.com", notices), notices
    assert "completed" in outputs["callback show 1"]
    assert "Dropped call follow-up" in outputs["memo list ACC-0000003"]
    assert "callback.wrapped_up" in outputs["audit list --subject-type"]


def test_the_walkthrough_account_is_the_one_the_readme_describes(db: Database) -> None:
    load_demo(db, accounts=3, seed=1, as_of=date(2026, 3, 10))
    with db.uow() as uow:
        from caredesk.accounts.service import get_account_by_number

        account = get_account_by_number(uow, number="ACC-0000003")
        assert account.time_zone == "America/Indiana/Indianapolis"
        assert any(point.kind == "email" for point in account.people[0].contact_points)
