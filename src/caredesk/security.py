"""Password, secret and token hashing. Plain secrets never leave the function that hashes them.

PINs/passcodes and SSN-last-4 are HMAC-ed with a pepper before argon2 (docs/adr/0001): the
pepper is kept outside the database, so a leaked hash alone cannot be guessed."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import os
import secrets
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from caredesk.errors import DomainError

TOKEN_PREFIX = "cd_"
# Marks an account-secret hash computed over HMAC(pepper, value); hashes without it were written
# before the pepper existed and are still verified as they are.
PEPPERED_PREFIX = "hmac-sha256:"
MIN_PEPPER_LENGTH = 32

if TYPE_CHECKING:
    from argon2 import PasswordHasher

    from caredesk.config import Settings


# The hashers are built on first use: a command that hashes nothing does not load argon2.
@functools.cache
def _passwords() -> PasswordHasher:
    from argon2 import PasswordHasher

    # OWASP's argon2id baseline for login passwords.
    return PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


@functools.cache
def _account_secrets() -> PasswordHasher:
    from argon2 import PasswordHasher

    # PINs and SSN-last-4 have a few thousand possible values, so hash cost cannot protect them
    # against an offline guess; what protects them is never storing or returning the plain
    # value. The cheaper profile keeps account creation and verification fast.
    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


class PepperError(DomainError):
    """The pepper is unsafe or unreadable; ``field`` names the setting, the detail the fix. Raised
    at start, so a CLI command fails with one line and a server does not start."""

    status = 500
    slug = "configuration"
    title = "Configuration error"


_pepper: bytes | None = None


def hash_password(password: str) -> str:
    return _passwords().hash(password)


@functools.cache
def dummy_password_hash() -> str:
    """A hash no password matches, verified in place of a missing one so that an unknown login
    costs the same argon2 work as a known one."""
    return hash_password(secrets.token_urlsafe(32))


def verify_password(stored_hash: str, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _passwords().verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def load_pepper(settings: Settings) -> bytes:
    """CAREDESK_SECRET_PEPPER when set, else the key file (created on first use, mode 0600)."""
    if settings.secret_pepper is not None:
        key = settings.secret_pepper.get_secret_value().strip()
        where, field = "the pepper", "CAREDESK_SECRET_PEPPER"
    else:
        path = settings.secret_pepper_file
        _create_key_file(path)
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise PepperError(
                f"{path} is readable by others (mode {stat.filemode(mode)}); run chmod 600 {path}",
                field="CAREDESK_SECRET_PEPPER_FILE",
            )
        key = path.read_text(encoding="utf-8").strip()
        where, field = f"the pepper in {path}", "CAREDESK_SECRET_PEPPER_FILE"
    if len(key) < MIN_PEPPER_LENGTH:
        raise PepperError(
            f"{where} must be at least {MIN_PEPPER_LENGTH} characters (e.g. 64 hex digits)",
            field=field,
        )
    return key.encode()


def _create_key_file(path: Path) -> None:
    """Writes a new random key where none exists. The key is complete before it appears under
    its name (a hard link cannot replace a file), so processes starting together agree on it."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_hex(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        # When another process made it first, its key stands.
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)


def use_pepper(key: bytes) -> None:
    """Sets the pepper of this process (done at start, from the settings)."""
    global _pepper
    _pepper = key


def current_pepper() -> bytes:
    if _pepper is None:
        from caredesk.config import get_settings

        use_pepper(load_pepper(get_settings()))
    assert _pepper is not None
    return _pepper


def _peppered(pepper: bytes, value: str) -> str:
    return hmac.new(pepper, value.encode(), hashlib.sha256).hexdigest()


def hash_account_secret(value: str, *, pepper: bytes | None = None) -> str:
    key = current_pepper() if pepper is None else pepper
    return PEPPERED_PREFIX + _account_secrets().hash(_peppered(key, value))


def verify_account_secret(stored_hash: str, value: str, *, pepper: bytes | None = None) -> bool:
    if stored_hash.startswith(PEPPERED_PREFIX):
        key = current_pepper() if pepper is None else pepper
        stored_hash, value = stored_hash.removeprefix(PEPPERED_PREFIX), _peppered(key, value)
    from argon2.exceptions import InvalidHashError, VerificationError

    try:
        return _account_secrets().verify(stored_hash, value)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Tokens are high-entropy, so a plain SHA-256 suffices to find them without storing them."""
    return hashlib.sha256(token.encode()).hexdigest()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
