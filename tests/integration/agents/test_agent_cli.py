"""`caredesk agent ...` against a real database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from caredesk.agents import service
from caredesk.cli import app
from caredesk.config import get_settings
from caredesk.db.session import Database
from tests.integration.agents.conftest import counts

runner = CliRunner()


@pytest.fixture
def cli_db(db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    monkeypatch.setenv("CAREDESK_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["agent", *args])
    return result.exit_code, result.output


def test_create_list_state_and_shifts(cli_db: Database) -> None:
    code, out = run(
        "create", "ana", "--name", "Ana Lopez", "--lob", "sa_bts", "--role", "specialist",
        "--zone", "America/Denver", "--line", "(800) 555-0100", "--skill", "tickets",
    )  # fmt: skip
    assert code == 0, out
    assert "created agent ana" in out

    code, out = run("list", "--lob", "sa_bts")
    assert code == 0, out
    assert "ana" in out and "sa_bts" in out

    code, out = run("state", "ana", "not_ready_follow_up", "--reason", "ticket follow-up")
    assert code == 0, out
    assert "offline -> not_ready_follow_up" in out

    code, out = run("set-shifts", "ana", "mon 09:00-17:00", "fri 22:00-06:00")
    assert code == 0, out
    code, out = run("shifts", "ana")
    assert code == 0, out
    assert "America/Denver" in out and "22:00" in out and "ends next day" in out

    with cli_db.uow() as uow:
        agent = service.get_agent_by_login(uow, login="ana")
        assert agent.state == "not_ready_follow_up" and agent.platform_line == "+18005550100"


def test_refusals_are_one_line_exit_2_and_write_nothing(cli_db: Database) -> None:
    assert run("create", "ana", "--name", "Ana", "--zone", "UTC", "--line", "+18005550100")[0] == 0
    before = counts(cli_db)

    code, out = run("state", "ana", "talking")
    assert code == 2
    assert "state:" in out and "offline" in out and "talking" in out

    code, out = run(
        "create", "bo", "--name", "Bo", "--zone", "Nowhere/Land", "--line", "+18005550100"
    )
    assert code == 2 and "time_zone" in out

    code, out = run("create", "bo", "--name", "Bo", "--zone", "UTC", "--line", "12")
    assert code == 2 and "platform_line" in out

    code, out = run("set-shifts", "ana", "mon 09:00-12:00", "mon 11:00-13:00")
    assert code == 2 and "overlaps" in out

    code, out = run("set-shifts", "ana", "someday 09:00-12:00")
    assert code == 2 and "mon 09:00-17:00" in out

    code, out = run("shifts", "nobody")
    assert code == 2 and "login" in out
    assert counts(cli_db) == before
