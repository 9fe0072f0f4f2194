"""Every command of every group answers a usage error (an unknown option, a missing argument, a
value out of range) with one line on stderr naming what to change, and exit status 2."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from caredesk.cli import SUBCOMMANDS, app

runner = CliRunner()


def _commands() -> list[tuple[str, str]]:
    found = []
    for group, load, _short in SUBCOMMANDS:
        sub_app = load()
        for name in typer.main.get_group(sub_app).commands:
            found.append((group, name))
    return found


@pytest.mark.parametrize(("group", "command"), _commands())
def test_an_unknown_option_is_one_line_exit_2(group: str, command: str) -> None:
    result = runner.invoke(app, [group, command, "--no-such-option"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "--no-such-option" in lines[0] and f" {group} {command} --help`" in lines[0]


def test_a_missing_option_and_a_bad_value_are_one_line() -> None:
    missing = runner.invoke(app, ["ticket", "escalate", "CS-000001"])
    assert missing.exit_code == 2 and missing.stderr.count("\n") == 1
    assert "--reason" in missing.stderr
    bad = runner.invoke(app, ["outbox", "list", "--limit", "0"])
    assert bad.exit_code == 2 and bad.stderr.count("\n") == 1 and "--limit" in bad.stderr
    unknown = runner.invoke(app, ["tickets"])
    assert unknown.exit_code == 2 and "No such command 'tickets'" in unknown.stderr


def test_a_value_not_among_the_choices_names_them_without_validator_noise() -> None:
    wrong = runner.invoke(app, ["agent", "state", "care1", "dancing"])
    assert wrong.exit_code == 2 and wrong.stderr.count("\n") == 1
    assert "'dancing' is not one of 'offline', 'ready'" in wrong.stderr
    assert "Value error" not in wrong.stderr
