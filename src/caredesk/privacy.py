"""Keeping secrets (SSNs, PINs/passcodes, card numbers, passwords, tokens, password hashes) out of
stored records, logs and responses: the one public entry point for finding, refusing and masking
them.

Finding is the policy core's ``find_pii`` (a linear, stdlib-only scanner, so the OB-MEMO rule in
the pure core and everything here apply the same rules); this module refuses text that holds a
secret (``refuse_secrets``, naming field, kind and span but never the value) and masks secrets in
what is logged or audited (``scrub_text``, ``scrub``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from caredesk.errors import ValidationFailed
from caredesk.policy.pii import PiiFinding, PiiKind, find_pii

__all__ = [
    "REDACTED",
    "PiiFinding",
    "PiiKind",
    "find_pii",
    "find_secrets",
    "finding_as_dict",
    "has_secret",
    "is_secret_key",
    "mask_password_hashes",
    "refuse_secrets",
    "scrub",
    "scrub_text",
]

REDACTED = "[redacted]"

_SECRET_PARTS = frozenset(
    {"pin", "passcode", "ssn", "password", "secret", "token", "hash", "pan", "card", "cvv"}
)
_KEY_SEPARATORS = str.maketrans({"-": "_", " ": "_", ".": "_", "\t": "_"})
_KIND_WORDS = {
    PiiKind.SSN: "a Social Security number",
    PiiKind.PIN: "a PIN or passcode",
    PiiKind.CARD_NUMBER: "a card number",
}


def find_secrets(fields: Mapping[str, str | None]) -> list[PiiFinding]:
    """Every secret in every field, in field order."""
    return [finding for name, text in fields.items() if text for finding in find_pii(text, name)]


def has_secret(text: str) -> bool:
    return bool(find_pii(text))


def finding_as_dict(finding: PiiFinding) -> dict[str, object]:
    return {
        "field": finding.field,
        "kind": str(finding.kind),
        "start": finding.start,
        "end": finding.end,
    }


def refuse_secrets(fields: Mapping[str, str | None]) -> None:
    """Raises ValidationFailed naming the first field holding a secret, with every finding's
    kind and span in ``findings``."""
    findings = find_secrets(fields)
    if not findings:
        return
    first = findings[0]
    raise ValidationFailed(
        f"contains {_KIND_WORDS[first.kind]} at characters {first.start}-{first.end}; "
        "remove it (SSNs, PINs/passcodes and full card numbers are never stored)",
        field=first.field,
        extra={"findings": [finding_as_dict(f) for f in findings]},
    )


# Modular-crypt and framework password-hash formats: "$argon2id$v=19$m=...", "$2b$12$...",
# "$6$salt$...", "pbkdf2_sha256$600000$salt$hash", "argon2$argon2id$...", passlib's
# "$bcrypt-sha256$v=2,t=2b,r=12$...".
_HASH_SCHEMES = frozenset(
    {
        "argon2", "argon2i", "argon2d", "argon2id", "scrypt", "bcrypt", "bcrypt_sha256",
        "bcrypt-sha256",
        "pbkdf2", "pbkdf2_sha1", "pbkdf2_sha256", "pbkdf2_sha512", "pbkdf2-sha1",
        "pbkdf2-sha256", "pbkdf2-sha512", "2a", "2b", "2x", "2y", "1", "5", "6", "7", "y", "gy",
        "sha1", "md5",
    }
)  # fmt: skip
_SCHEME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
_HASH_CHARS = _SCHEME_CHARS | frozenset("./+=,$")
_MAX_SCHEME = 16
_MIN_HASH = 20  # "$5$" in "costs $5$ each" is not a hash


def mask_password_hashes(text: str) -> str:
    """``text`` with every password hash replaced by REDACTED. One pass: each "$" is looked at
    once and a hash, once found, is skipped as a whole."""
    if "$" not in text:
        return text
    pieces: list[str] = []
    done = 0  # text[:done] is already in pieces
    dollar = text.find("$")
    length = len(text)
    while dollar != -1:
        # The scheme is the word before this "$" (framework formats) or after it (crypt formats).
        start = dollar
        while start > done and dollar - start < _MAX_SCHEME and text[start - 1] in _SCHEME_CHARS:
            start -= 1
        scheme_before = text[start:dollar].lower()
        after_end = text.find("$", dollar + 1, dollar + 2 + _MAX_SCHEME)
        scheme_after = text[dollar + 1 : after_end].lower() if after_end != -1 else ""
        if scheme_before in _HASH_SCHEMES or scheme_after in _HASH_SCHEMES:
            if scheme_before not in _HASH_SCHEMES:
                start = dollar
            end = dollar + 1
            while end < length and text[end] in _HASH_CHARS:
                end += 1
            if end - start >= _MIN_HASH:
                pieces.append(text[done:start])
                pieces.append(REDACTED)
                done = end
                dollar = text.find("$", end)
                continue
        dollar = text.find("$", dollar + 1)
    pieces.append(text[done:])
    return "".join(pieces)


def scrub_text(text: str) -> str:
    """``text`` with password hashes, SSNs, PINs/passcodes and card numbers masked."""
    text = mask_password_hashes(text)
    findings = find_pii(text)
    if not findings:
        return text
    pieces: list[str] = []
    position = 0
    for finding in findings:
        pieces.append(text[position : finding.start])
        pieces.append(REDACTED)
        position = finding.end
    pieces.append(text[position:])
    return "".join(pieces)


def is_secret_key(key: str) -> bool:
    """``pin``, ``ssn_last4``, ``password_hash``: any word of the key names a secret."""
    parts = key.lower().translate(_KEY_SEPARATORS).split("_")
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
