"""Keeping secrets (SSNs, PINs/passcodes, card numbers, passwords, tokens) out of stored records,
logs and responses."""

from __future__ import annotations

import re
from typing import Any

REDACTED = "[redacted]"

_SECRET_PARTS = frozenset(
    {"pin", "passcode", "ssn", "password", "secret", "token", "hash", "pan", "card", "cvv"}
)
_SSN = re.compile(r"\b\d{3}-\d{2}-\d{4}\b")
# A leading "+" marks an E.164 phone number, which is not a card even when its digits pass Luhn.
_DIGIT_RUN = re.compile(r"(?<![+\d])\d(?:[ -]?\d){12,18}\b")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def scrub_text(text: str) -> str:
    """Masks SSN-shaped values and card numbers (13-19 digits passing Luhn) in free text."""
    text = _SSN.sub(REDACTED, text)

    def _card(match: re.Match[str]) -> str:
        digits = re.sub(r"\D", "", match.group(0))
        return REDACTED if 13 <= len(digits) <= 19 and _luhn_ok(digits) else match.group(0)

    return _DIGIT_RUN.sub(_card, text)


def is_secret_key(key: str) -> bool:
    """``pin``, ``ssn_last4``, ``password_hash``: any word of the key names a secret."""
    parts = re.split(r"[_\-\s.]+", key.lower())
    return any(part in _SECRET_PARTS or part.startswith("ssn") for part in parts)


def scrub(value: Any) -> Any:
    """A copy of ``value`` with secret-named keys replaced and secret-shaped strings masked."""
    if isinstance(value, dict):
        return {
            # A flag such as {"pin_set": true} tells nothing of the secret itself.
            key: (
                REDACTED
                if is_secret_key(str(key)) and item is not None and not isinstance(item, bool)
                else scrub(item)
            )
            for key, item in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    if isinstance(value, str):
        return scrub_text(value)
    return value
