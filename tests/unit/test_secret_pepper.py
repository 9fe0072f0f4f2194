"""PIN and SSN-last-4 hashes are HMAC-ed with a pepper kept outside the database before argon2,
so a leaked hash alone cannot be guessed; the key file is created once, 0600, and shared."""

from __future__ import annotations

import multiprocessing
import stat
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

from caredesk.config import Settings
from caredesk.security import (
    PEPPERED_PREFIX,
    PepperError,
    hash_account_secret,
    load_pepper,
    verify_account_secret,
)

PEPPER = b"p" * 32
OTHER = b"q" * 32
PIN = "4821"


def _settings(path: Path, pepper: str | None = None) -> Settings:
    return Settings(secret_pepper_file=path, secret_pepper=pepper)


def test_a_leaked_hash_alone_does_not_give_the_pin_away() -> None:
    stored = hash_account_secret(PIN, pepper=PEPPER)
    assert stored.startswith(PEPPERED_PREFIX) and PIN not in stored
    inner = stored.removeprefix(PEPPERED_PREFIX)
    plain_hasher = PasswordHasher()

    def guessed(candidate: str) -> bool:
        try:
            return plain_hasher.verify(inner, candidate)
        except VerificationError:
            return False

    # An attacker with the hash but not the pepper tries PINs, the right one among them.
    candidates = [f"{n:04d}" for n in range(4800, 4850)]
    assert PIN in candidates
    assert not any(guessed(candidate) for candidate in candidates)
    # With the pepper the same search finds it: the pepper is what stands in the way.
    assert [c for c in candidates if verify_account_secret(stored, c, pepper=PEPPER)] == [PIN]


def test_a_hash_verifies_only_with_its_pepper() -> None:
    stored = hash_account_secret(PIN, pepper=PEPPER)
    assert verify_account_secret(stored, PIN, pepper=PEPPER)
    assert not verify_account_secret(stored, PIN, pepper=OTHER)
    assert not verify_account_secret(stored, "4822", pepper=PEPPER)
    assert hash_account_secret(PIN, pepper=PEPPER) != stored  # salted


def test_hashes_written_before_the_pepper_still_verify() -> None:
    legacy = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PIN)
    assert verify_account_secret(legacy, PIN, pepper=PEPPER)
    assert not verify_account_secret(legacy, "0000", pepper=PEPPER)


def test_key_file_is_created_once_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "var" / "secret-pepper"
    first = load_pepper(_settings(path))
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(first) >= 32
    assert load_pepper(_settings(path)) == first
    assert list(path.parent.iterdir()) == [path]  # no draft left behind


def _load(path: str) -> bytes:
    return load_pepper(_settings(Path(path)))


def test_processes_starting_together_agree_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "secret-pepper"
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        keys = pool.map(_load, [str(path)] * 8)
    assert len(set(keys)) == 1 and keys[0] == path.read_text().strip().encode()


def test_setting_takes_precedence_over_the_file(tmp_path: Path) -> None:
    path = tmp_path / "secret-pepper"
    assert load_pepper(_settings(path, "s" * 40)) == b"s" * 40
    assert not path.exists()


@pytest.mark.parametrize("mode", [0o640, 0o604])
def test_a_key_file_others_can_read_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "secret-pepper"
    path.write_text("k" * 64)
    path.chmod(mode)
    with pytest.raises(PepperError) as refused:
        load_pepper(_settings(path))
    assert refused.value.field == "CAREDESK_SECRET_PEPPER_FILE"
    assert "chmod 600" in refused.value.detail


def test_a_short_pepper_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PepperError) as refused:
        load_pepper(_settings(tmp_path / "x", "short"))
    assert refused.value.field == "CAREDESK_SECRET_PEPPER"
