"""A database error while storing a person logs neither the PIN, nor its hash, nor any bound
parameter, on both engines and in both log formats; and no engine of the project keeps bound
parameters in its errors."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from caredesk.db.session import Database
from caredesk.logs import configure_logging
from caredesk.users.models import Role
from tests.api.test_accounts import account_body
from tests.conftest import TokenMaker

SRC = Path(__file__).resolve().parents[2] / "src" / "caredesk"
# Values the refused INSERT binds; each is distinctive enough to be found anywhere in a log.
FIRST_NAME = "Quillfeather"
LAST_NAME = "Vondermarck"
PIN = "73920518"
SSN_LAST4 = "6093"


@pytest.fixture
def refusing_people(db: Database) -> Iterator[None]:
    """A real constraint of the database that refuses the person below, so the INSERT fails
    with an IntegrityError raised by the engine itself."""
    with db.engine.begin() as connection:
        if db.dialect == "postgresql":
            connection.execute(text("ALTER TABLE people DROP CONSTRAINT IF EXISTS ck_test_refused"))
            connection.execute(
                text(
                    "ALTER TABLE people ADD CONSTRAINT ck_test_refused "
                    f"CHECK (first_name <> '{FIRST_NAME}')"
                )
            )
        else:
            # A run stopped between set-up and tear-down must not break the next one.
            connection.execute(text("DROP TRIGGER IF EXISTS test_refused"))
            connection.execute(
                text(
                    "CREATE TRIGGER test_refused BEFORE INSERT ON people "
                    f"WHEN NEW.first_name = '{FIRST_NAME}' "
                    "BEGIN SELECT RAISE(ABORT, 'refused by test trigger'); END"
                )
            )
    try:
        yield
    finally:
        with db.engine.begin() as connection:
            if db.dialect == "postgresql":
                connection.execute(
                    text("ALTER TABLE people DROP CONSTRAINT IF EXISTS ck_test_refused")
                )
            else:
                connection.execute(text("DROP TRIGGER IF EXISTS test_refused"))


def _refused_body() -> dict[str, object]:
    body = account_body("ACC-0044551")
    person = body["people"][0]
    person.update(first_name=FIRST_NAME, last_name=LAST_NAME, pin=PIN, ssn_last4=SSN_LAST4)
    person["contact_points"] = [{"kind": "email", "value": "quill.vonder@example.com"}]
    return body


@pytest.mark.parametrize("json_logs", [True, False], ids=["json", "text"])
def test_integrity_error_inserting_a_person_logs_no_secret_or_parameter(
    client: TestClient,
    auth: TokenMaker,
    refusing_people: None,
    capsys: pytest.CaptureFixture[str],
    json_logs: bool,
) -> None:
    headers = auth(Role.ADMIN)
    configure_logging("INFO", json_logs=json_logs)
    capsys.readouterr()

    response = client.post("/v1/accounts", json=_refused_body(), headers=headers)

    logs = capsys.readouterr().err
    assert response.status_code == 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    error_lines = [line for line in logs.splitlines() if "IntegrityError" in line]
    assert error_lines, f"the error was not logged:\n{logs}"
    if json_logs:
        records = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
        assert any("IntegrityError" in record.get("exc", "") for record in records)
    for where, output in (("log", logs), ("problem document", response.text)):
        for value in (FIRST_NAME, LAST_NAME, PIN, SSN_LAST4, "quill.vonder", "ACC-0044551"):
            assert value not in output, f"{value!r} in the {where}"
        assert "$argon2" not in output and "argon2id" not in output, where
        assert "[parameters:" not in output and "Failing row" not in output, where
    # The kind of failure and the statement (with placeholders only) stay for the operator.
    assert "INSERT INTO people" in logs


def test_every_engine_hides_bound_parameters(db: Database) -> None:
    assert db.engine.hide_parameters is True
    makers = [
        path.relative_to(SRC).as_posix()
        for path in SRC.rglob("*.py")
        if re.search(r"\bcreate_engine\(", path.read_text())
    ]
    # Every engine of the application comes from make_engine, which hides parameters.
    assert makers == ["db/session.py"]
