"""Log records leave the process scrubbed, in the JSON and the plain format alike: secret-named
fields, secrets in the message and tracebacks, and password hashes (a login's argon2 hash in an
SQL statement)."""

from __future__ import annotations

import io
import json
import logging
import sqlite3
import traceback
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher
from sqlalchemy.exc import StatementError

from caredesk.logs import JsonFormatter, TextFormatter, describe_exception, format_exception
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


# What a log line says about an exception: kind, first line and statement, never the values.


def _sqlite_error() -> sqlite3.Error:
    try:
        sqlite3.connect(":memory:").execute("SELECT * FROM nowhere")
    except sqlite3.Error as error:
        return error
    raise AssertionError("no error")


def test_a_database_error_keeps_its_kind_first_line_and_statement_not_its_values() -> None:
    orig = sqlite3.IntegrityError(
        'UNIQUE constraint failed: people.ssn_hash: "abc123"\nDETAIL: Key (ssn)=(123-45-6789)'
    )
    error = StatementError(
        "wrapped", "INSERT INTO people\n   (name, ssn_hash)  VALUES (?, ?)", ("Ana", "x"), orig
    )
    assert describe_exception(error) == (
        '(sqlite3.IntegrityError) UNIQUE constraint failed: people.ssn_hash: "..." '
        "[SQL: INSERT INTO people (name, ssn_hash) VALUES (?, ?)]"
    )


def test_a_long_statement_is_cut_and_a_missing_one_left_out() -> None:
    orig = sqlite3.OperationalError("database is locked")
    long = StatementError("w", "SELECT " + "x, " * 400 + "y", None, orig)
    described = describe_exception(long)
    assert described.startswith("(sqlite3.OperationalError) database is locked [SQL: SELECT x,")
    assert len(described.split("[SQL: ", 1)[1]) == 500 + 1  # the statement's 500, then "]"
    assert describe_exception(StatementError("w", "", None, orig)) == (
        "(sqlite3.OperationalError) database is locked"
    )
    bare = StatementError('no orig: "secret"\nsecond line', "SELECT 1", None, None)  # type: ignore[arg-type]
    assert describe_exception(bare).startswith('no orig: "..."')
    assert describe_exception(bare).endswith("[SQL: SELECT 1]")


def test_driver_errors_give_their_first_line_only_with_quoted_values_hidden() -> None:
    assert describe_exception(_sqlite_error()) == "no such table: nowhere"
    error = sqlite3.DataError('invalid input for type integer: "4111 1111"\nrow 7')
    assert describe_exception(error) == 'invalid input for type integer: "..."'
    assert describe_exception(sqlite3.Error("")) == ""

    class FakeDriverError(Exception):
        __module__ = "psycopg.errors"

    assert describe_exception(FakeDriverError('bad: "x"\nDETAIL: y')) == 'bad: "..."'
    # Anything else keeps its whole message (the scrubber still masks secrets in it).
    assert describe_exception(ValueError('bad: "x"\nsecond')) == 'bad: "x"\nsecond'


def _raised(error: BaseException) -> BaseException:
    try:
        raise error
    except BaseException as caught:
        return caught


def test_a_traceback_reads_as_python_prints_it_with_each_message_described() -> None:
    def chained() -> None:
        try:
            raise KeyError("first")
        except KeyError as first:
            raise _sqlite_error() from first

    try:
        chained()
    except sqlite3.Error as error:
        text = format_exception(error)
    assert text.startswith("Traceback (most recent call last):\n")
    assert "KeyError: 'first'\n" in text
    assert "\nThe above exception was the direct cause of the following exception:\n\n" in text
    assert text.endswith("sqlite3.OperationalError: no such table: nowhere")

    def during() -> None:
        try:
            raise KeyError("first")
        except KeyError:
            raise ValueError("second")  # noqa: B904 - the implicit context is what is shown

    try:
        during()
    except ValueError as error:
        text = format_exception(error)
    assert "\nDuring handling of the above exception, another exception occurred:\n\n" in text
    assert text.index("KeyError") < text.index("ValueError: second")

    try:
        try:
            raise KeyError("hidden")
        except KeyError:
            raise ValueError("shown") from None
    except ValueError as error:
        text = format_exception(error)
    assert "hidden" not in text and text.endswith("ValueError: shown")


def test_an_exception_group_lists_each_sub_exception() -> None:
    group = _raised(ExceptionGroup("two failed", [ValueError("a"), _raised(KeyError("b"))]))
    text = format_exception(group)
    assert "ExceptionGroup: two failed (2 sub-exceptions)" in text
    assert "\n+-- sub-exception 1 of 2:\nValueError: a" in text
    assert "\n+-- sub-exception 2 of 2:\nTraceback (most recent call last):\n" in text
    assert text.endswith("KeyError: 'b'")
    # Never built, never raised: no traceback, just the line.
    assert format_exception(ValueError("plain")) == "ValueError: plain"


def _record(
    msg: object, *args: object, exc: BaseException | None = None, **extra: object
) -> logging.LogRecord:
    record = logging.makeLogRecord(
        {"name": "caredesk.test", "levelname": "ERROR", "msg": msg, "args": args or None, **extra}
    )
    record.created = 1773165600.0  # 2026-03-10T18:00:00Z
    if exc is not None:
        record.exc_info = (type(exc), exc, exc.__traceback__)
    return record


def test_json_lines_carry_time_level_logger_process_message_and_fields() -> None:
    record = _record("claimed %s of %s", 2, 5, worker="w-1", _private="x", error=_sqlite_error())
    payload = json.loads(JsonFormatter().format(record))
    assert payload == {
        "ts": "2026-03-10T18:00:00+00:00",
        "level": "error",
        "logger": "caredesk.test",
        "pid": record.process,
        "msg": "claimed 2 of 5",
        "worker": "w-1",
        "error": "no such table: nowhere",
    }


def test_json_lines_describe_exceptions_in_the_message_and_the_traceback() -> None:
    error = _raised(sqlite3.IntegrityError('duplicate: "123-45-6789"'))
    payload = json.loads(JsonFormatter().format(_record("failed: %s", error, exc=error)))
    assert payload["msg"] == 'failed: duplicate: "..."'
    assert payload["exc"].startswith("Traceback (most recent call last):")
    assert payload["exc"].endswith('sqlite3.IntegrityError: duplicate: "..."')
    assert "123-45-6789" not in json.dumps(payload)
    as_message = json.loads(JsonFormatter().format(_record(error)))
    assert as_message["msg"] == 'duplicate: "..."' and "exc" not in as_message


def test_plain_lines_read_time_level_logger_message_then_the_traceback() -> None:
    error = _raised(ValueError("pin was reset to 0042"))
    formatter = TextFormatter()
    record = _record("saving %s failed", "card 4111 1111 1111 1111", exc=error)
    line = formatter.format(record)
    head, _, rest = line.partition("\n")
    assert (
        head == f"{formatter.formatTime(record)} ERROR caredesk.test saving card {REDACTED} failed"
    )
    assert rest.startswith("Traceback (most recent call last):")
    assert rest.endswith(f"ValueError: pin was reset to {REDACTED}")
    assert formatter.format(_record("no traceback")).endswith("ERROR caredesk.test no traceback")


def _python_prints(error: BaseException) -> str:
    return "".join(traceback.format_exception(error)).rstrip("\n")


def test_a_chain_of_plain_exceptions_reads_exactly_as_python_prints_it() -> None:
    def nested() -> None:
        try:
            try:
                raise KeyError("inner")
            except KeyError as inner:
                raise ValueError("middle") from inner
        except ValueError:
            raise RuntimeError("outer ends in X")  # noqa: B904 - the implicit context is shown

    try:
        nested()
    except RuntimeError as error:
        assert format_exception(error) == _python_prints(error)
    # Trailing spaces of a message are the message's; only the final newline goes.
    spaced = _raised(ValueError("two spaces  "))
    assert format_exception(spaced) == _python_prints(spaced)
    assert format_exception(spaced).endswith("two spaces  ")


def test_a_chain_that_loops_is_told_once() -> None:
    first, second = _raised(ValueError("first")), _raised(KeyError("second"))
    first.__cause__, second.__cause__ = second, first
    text = format_exception(first)
    assert text.count("ValueError: first") == 1 and text.count("KeyError: 'second'") == 1
    assert text == _python_prints(first)
    looped = _raised(ValueError("context"))
    looped.__context__ = looped
    assert format_exception(looped).count("ValueError: context") == 1


def test_a_sub_exception_seen_before_is_not_told_again() -> None:
    same = _raised(ValueError("once"))
    group = _raised(ExceptionGroup("twice", [same, same]))
    text = format_exception(group)
    assert text.count("ValueError: once") == 1
    assert "sub-exception 2 of 2" not in text


def test_an_exception_never_raised_still_reaches_the_line_with_its_message() -> None:
    unraised = ValueError("not raised")
    record = _record("saving failed", exc=unraised)
    assert json.loads(JsonFormatter().format(record))["exc"] == "ValueError: not raised"
    assert TextFormatter().format(record).endswith("\nValueError: not raised")


def test_only_exception_arguments_are_described_the_rest_keep_their_format() -> None:
    error = _raised(sqlite3.IntegrityError('duplicate: "x1"'))
    record = _record("failed: %s after %d tries", error, 3)
    assert (
        json.loads(JsonFormatter().format(record))["msg"]
        == 'failed: duplicate: "..." after 3 tries'
    )


def test_json_fields_holding_exceptions_are_described_and_others_written_as_text() -> None:
    error = _raised(sqlite3.IntegrityError('duplicate: "ref-77"'))
    at = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
    payload = json.loads(JsonFormatter().format(_record("failed", error=error, at=at)))
    assert payload["error"] == 'duplicate: "..."'
    assert payload["at"] == str(at)
