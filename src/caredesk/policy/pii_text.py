"""Reading free text for the secret finder: Unicode normalisation, tokens, written numbers and
the payment-card test. Linear in the text: each character is looked at a bounded number of times.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

# Token kinds.
DIGITS, WORD, SPACE, MARK = 0, 1, 2, 3


class Token(NamedTuple):
    kind: int
    start: int
    end: int
    text: str


class Run(NamedTuple):
    """Digit groups joined by single separators (space, dash, dot): one written number."""

    first: int  # token index of the first group
    last: int  # token index of the last group
    groups: tuple[str, ...]
    seps: tuple[str, ...]  # seps[i] joins groups[i] and groups[i + 1]


_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
_DROPPED_CATEGORIES = frozenset({"Cf", "Mn", "Me"})


def normalise(text: str) -> tuple[str, list[int] | None]:
    """The text the rules read, and for each of its characters the index in ``text`` (None when
    they are the same positions)."""
    if text.isascii():
        return text.lower(), None
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char < "\x80":
            pieces.append(char.lower())
            origin.append(index)
            continue
        category = unicodedata.category(char)
        if category in _DROPPED_CATEGORIES:
            continue  # zero-width space and joiners, bidi marks, soft hyphen, combining marks
        if category == "Nd":
            piece = str(unicodedata.decimal(char))
        elif category == "Pd" or char in _DASHES:
            piece = "-"
        elif category[0] == "Z":
            piece = " "
        else:
            piece = unicodedata.normalize("NFKC", char).lower()
        for part in piece:
            pieces.append(part)
            origin.append(index)
    return "".join(pieces), origin


# One token per match. Every repeat is bounded, so no match looks further than 256 characters
# and the scan is linear; a longer run arrives in chunks that tokens() joins.
_TOKEN = re.compile(r"([0-9]{1,256})|([^\W\d_]{1,256})|(\s{1,256})|.", re.DOTALL)
_KINDS = (MARK, DIGITS, WORD, SPACE)


def tokens(text: str) -> list[Token]:
    spans: list[list[int]] = []
    for match in _TOKEN.finditer(text):
        kind = _KINDS[match.lastindex or 0]
        start, end = match.span()
        if kind != MARK and spans and spans[-1][0] == kind and spans[-1][2] == start:
            spans[-1][2] = end  # the next chunk of a run longer than _CHUNK
        else:
            spans.append([kind, start, end])
    return [Token(kind, start, end, text[start:end]) for kind, start, end in spans]


def _is_separator(token: Token) -> bool:
    if token.kind == SPACE:
        return len(token.text) <= 2 and "\n" not in token.text and "\r" not in token.text
    return token.kind == MARK and token.text in "-."


def runs(tokens: list[Token]) -> list[Run]:
    runs: list[Run] = []
    index = 0
    count = len(tokens)
    while index < count:
        if tokens[index].kind != DIGITS:
            index += 1
            continue
        first = last = index
        groups = [tokens[index].text]
        seps: list[str] = []
        while (
            last + 2 < count and tokens[last + 2].kind == DIGITS and _is_separator(tokens[last + 1])
        ):
            seps.append(" " if tokens[last + 1].kind == SPACE else tokens[last + 1].text)
            groups.append(tokens[last + 2].text)
            last += 2
        runs.append(Run(first, last, tuple(groups), tuple(seps)))
        index = last + 1
    return runs


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


def is_card_number(digits: str) -> bool:
    """13-19 digits in a payment-card range passing Luhn; 15 digits only for Amex (34/37)."""
    if not 13 <= len(digits) <= 19 or digits[0] not in "23456":
        return False
    if len(digits) == 15 and digits[:2] not in ("34", "37"):
        return False
    return _luhn(digits)
