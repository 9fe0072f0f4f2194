"""The secret finder against the labelled corpus (tests/data/pii_corpus.tsv): every marked secret
found with its exact span and kind, nothing else found. Prints precision and recall."""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

import pytest

from caredesk.privacy import PiiKind, find_pii

CORPUS = Path(__file__).parents[2] / "data" / "pii_corpus.tsv"
_MARK = re.compile(r"\[\[(?:(ssn|pin|card_number):)?(.+?)\]\]")
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")


class Line(NamedTuple):
    number: int
    kind: str
    text: str
    secrets: frozenset[tuple[int, int, str]]
    note: str


def _parse(number: int, raw: str) -> Line:
    kind, marked, *rest = raw.split("\t")
    marked = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), marked)
    pieces: list[str] = []
    secrets: set[tuple[int, int, str]] = set()
    position = 0
    length = 0
    for match in _MARK.finditer(marked):
        pieces.append(marked[position : match.start()])
        length += match.start() - position
        value = match.group(2)
        secrets.add((length, length + len(value), match.group(1) or kind))
        pieces.append(value)
        length += len(value)
        position = match.end()
    pieces.append(marked[position:])
    return Line(number, kind, "".join(pieces), frozenset(secrets), rest[0] if rest else "")


def _corpus() -> list[Line]:
    lines = []
    for number, raw in enumerate(CORPUS.read_text(encoding="utf-8").splitlines(), start=1):
        if raw.strip() and not raw.startswith("#"):
            lines.append(_parse(number, raw))
    return lines


LINES = _corpus()


def _found(line: Line) -> frozenset[tuple[int, int, str]]:
    return frozenset((f.start, f.end, str(f.kind)) for f in find_pii(line.text))


def test_corpus_is_large_and_varied() -> None:
    assert len(LINES) >= 200
    kinds = {line.kind for line in LINES}
    assert kinds == {"ssn", "pin", "card_number", "none"}
    for line in LINES:
        assert (line.kind == "none") == (not line.secrets), f"line {line.number} marks"
        assert {kind for *_, kind in line.secrets} <= {str(kind) for kind in PiiKind}


def test_precision_and_recall_are_one(capsys: pytest.CaptureFixture[str]) -> None:
    expected = found = correct = 0
    wrong: list[str] = []
    for line in LINES:
        got = _found(line)
        expected += len(line.secrets)
        found += len(got)
        correct += len(got & line.secrets)
        if got != line.secrets:
            shown = sorted((line.text[s:e], k) for s, e, k in got)
            wanted = sorted((line.text[s:e], k) for s, e, k in line.secrets)
            wrong.append(f"line {line.number}: {line.text!r} found {shown}, expected {wanted}")
    precision = correct / found if found else 1.0
    recall = correct / expected if expected else 1.0
    with capsys.disabled():
        print(
            f"\npii corpus: {len(LINES)} texts, {expected} secrets; "
            f"precision {precision:.3f}, recall {recall:.3f}"
        )
    assert not wrong, "\n".join(wrong)
    assert (precision, recall) == (1.0, 1.0)
