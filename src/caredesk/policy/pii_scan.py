"""One pass of the secret finder's rules over one text: the kinds of secret, the text's tokens and
numbers, what has been found so far, and the token helpers both rule families (shapes in
``pii_shapes``, labels in ``pii_labels``) read the text with."""

from __future__ import annotations

from enum import StrEnum

from caredesk.policy import pii_words as words
from caredesk.policy.pii_text import DIGITS, MARK, SPACE, WORD, Run, runs, tokens


class PiiKind(StrEnum):
    SSN = "ssn"
    PIN = "pin"
    CARD_NUMBER = "card_number"


class Scan:
    """One text's tokens and runs, and the spans the rules have found in it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokens(text)
        self.runs = runs(self.tokens)
        self.run_at: dict[int, Run] = {run.first: run for run in self.runs}
        self.found: list[tuple[int, int, PiiKind]] = []

    def neighbour(self, index: int, step: int) -> int:
        """The nearest token index from ``index`` in direction ``step`` that is not a space."""
        index += step
        while 0 <= index < len(self.tokens) and self.tokens[index].kind == SPACE:
            index += step
        return index

    def word(self, index: int) -> str:
        if 0 <= index < len(self.tokens) and self.tokens[index].kind == WORD:
            return self.tokens[index].text
        return ""

    def glued(self, run: Run) -> bool:
        """Part of an identifier: touching letters, or joined to them by "-" or "_"."""
        tokens = self.tokens
        before = run.first - 1
        if before >= 0:
            token = tokens[before]
            if token.kind == WORD and token.text not in words.LABEL_WORDS:
                return True
            joined = token.kind == MARK and token.text in "-_" and before >= 1
            if joined and (
                tokens[before - 1].kind == DIGITS
                or (
                    tokens[before - 1].kind == WORD
                    and tokens[before - 1].text not in words.LABEL_WORDS
                )
            ):
                return True
            if token.kind == MARK and token.text == "+":
                return True  # an E.164 phone number
        after = run.last + 1
        if after < len(tokens):
            token = tokens[after]
            if token.kind == WORD:
                return True
            joined = token.kind == MARK and token.text in "-_" and after + 1 < len(tokens)
            if joined and tokens[after + 1].kind in (WORD, DIGITS):
                return True
        return False

    def standalone(self, run: Run) -> bool:
        """A number not continued as a time, date, fraction, amount or percentage."""
        tokens = self.tokens
        after = run.last + 1
        if after < len(tokens) and tokens[after].kind == MARK:
            if tokens[after].text == "%":
                return False
            continued = tokens[after].text in ":/," and after + 1 < len(tokens)
            if continued and tokens[after + 1].kind == DIGITS:
                return False
        before = run.first - 1
        if before >= 0 and tokens[before].kind == MARK:
            if tokens[before].text in words.CURRENCY:
                return False
            if tokens[before].text in ":/,." and before >= 1 and tokens[before - 1].kind == DIGITS:
                return False
        return True

    def add(self, start: int, end: int, kind: PiiKind) -> None:
        self.found.append((start, end, kind))

    def add_run(self, run: Run, kind: PiiKind) -> None:
        self.add(self.tokens[run.first].start, self.tokens[run.last].end, kind)
