"""The command line starts without the heavy parts: `caredesk --help` loads neither the web app,
the ORM nor the migration tooling, and no command group's help loads the web app or the
migrations. Checked on sys.modules in a fresh interpreter, not by timing (see
benchmarks/cli_start_bench.py for the figures)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable

import pytest
import typer

from caredesk.cli import SUBCOMMANDS

NEVER_AT_START = ("fastapi", "starlette", "uvicorn", "alembic", "schemathesis", "hypothesis")
PROBE = """
import json, sys
from typer.testing import CliRunner
from caredesk.cli import app
result = CliRunner().invoke(app, sys.argv[1:])
answer = {"exit": result.exit_code, "output": result.output, "modules": sorted(sys.modules)}
print(json.dumps(answer))
"""


def _run(*args: str) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def _loaded(modules: object, roots: tuple[str, ...]) -> list[str]:
    assert isinstance(modules, list)
    return [name for name in modules if name.split(".")[0] in roots]


def test_help_loads_no_web_app_orm_or_migrations() -> None:
    answer = _run("--help")
    assert answer["exit"] == 0
    modules = answer["modules"]
    assert _loaded(modules, NEVER_AT_START) == []
    assert isinstance(modules, list)
    assert "sqlalchemy.orm" not in modules and "caredesk.db.session" not in modules
    for name, _load, _short in SUBCOMMANDS:
        assert name in str(answer["output"])


@pytest.mark.parametrize("group", [entry[0] for entry in SUBCOMMANDS])
def test_group_help_loads_no_web_app_or_migrations(group: str) -> None:
    answer = _run(group, "--help")
    assert answer["exit"] == 0, answer["output"]
    assert _loaded(answer["modules"], NEVER_AT_START) == []


@pytest.mark.parametrize(("name", "load", "short"), SUBCOMMANDS)
def test_the_listed_help_is_the_groups_own(
    name: str, load: Callable[[], typer.Typer], short: str
) -> None:
    group = load()
    assert group.info.help == short, f"update SUBCOMMANDS for {name!r}"
