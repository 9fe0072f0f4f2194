"""Stored PIN and SSN-last-4 hashes are peppered, the pepper is nowhere in the database, and PINs
stored before the pepper still verify; on both engines."""

from __future__ import annotations

from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update
from typer.testing import CliRunner

from caredesk.accounts.models import Person
from caredesk.accounts.people import verify_person_pin
from caredesk.cli import app
from caredesk.config import get_settings
from caredesk.db.registry import load_all_models
from caredesk.db.session import Database
from caredesk.security import PEPPERED_PREFIX, current_pepper
from tests.integration.accounts.builders import PIN, SSN_LAST4
from tests.integration.accounts.conftest import AccountMaker

runner = CliRunner()


def _everything_stored(db: Database) -> str:
    with db.engine.connect() as connection:
        return "\n".join(
            repr(tuple(row))
            for table in load_all_models().sorted_tables
            for row in connection.execute(table.select())
        )


def test_hashes_are_peppered_and_the_pepper_is_not_stored(
    db: Database, make_account: AccountMaker
) -> None:
    account = make_account()
    with db.uow() as uow:
        person = uow.session.scalars(select(Person).where(Person.account_id == account.id)).one()
        assert person.pin_hash and person.pin_hash.startswith(PEPPERED_PREFIX)
        assert person.ssn_last4_hash and person.ssn_last4_hash.startswith(PEPPERED_PREFIX)
        assert verify_person_pin(uow, person_id=person.id, pin=PIN)
        assert not verify_person_pin(uow, person_id=person.id, pin=SSN_LAST4)
    stored = _everything_stored(db)
    assert current_pepper().decode() not in stored
    assert PIN not in stored


def test_a_pin_stored_before_the_pepper_still_verifies(
    db: Database, make_account: AccountMaker
) -> None:
    account = make_account()
    legacy = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PIN)
    with db.uow() as uow:
        uow.session.execute(
            update(Person).where(Person.account_id == account.id).values(pin_hash=legacy)
        )
        uow.commit()
    with db.uow() as uow:
        person_id = uow.session.scalars(select(Person.id)).one()
        assert verify_person_pin(uow, person_id=person_id, pin=PIN)
        assert not verify_person_pin(uow, person_id=person_id, pin="000000")


def test_cli_refuses_a_key_file_others_can_read(
    db: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = tmp_path / "secret-pepper"
    key.write_text("k" * 64)
    key.chmod(0o644)
    monkeypatch.setenv("CAREDESK_DATABASE_URL", database_url)
    monkeypatch.setenv("CAREDESK_SECRET_PEPPER_FILE", str(key))
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["user", "list"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"error: CAREDESK_SECRET_PEPPER_FILE: {key} is readable by others (mode -rw-r--r--); "
        f"run chmod 600 {key}"
    ]
