"""Memo completeness and the sensitive-data lint (OB-MEMO).

The lint is the one secret finder (``pii.find_pii``), the same that memos, tickets, logs and
audit records use through ``caredesk.privacy``.

Findings carry where the value is (field, start, end, kind) and never the value itself, so a
refusal can be logged and shown without leaking what it refuses.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import NamedTuple

from caredesk.policy.config import TRIVIAL_MEMO_VALUES
from caredesk.policy.context import Memo
from caredesk.policy.pii import PiiFinding, PiiKind, find_pii

__all__ = ["MemoCheck", "MemoProblem", "PiiFinding", "PiiKind", "check_memo", "find_pii", "redact"]


_REDACTIONS = {
    PiiKind.SSN: "[SSN REDACTED]",
    PiiKind.PIN: "[PIN REDACTED]",
    PiiKind.CARD_NUMBER: "[CARD NUMBER REDACTED]",
}


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
