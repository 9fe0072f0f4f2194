"""Password, secret and token hashing. Plain secrets never leave the function that hashes them."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# OWASP's argon2id baseline for login passwords.
_passwords = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# PINs and SSN-last-4 have a few thousand possible values, so hash cost cannot protect them
# against an offline guess; what protects them is never storing or returning the plain value.
# The cheaper profile keeps account creation and verification fast.
_account_secrets = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)

TOKEN_PREFIX = "cd_"


def hash_password(password: str) -> str:
    return _passwords.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _passwords.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def hash_account_secret(value: str) -> str:
    return _account_secrets.hash(value)


def verify_account_secret(stored_hash: str, value: str) -> bool:
    try:
        return _account_secrets.verify(stored_hash, value)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Tokens are high-entropy, so a plain SHA-256 suffices to find them without storing them."""
    return hashlib.sha256(token.encode()).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
