"""Memo completeness and the sensitive-data lint (OB-MEMO).

The lint is the one secret finder (``pii.find_pii``), the same that memos, tickets, logs and
audit records use through ``caredesk.privacy``.

Findings carry where the value is (field, start, end, kind) and never the value itself, so a
refusal can be logged and shown without leaking what it refuses.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from functools import lru_cache
from typing import NamedTuple

from caredesk.policy.config import TRIVIAL_MEMO_VALUES
from caredesk.policy.context import Memo
from caredesk.policy.decision import RequiredStep, StepKind
from caredesk.policy.pii import PiiFinding, PiiKind, find_pii

__all__ = [
    "MemoCheck",
    "MemoFindings",
    "MemoProblem",
    "PiiFinding",
    "PiiKind",
    "check_memo",
    "checked_memo",
    "find_pii",
    "memo_findings",
    "redact",
]


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


# The evaluation's memo shortcuts (Case.memo_check and Case.memo_findings read them).
@lru_cache(maxsize=4096, typed=True)
def _checked_memo(
    memo: Memo, ticket_numbers: Sequence[str], min_chars: int, trivial_values: Collection[str]
) -> MemoCheck:
    return check_memo(
        memo, ticket_numbers=ticket_numbers, min_chars=min_chars, trivial_values=trivial_values
    )


def checked_memo(
    memo: Memo, ticket_numbers: Sequence[str], min_chars: int, trivial_values: frozenset[str]
) -> MemoCheck:
    """check_memo, kept per memo: the secret scan costs more than a decision.

    Keyed on every argument; the result is immutable (tuples of named tuples). A value that
    cannot be keyed (a list where a tuple belongs) is checked without the cache.
    """
    try:
        return _checked_memo(memo, ticket_numbers, min_chars, trivial_values)
    except TypeError:
        return check_memo(
            memo, ticket_numbers=ticket_numbers, min_chars=min_chars, trivial_values=trivial_values
        )


MemoFindings = tuple[tuple[str, ...], tuple[RequiredStep, ...]]
"""What is wrong with a wrap-up memo: the sentences, and the steps that fix it."""

_NO_MEMO: MemoFindings = (
    ("there is no account memo",),
    (RequiredStep(StepKind.WRITE_MEMO),),
)
_FINDINGS: dict[int, tuple[MemoCheck, MemoFindings]] = {}
_FINDINGS_KEPT = 4096


def memo_findings(check: MemoCheck | None) -> MemoFindings:
    """What is wrong with a checked memo (None: there is none), worked out once per check object.

    Case.memo_check hands out the same MemoCheck for equal memos, so keying on the object (kept
    in the entry, so its id cannot be reused while the entry lives) finds it again cheaply.
    """
    if check is None:
        return _NO_MEMO
    entry = _FINDINGS.get(id(check))
    if entry is not None and entry[0] is check:
        return entry[1]
    sentences = [problem.description for problem in check.problems]
    steps: list[RequiredStep] = []
    if check.problems:
        fields = ", ".join(dict.fromkeys(problem.field for problem in check.problems))
        steps.append(RequiredStep(StepKind.COMPLETE_MEMO, fields))
    if check.pii:
        sentences.extend(f"the memo contains {finding.description}" for finding in check.pii)
        kinds = ", ".join(dict.fromkeys(finding.kind.value for finding in check.pii))
        steps.append(RequiredStep(StepKind.REMOVE_MEMO_PII, kinds))
    findings = (tuple(sentences), tuple(steps))
    if len(_FINDINGS) >= _FINDINGS_KEPT:
        _FINDINGS.clear()
    _FINDINGS[id(check)] = (check, findings)
    return findings
