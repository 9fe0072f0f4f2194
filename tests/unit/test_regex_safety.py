"""Every regular expression in src/ runs in time linear in its input.

Python's ``re`` backtracks, so a pattern with an unbounded repeat next to an overlapping one
("[^@]+\\.[^@]{2,}$") can take quadratic or exponential time on a crafted value. The rule held
here: every ``re`` call in src/ takes a literal pattern whose repeats are all bounded, so one
match attempt costs at most a constant fixed by the pattern and a search at most that constant
per position; the few unbounded ones are listed in AUDITED with the proof of their linearity.
Pydantic ``pattern=`` constraints run on pydantic-core's Rust regex engine, which is linear by
design, so they are not Python patterns and are left to it. A second test feeds
every pattern 20,000-character adversarial inputs (the old secret finder's and the old e-mail
check's pathological shapes among them)."""

from __future__ import annotations

import ast
import re
import re._constants as sre_constants
import re._parser as sre_parse
from pathlib import Path
from typing import Any

import pytest

import caredesk

SOURCE = Path(caredesk.__file__).parent
RE_FUNCTIONS = {"compile", "match", "search", "fullmatch", "sub", "subn", "split", "findall",
                "finditer"}  # fmt: skip
REPEATS = {sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT}
# Unbounded repeats audited as linear, each with the reason. Add one only with a proof.
AUDITED = {
    # A database error's quoted value. '\s' and '"' are disjoint, and '[^"]*' stops at the first
    # quote; an attempt starts only at a ':' whose next non-space is a quote, so each stretch of
    # text between two quotes is scanned by at most one attempt: linear.
    r':\s*"[^"]*"': "logs.py: disjoint classes, one attempt per quoted stretch",
}


def _patterns() -> list[tuple[str, str]]:
    """(where, pattern) for every call of the re module in src/."""
    found: list[tuple[str, str]] = []
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "re":
                pytest.fail(f"{path}: import the re module, not names from it")
            if not (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "re"
                and node.func.attr in RE_FUNCTIONS
            ):
                continue
            where = f"{path.relative_to(SOURCE)}:{node.lineno}"
            first = node.args[0] if node.args else None
            if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                pytest.fail(f"{where}: the pattern must be a literal so that it can be checked")
            found.append((where, first.value))
    return found


PATTERNS = _patterns()


def _unbounded(items: Any) -> list[str]:
    problems: list[str] = []
    for op, argument in items:
        if op in REPEATS:
            low, high, inner = argument
            if high == sre_constants.MAXREPEAT:
                problems.append(f"unbounded repeat {{{low},}}")
            problems.extend(_unbounded(inner))
        elif op == sre_constants.SUBPATTERN:
            problems.extend(_unbounded(argument[-1]))
        elif op == sre_constants.BRANCH:
            for branch in argument[1]:
                problems.extend(_unbounded(branch))
        elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
            problems.extend(_unbounded(argument[1]))
        elif op == sre_constants.GROUPREF_EXISTS:
            problems.extend(_unbounded(argument[1]))
            if argument[2] is not None:
                problems.extend(_unbounded(argument[2]))
    return problems


def test_patterns_are_found() -> None:
    assert len(PATTERNS) >= 15


@pytest.mark.parametrize(("where", "pattern"), PATTERNS, ids=[w for w, _ in PATTERNS])
def test_every_repeat_is_bounded(where: str, pattern: str) -> None:
    if pattern in AUDITED:
        return
    assert _unbounded(sre_parse.parse(pattern)) == [], f"{where}: {pattern}"


def test_pydantic_patterns_use_the_linear_engine() -> None:
    for path in SOURCE.rglob("*.py"):
        assert "python-re" not in path.read_text(encoding="utf-8"), path


UNITS = ["a", "1", " ", ".", "-", "@", "a.", "1 ", "1-", "a@", "@.", "; a=", ";a=b", "a/", "x:1"]
ENDINGS = ["", "!", " ", "\n"]


@pytest.mark.parametrize(("where", "pattern"), PATTERNS, ids=[w for w, _ in PATTERNS])
def test_adversarial_inputs_are_answered(where: str, pattern: str) -> None:
    compiled = re.compile(pattern)
    for unit in UNITS:
        for ending in ENDINGS:
            for head in ("", "a@", "a/b"):
                text = head + unit * (20_000 // len(unit)) + ending
                compiled.match(text)
                compiled.search(text)
                compiled.fullmatch(text)
