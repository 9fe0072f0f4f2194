"""Log records leave the process scrubbed, in the JSON and the plain format alike: secret-named
fields, secrets in the message and tracebacks, and password hashes (a login's argon2 hash in an
SQL statement)."""

from __future__ import annotations

import io
import json
import logging

import pytest
from argon2 import PasswordHasher

from caredesk.logs import JsonFormatter, TextFormatter
from caredesk.privacy import REDACTED

HASH = PasswordHasher().hash("hunter2hunter2")


def _emit(formatter: logging.Formatter, message: str, *args: object, **extra: object) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger(f"caredesk.test.{id(stream)}")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        logger.warning(message, *args, extra=extra)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


FORMATS = {
    "json": JsonFormatter(),
    "plain": TextFormatter(),
}


@pytest.mark.parametrize("formatter", FORMATS.values(), ids=FORMATS.keys())
def test_argon2_hashes_in_messages_are_masked(formatter: logging.Formatter) -> None:
    line = _emit(formatter, "UPDATE users SET password_hash=%s WHERE id=%s", HASH, 7)
    assert "$argon2id$" not in line
    assert HASH.rsplit("$", 1)[1] not in line
    assert REDACTED in line


@pytest.mark.parametrize("formatter", FORMATS.values(), ids=FORMATS.keys())
def test_secrets_in_messages_and_tracebacks_are_masked(formatter: logging.Formatter) -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger(f"caredesk.test.exc.{id(stream)}")
    logger.propagate = False
    logger.addHandler(handler)
    try:
        raise ValueError(f"bad row: pin was reset to 0042, hash {HASH}")
    except ValueError:
        logger.exception("card %s declined", "4111 1111 1111 1111")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    for secret in ("0042", "4111 1111 1111 1111", "$argon2id$"):
        assert secret not in text


def test_secret_named_fields_are_redacted_in_json_logs() -> None:
    line = _emit(
        JsonFormatter(),
        "login",
        token="tok_abcdef",
        cvv="123",
        ssn="123-45-6789",
        ssn_last4="6789",
        password_hash=HASH,
        detail=f"stored {HASH}",
        pin_set=True,
    )
    payload = json.loads(line)
    for key in ("token", "cvv", "ssn", "ssn_last4", "password_hash", "detail"):
        assert payload[key] in (REDACTED, f"stored {REDACTED}"), key
    assert payload["pin_set"] is True
