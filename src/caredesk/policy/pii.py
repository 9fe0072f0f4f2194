"""The one secret finder: SSNs (full and last four), PINs/passcodes and card numbers in free text.

Every place that refuses or masks secrets (memos, tickets, call steps, logs, audit records, the
OB-MEMO rule) uses this finder, through ``caredesk.privacy`` outside the policy core. The text is
read by ``pii_text`` (normalisation, tokens, the card test) with the words of ``pii_words``; the
shape rules are in ``pii_shapes``, the label rules in ``pii_labels``, their shared pass in
``pii_scan``.

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
from typing import NamedTuple

from caredesk.policy.pii_labels import labels
from caredesk.policy.pii_scan import PiiKind, Scan
from caredesk.policy.pii_shapes import cards, ssn_shapes
from caredesk.policy.pii_text import normalise

__all__ = ["PiiFinding", "PiiKind", "find_pii"]

_ASCII_DIGIT = re.compile(r"[0-9]")  # after normalisation every digit is ASCII

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


def _spans(text: str) -> list[tuple[int, int, PiiKind]]:
    scan = Scan(text)
    cards(scan)
    ssn_shapes(scan)
    labels(scan)
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
