"""A list with nothing in it says so in words, on an empty database of either engine: an empty
table frame tells a person less than "no cases"."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from caredesk.cli import app


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("ticket", "list"), "no cases"),
        (("agent", "list"), "no agents"),
        (("user", "list"), "no users"),
        (("account", "list"), "no accounts"),
        (("account", "search", "(212) 555-0199"), "no account matches '(212) 555-0199'"),
        (("memo", "list", "1"), None),
        (("callback", "due"), "0 due"),
        (("callback", "attention"), "0 need attention"),
        (("outbox", "list"), "no messages"),
        (("audit", "list"), "no events"),
    ],
)
def test_an_empty_list_is_a_sentence(
    cli: CliRunner, args: tuple[str, ...], said: str | None
) -> None:
    result = cli.invoke(app, list(args))
    if said is None:  # a list of something that must exist first: refused, one line
        assert result.exit_code == 2 and result.stderr.count("\n") == 1
        return
    assert result.exit_code == 0, result.output
    assert result.output.strip() == said
