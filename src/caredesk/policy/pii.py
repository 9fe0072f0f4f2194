"""The one secret finder: SSNs (full and last four), PINs/passcodes and card numbers in free text.

Every place that refuses or masks secrets (memos, tickets, call steps, logs, audit records, the
OB-MEMO rule) uses this finder, through ``caredesk.privacy`` outside the policy core.

Why a hand scanner and not regular expressions: its cost is linear in the text by construction.
The text is normalised once, cut into tokens once, and each rule looks at a bounded number of
tokens around a token (a card candidate spans at most 19 digit groups; a label looks at most
``REACH`` tokens ahead; a chain of values advances monotonically). Python's ``re`` backtracks; the
old finder took hours on ``"1 " * 10000``. A linear regex engine (RE2) would also do, but the
policy core may import only the standard library, zoneinfo and phonenumbers, and the OB-MEMO rule
needs the same finder as everyone else; so the finder stays here, stdlib-only.

What counts as a secret (the labelled corpus in tests/data/pii_corpus.tsv pins every decision):
- Text is normalised first: NFKC, every decimal digit to ASCII, dashes to ``-``, spaces to `` ``,
  zero-width/format characters and combining marks dropped, lower case. Spans point into the text
  as given.
- SSN: three-two-four digit groups (``123-45-6789``, ``123 45 6789``, ``123.45.6789``) anywhere;
  a masked SSN's last four (``***-**-6789``, ``xxx-xx-6789``); nine digits, or four digits (the
  last four), after an SSN label ("SSN", "social security", "soc sec", "ss#") with only filler
  words between ("last four of SSN: 6789", "SSN ending in 6789"), or before one ("6789 is the last
  four of her SSN").
- PIN/passcode: a standalone number of 4-12 digits (or 4-12 single digits spaced "1 2 3 4") after
  a PIN label (PIN, passcode, pass code, password, security code) with only filler words between
  ("changed the pin number to 0042", "pin was reset to 1234"), a chain of them ("from 1111 to
  2222"), or one before "is the new PIN"; 3-4 digits after CVV/CVC/security code.
- Card number: 13-19 digits, optionally grouped by spaces, dashes or dots, passing Luhn, in a
  payment-card range (first digit 2-6: 1, 7, 8, 9 and 0 are airline, petroleum, telecom (ICCIDs
  start 89) and national numbers), and 15 digits only for American Express (34/37): every IMEI
  is 15 digits with a Luhn check digit, and the only 15-digit cards in circulation are Amex.
  A number after a device label (IMEI, MEID, ESN, ICCID, SIM, EID, serial) is never a card.
  A run with a leading "+" is an E.164 phone number. A number glued to letters ("CS-000123",
  "AB1234...") is an identifier.
- Not secrets: a phone number next to "PIN" ("PIN sent to 303-555-0123", "(303) 555-0123"): a PIN
  is one group of digits, so a number in phone, date, time or amount shape after a PIN label is
  the number the PIN went to or when it changed, and is kept. "PIN reset at 1400" is kept because
  "at" is not a filler word. Card last four ("card ending 1111") are not secret. An unformatted
  number after a PIN label is taken for the PIN even when it could be a phone number.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import NamedTuple

from caredesk.policy import pii_words as words
from caredesk.policy.pii_text import (
    DIGITS,
    MARK,
    SPACE,
    WORD,
    Run,
    is_card_number,
    normalise,
    runs,
    tokens,
)

_ASCII_DIGIT = re.compile(r"[0-9]")  # after normalisation every digit is ASCII


class PiiKind(StrEnum):
    SSN = "ssn"
    PIN = "pin"
    CARD_NUMBER = "card_number"


_KIND_LABELS = {
    PiiKind.SSN: "a Social Security number",
    PiiKind.PIN: "a PIN/passcode value",
    PiiKind.CARD_NUMBER: "a card number",
}


class PiiFinding(NamedTuple):
    field: str
    start: int
    end: int
    kind: PiiKind

    @property
    def description(self) -> str:
        return f"{_KIND_LABELS[self.kind]} in {self.field} at characters {self.start}-{self.end}"


class _Label(NamedTuple):
    kind: PiiKind
    digits: tuple[int, int]  # how many digits its value has
    last: int  # its last token


class _Scan:
    """One pass of the rules over one text's tokens."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokens(text)
        self.runs = runs(self.tokens)
        self.run_at: dict[int, Run] = {run.first: run for run in self.runs}
        self.found: list[tuple[int, int, PiiKind]] = []

    # Helpers ------------------------------------------------------------------------------

    def _neighbour(self, index: int, step: int) -> int:
        """The nearest token index from ``index`` in direction ``step`` that is not a space."""
        index += step
        while 0 <= index < len(self.tokens) and self.tokens[index].kind == SPACE:
            index += step
        return index

    def _word(self, index: int) -> str:
        if 0 <= index < len(self.tokens) and self.tokens[index].kind == WORD:
            return self.tokens[index].text
        return ""

    def _glued(self, run: Run) -> bool:
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

    def _standalone(self, run: Run) -> bool:
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

    def _add(self, start: int, end: int, kind: PiiKind) -> None:
        self.found.append((start, end, kind))

    def _add_run(self, run: Run, kind: PiiKind) -> None:
        self._add(self.tokens[run.first].start, self.tokens[run.last].end, kind)

    # Shape rules --------------------------------------------------------------------------

    def _device_labelled(self, run: Run) -> bool:
        index = run.first
        for _ in range(4):
            index = self._neighbour(index, -1)
            if index < 0:
                return False
            token = self.tokens[index]
            if token.kind == WORD:
                if token.text in words.DEVICE_LABELS:
                    return True
                if token.text not in ("number", "no", "is", "was", "the", "card", "s"):
                    return False
            elif token.kind != MARK or token.text not in ":#=-'.":
                return False
        return False

    def cards(self) -> None:
        for run in self.runs:
            if self._glued(run) or self._device_labelled(run):
                continue
            digits = "".join(run.groups)
            if 13 <= len(digits) <= 19 and is_card_number(digits):
                self._add_run(run, PiiKind.CARD_NUMBER)
                continue
            if len(run.groups) > 1:
                self._card_windows(run)

    def _card_windows(self, run: Run) -> None:
        """Cards written next to another number ("order 12 4111 1111 1111 1111"): windows of
        whole groups bounded by spaces; each group but the last has four digits or more."""
        groups, seps = run.groups, run.seps
        count = len(groups)
        first = 0
        while first < count:
            if first > 0 and seps[first - 1] != " ":
                first += 1
                continue
            total = 0
            best = -1
            for last in range(first, count):
                total += len(groups[last])
                if total > 19:
                    break
                if last > first and len(groups[last - 1]) < 4:
                    break
                if last < count - 1 and seps[last] != " ":
                    continue
                whole = (first, last) == (0, count - 1)
                if not whole and total >= 13 and is_card_number("".join(groups[first : last + 1])):
                    best = last
            if best >= 0:
                start = self.tokens[run.first + 2 * first].start
                end = self.tokens[run.first + 2 * best].end
                self._add(start, end, PiiKind.CARD_NUMBER)
                first = best + 1
            else:
                first += 1

    def ssn_shapes(self) -> None:
        for run in self.runs:
            groups, seps = run.groups, run.seps
            for index in range(len(groups) - 2):
                if (len(groups[index]), len(groups[index + 1]), len(groups[index + 2])) != (
                    3,
                    2,
                    4,
                ):
                    continue
                if seps[index] != seps[index + 1]:
                    continue
                if index > 0 and seps[index - 1] != " ":
                    continue
                if index + 3 < len(groups) and seps[index + 2] != " ":
                    continue
                if len(groups) == 3 and self._glued(run):
                    continue
                start = self.tokens[run.first + 2 * index].start
                end = self.tokens[run.first + 2 * index + 4].end
                self._add(start, end, PiiKind.SSN)
        self._masked_ssns()

    def _masked_ssns(self) -> None:
        text = self.text
        for run in self.runs:
            if len(run.groups) != 1 or len(run.groups[0]) != 4:
                continue
            start = self.tokens[run.first].start
            if start < 7:
                continue
            head = text[start - 7 : start]
            sep = head[3]
            if sep not in "- ." or head[6] != sep:
                continue
            masked = all(char in words.MASKS for char in head[:3] + head[4:6])
            if masked and (start == 7 or not text[start - 8].isalnum()):
                self._add_run(run, PiiKind.SSN)

    # Label rules --------------------------------------------------------------------------

    def _is_value(self, run: Run, label: _Label) -> bool:
        """Whether ``run`` has the shape of the value ``label`` names."""
        if not self._standalone(run):
            return False
        groups = run.groups
        if label.kind is PiiKind.SSN:
            return len(groups) == 1 and len(groups[0]) in (4, 9)
        low, high = label.digits
        if len(groups) == 1:
            return low <= len(groups[0]) <= high
        # "1 2 3 4": a PIN read out digit by digit.
        return low <= len(groups) <= high and all(len(group) == 1 for group in groups)

    def _label_at(self, index: int) -> _Label | None:
        word = self.tokens[index].text
        if word in words.SSN_LABELS:
            return _Label(PiiKind.SSN, (4, 9), index)
        if word in words.PIN_LABELS:
            return _Label(PiiKind.PIN, words.PIN_DIGITS, index)
        if word in words.CVV_LABELS:
            following = index + 1
            if following < len(self.tokens) and self.tokens[following].text == "2":
                return _Label(PiiKind.PIN, words.CVV_DIGITS, following)  # CVV2, CVC2
            return _Label(PiiKind.PIN, words.CVV_DIGITS, index)
        following = self._neighbour(index, 1)
        digits = words.PAIR_LABELS.get((word, self._word(following)))
        if digits is not None:
            return _Label(PiiKind.PIN, digits, following)
        return None

    def labels(self) -> None:
        tokens = self.tokens
        resume = 0
        for index, token in enumerate(tokens):
            if token.kind != WORD or index < resume or token.text not in words.WATCHED:
                continue
            label = self._label_at(index)
            if label is not None:
                resume = self._forward(label, index)
            elif token.text in words.COPULAS:
                self._backward(index)

    def _forward(self, label: _Label, label_index: int) -> int:
        index = label.last
        glued = self.run_at.get(index)
        if glued is not None and len(glued.groups) > 1:
            # "CVV2 123": the label's 2 and its value were read as one spaced number.
            rest = Run(index + 2, glued.last, glued.groups[1:], glued.seps[1:])
            if self._is_value(rest, label):
                self._add_run(rest, label.kind)
                return self._chain(rest, label)
        previous = self.tokens[label_index].text
        steps = 0
        while steps < words.REACH:
            index = self._neighbour(index, 1)
            if index >= len(self.tokens):
                return index
            steps += 1
            token = self.tokens[index]
            if token.kind == DIGITS:
                run = self.run_at.get(index)
                if run is not None and self._is_value(run, label):
                    self._add_run(run, label.kind)
                    return self._chain(run, label)
                if token.text == "4" and previous in ("last", "first"):
                    # "SSN last 4 6789": the 4 says how many digits follow.
                    if run is not None and len(run.groups) > 1:
                        rest = Run(index + 2, run.last, run.groups[1:], run.seps[1:])
                        if self._is_value(rest, label):
                            self._add_run(rest, label.kind)
                            return self._chain(rest, label)
                        return index
                    previous = "4"
                    continue
                return index
            if token.kind == WORD:
                word = token.text
                if not (
                    word in words.FILLERS
                    or (word in words.AFTER_ENDING and previous in words.ENDING)
                    or (word in words.AFTER_CHANGE and previous in words.CHANGE)
                ):
                    return index
                previous = word
                continue
            if token.text in words.FILLER_MARKS or (
                token.text == "." and previous in words.ABBREVIATIONS
            ):
                previous = token.text
                continue
            return index
        return index

    def _chain(self, run: Run, label: _Label) -> int:
        """Values listed after the first ("from 1111 to 2222", "1234 or 4321")."""
        index = run.last
        while True:
            connector = self._neighbour(index, 1)
            if connector >= len(self.tokens):
                return connector
            token = self.tokens[connector]
            if not (
                (token.kind == WORD and token.text in words.CHAIN)
                or (token.kind == MARK and token.text in words.CHAIN_MARKS)
            ):
                return connector
            following = self._neighbour(connector, 1)
            candidate = self.run_at.get(following)
            if candidate is None or not self._is_value(candidate, label):
                return following
            self._add_run(candidate, label.kind)
            index = candidate.last

    def _backward(self, copula: int) -> None:
        """ "0042 is the new PIN", "6789 is the last four of her SSN"."""
        before = self._neighbour(copula, -1)
        if before < 0 or self.tokens[before].kind != DIGITS:
            return
        run = self.run_at.get(before)
        if run is None or len(run.groups) != 1:
            return
        if self._word(self._neighbour(run.first, -1)) in words.NUMBER_NOUNS:
            return
        index = copula
        for _ in range(words.REACH):
            index = self._neighbour(index, 1)
            if index >= len(self.tokens):
                return
            token = self.tokens[index]
            if token.kind == WORD:
                label = self._label_at(index)
                if label is not None:
                    if self._is_value(run, label):
                        self._add_run(run, label.kind)
                    return
                if token.text not in words.FILLERS:
                    return
            elif token.kind == DIGITS:
                if token.text != "4":
                    return
            elif token.text not in words.FILLER_MARKS:
                return


def _spans(text: str) -> list[tuple[int, int, PiiKind]]:
    scan = _Scan(text)
    scan.cards()
    scan.ssn_shapes()
    scan.labels()
    found = sorted(scan.found, key=lambda item: (item[0], -item[1]))
    kept: list[tuple[int, int, PiiKind]] = []
    for item in found:
        if kept and item[0] < kept[-1][1]:
            continue
        kept.append(item)
    return kept


def find_pii(text: str, field: str = "text") -> tuple[PiiFinding, ...]:
    """Every SSN, PIN/passcode value and card number in ``text``, as spans into ``text``."""
    if text.isascii() and _ASCII_DIGIT.search(text) is None:
        return ()
    normalised, origin = normalise(text)
    if origin is not None and _ASCII_DIGIT.search(normalised) is None:
        return ()
    if origin is None:
        return tuple(PiiFinding(field, start, end, kind) for start, end, kind in _spans(normalised))
    return tuple(
        PiiFinding(field, origin[start], origin[end - 1] + 1, kind)
        for start, end, kind in _spans(normalised)
    )
