"""A list is a table while its words stay whole in the terminal's width, and a record at a time
once Rich would have to break a word to fit it."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from caredesk.cli_support import listing, show_listing


def _shown(width: int, *rows: tuple[str, ...]) -> str:
    # A terminal of `width` columns (into a pipe, rows are written whole: see below).
    console = Console(
        width=width, file=io.StringIO(), color_system=None, markup=False, force_terminal=True
    )
    table = listing("id", "holder", "plan", "note", whole=("id",))
    for row in rows:
        table.add_row(*row)
    show_listing(console, table, none="no accounts")
    return console.file.getvalue()  # type: ignore[attr-defined]


ROW = ("4", "Tuan Martin", "Essentials", "prefers a call after work on weekdays")


def test_long_text_wraps_at_its_spaces_in_a_table() -> None:
    shown = _shown(60, ROW)
    assert shown.splitlines()[0].split() == ["id", "holder", "plan", "note"]
    assert "Essentials" in shown.split()
    assert "─" in shown and "┃" not in shown  # a rule under the headings, no frame


def test_a_table_that_would_break_a_word_is_shown_as_records() -> None:
    shown = _shown(30, ROW)
    lines = shown.splitlines()
    assert lines[0] == "4"
    assert lines[1].split() == ["holder", "Tuan", "Martin"]
    assert lines[2].split() == ["plan", "Essentials"]
    assert all(len(line) <= 30 for line in lines)


def test_an_empty_list_is_its_sentence() -> None:
    assert _shown(80) == "no accounts\n"


def test_into_a_pipe_each_row_is_whole_on_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    console = Console(width=30, file=io.StringIO(), markup=False)  # a file: no terminal
    table = listing("id", "holder", "plan", "note", whole=("id",))
    table.add_row(*ROW)
    show_listing(console, table, none="no accounts")
    lines = console.file.getvalue().splitlines()  # type: ignore[attr-defined]
    row = [line for line in lines if line.split()[:1] == ["4"]]
    assert row and row[0].split() == ["4", *" ".join(ROW[1:]).split()]
