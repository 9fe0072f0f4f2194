"""Memo completeness and the sensitive-data lint (OB-MEMO).

Findings carry where the value is (field, start, end, kind) and never the value itself, so a
refusal can be logged and shown without leaking what it refuses.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from enum import StrEnum
from typing import NamedTuple

from caredesk.callbacks.policy.config import TRIVIAL_MEMO_VALUES
from caredesk.callbacks.policy.context import Memo


class PiiKind(StrEnum):
    SSN = "ssn"
    PIN = "pin"
    CARD_NUMBER = "card_number"


_KIND_LABELS = {
    PiiKind.SSN: "a Social Security number",
    PiiKind.PIN: "a PIN/passcode value",
    PiiKind.CARD_NUMBER: "a card number",
}
_REDACTIONS = {
    PiiKind.SSN: "[SSN REDACTED]",
    PiiKind.PIN: "[PIN REDACTED]",
    PiiKind.CARD_NUMBER: "[CARD NUMBER REDACTED]",
}


class PiiFinding(NamedTuple):
    field: str
    start: int
    end: int
    kind: PiiKind

    @property
    def description(self) -> str:
        return f"{_KIND_LABELS[self.kind]} in {self.field} at characters {self.start}-{self.end}"


_SSN_SEPARATED = re.compile(r"(?<![\d-])\d{3}([- ])\d{2}\1\d{4}(?![\d-])")
_NINE_DIGITS = re.compile(r"(?<!\d)\d{9}(?!\d)")
_SSN_CONTEXT = re.compile(r"\b(ssn|ss#|social security|social|soc\.? sec)", re.IGNORECASE)
_SSN_CONTEXT_REACH = 40
_PIN_VALUE = re.compile(
    r"\b(?:pin|passcode|pass code|password|security code)\b"
    r"(?:\s*(?:number|no\.?|code|#))?\s*(?:is|was|=|:|-)?\s*[:#]?\s*(\d{4,10})(?!\d)",
    re.IGNORECASE,
)
_DIGIT_RUN = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,}(?!\d)")
_GROUP = re.compile(r"\d+")
_ANY_DIGIT = re.compile(r"\d")


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def _card_spans(text: str) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    for run in _DIGIT_RUN.finditer(text):
        groups = [(m.start() + run.start(), m.end() + run.start()) for m in _GROUP.finditer(run[0])]
        # Prefer the widest run of whole groups that is 13-19 digits and passes Luhn, so a card
        # number written next to another number is still found.
        best: tuple[int, int] | None = None
        for first in range(len(groups)):
            for last in range(len(groups) - 1, first - 1, -1):
                start, end = groups[first][0], groups[last][1]
                digits = "".join(ch for ch in text[start:end] if ch.isdigit())
                if 13 <= len(digits) <= 19 and _luhn(digits):
                    if best is None or end - start > best[1] - best[0]:
                        best = (start, end)
                    break
        if best is not None:
            spans.append(best)
    return spans


def find_pii(text: str, field: str = "text") -> tuple[PiiFinding, ...]:
    """Every SSN, PIN/passcode value and card number in `text`, as spans."""
    if _ANY_DIGIT.search(text) is None:
        return ()
    found: list[PiiFinding] = []
    for match in _SSN_SEPARATED.finditer(text):
        found.append(PiiFinding(field, match.start(), match.end(), PiiKind.SSN))
    for match in _NINE_DIGITS.finditer(text):
        before = text[max(0, match.start() - _SSN_CONTEXT_REACH) : match.start()]
        if _SSN_CONTEXT.search(before):
            found.append(PiiFinding(field, match.start(), match.end(), PiiKind.SSN))
    for match in _PIN_VALUE.finditer(text):
        found.append(PiiFinding(field, match.start(1), match.end(1), PiiKind.PIN))
    for start, end in _card_spans(text):
        found.append(PiiFinding(field, start, end, PiiKind.CARD_NUMBER))
    found.sort(key=lambda finding: (finding.start, -finding.end))
    kept: list[PiiFinding] = []
    for finding in found:
        if kept and finding.start < kept[-1].end:
            continue
        kept.append(finding)
    return tuple(kept)


def redact(text: str) -> str:
    """`text` with every sensitive value replaced by a marker naming its kind."""
    pieces: list[str] = []
    position = 0
    for finding in find_pii(text):
        pieces.append(text[position : finding.start])
        pieces.append(_REDACTIONS[finding.kind])
        position = finding.end
    pieces.append(text[position:])
    return "".join(pieces)


class MemoProblem(NamedTuple):
    field: str
    problem: str

    @property
    def description(self) -> str:
        return f"{self.field} {self.problem}"


class MemoCheck(NamedTuple):
    problems: tuple[MemoProblem, ...]
    """Missing or trivial fields, missing ticket numbers."""
    pii: tuple[PiiFinding, ...]

    @property
    def ok(self) -> bool:
        return not self.problems and not self.pii


def _triviality(value: str, min_chars: int, trivial_values: Collection[str]) -> str | None:
    stripped = value.strip()
    if not stripped:
        return "is missing"
    if stripped.lower() in trivial_values:
        return "is a placeholder, not content"
    if len(stripped) < min_chars:
        return f"is too short ({len(stripped)} characters, at least {min_chars})"
    if not any(char.isalpha() for char in stripped):
        return "has no words"
    return None


def check_memo(
    memo: Memo,
    *,
    ticket_numbers: Sequence[str] = (),
    min_chars: int = 5,
    trivial_values: Collection[str] = TRIVIAL_MEMO_VALUES,
) -> MemoCheck:
    """Checks the four required memo parts and lints them for sensitive values.

    `ticket_numbers` are the callback's tickets; each must appear in the memo's ticket numbers.
    """
    problems: list[MemoProblem] = []
    pii: list[PiiFinding] = []
    for name, value in (
        ("reason", memo.reason),
        ("summary", memo.summary),
        ("customer_response", memo.customer_response),
    ):
        issue = _triviality(value, min_chars, trivial_values)
        if issue is not None:
            problems.append(MemoProblem(name, issue))
        pii.extend(find_pii(value, name))
    listed = {number.strip().upper() for number in memo.ticket_numbers}
    missing = [number for number in ticket_numbers if number.strip().upper() not in listed]
    if missing:
        problems.append(MemoProblem("ticket_numbers", f"lacks {', '.join(missing)}"))
    return MemoCheck(tuple(problems), tuple(pii))
