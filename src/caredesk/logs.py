"""Structured JSON logs. Every message and field passes the secret scrubber on its way out, and
exceptions are rendered without the values a database error carries (bound parameters, the
failing row PostgreSQL quotes in its DETAIL line)."""

from __future__ import annotations

import json
import logging
import re
import sqlite3
import sys
import traceback
from datetime import UTC, datetime
from typing import Any, TextIO

from sqlalchemy.exc import StatementError

from caredesk.privacy import scrub, scrub_text

# color_message is uvicorn's copy of the message with terminal colour codes.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "color_message"}
# uvicorn configures these itself (handlers that print plain text, propagation off); every
# process hands them back to the root handler so that its lines are JSON too.
_SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")
# A quoted value at the end of a database message: `invalid input syntax for type integer: "x"`.
_QUOTED_VALUE = re.compile(r':\s*"[^"]*"')
_MAX_STATEMENT = 500


def _is_driver_error(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.Error) or type(exc).__module__.startswith("psycopg")


def _driver_message(exc: BaseException) -> str:
    """The first line only: PostgreSQL's DETAIL (the failing row, the duplicate key's value)
    follows on the next lines."""
    lines = str(exc).strip().splitlines()
    return _QUOTED_VALUE.sub(': "..."', lines[0]) if lines else ""


def describe_exception(exc: BaseException) -> str:
    """An exception's message, fit for a log line: database errors keep their kind, first line
    and SQL statement but never the bound parameters or the row's values."""
    if isinstance(exc, StatementError):
        orig = exc.orig
        head = (
            f"({type(orig).__module__}.{type(orig).__qualname__}) {_driver_message(orig)}"
            if orig is not None
            else _driver_message(exc)
        )
        statement = " ".join(str(exc.statement or "").split())[:_MAX_STATEMENT]
        return f"{head} [SQL: {statement}]" if statement else head
    if _is_driver_error(exc):
        return _driver_message(exc)
    return str(exc)


def _exception_name(exc: BaseException) -> str:
    kind = type(exc)
    if kind.__module__ in {"builtins", "__main__"}:
        return kind.__qualname__
    return f"{kind.__module__}.{kind.__qualname__}"


def _format_chain(exc: BaseException, seen: set[int]) -> list[str]:
    seen.add(id(exc))
    parts: list[str] = []
    cause, context = exc.__cause__, exc.__context__
    if cause is not None and id(cause) not in seen:
        parts += _format_chain(cause, seen)
        parts.append("\nThe above exception was the direct cause of the following exception:\n\n")
    elif context is not None and not exc.__suppress_context__ and id(context) not in seen:
        parts += _format_chain(context, seen)
        parts.append("\nDuring handling of the above exception, another exception occurred:\n\n")
    if exc.__traceback__ is not None:
        parts.append("Traceback (most recent call last):\n")
        parts += traceback.format_tb(exc.__traceback__)
    parts.append(f"{_exception_name(exc)}: {describe_exception(exc)}\n")
    if isinstance(exc, BaseExceptionGroup):
        for index, inner in enumerate(exc.exceptions, start=1):
            if id(inner) not in seen:
                parts.append(f"\n+-- sub-exception {index} of {len(exc.exceptions)}:\n")
                parts += _format_chain(inner, seen)
    return parts


def format_exception(exc: BaseException) -> str:
    """The traceback as Python prints it, each message passed through ``describe_exception``."""
    return "".join(_format_chain(exc, set())).rstrip("\n")


def _message(record: logging.LogRecord) -> str:
    """``record.getMessage()`` with exceptions among the arguments described safely."""
    if isinstance(record.msg, BaseException):
        return describe_exception(record.msg)
    args = record.args
    if isinstance(args, tuple) and any(isinstance(arg, BaseException) for arg in args):
        safe = tuple(describe_exception(a) if isinstance(a, BaseException) else a for a in args)
        return str(record.msg) % safe
    return record.getMessage()


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            # Server workers share one stderr; the pid tells their lines apart.
            "pid": record.process,
            "msg": scrub_text(_message(record)),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                safe = isinstance(value, BaseException)
                payload[key] = describe_exception(value) if safe else value
        if record.exc_info and record.exc_info[1] is not None:
            payload["exc"] = scrub_text(format_exception(record.exc_info[1]))
        return json.dumps(scrub(payload), default=str)


class TextFormatter(logging.Formatter):
    """Plain lines for a terminal, with the same scrubbing and safe exceptions as the JSON."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = f"{self.formatTime(record)} {record.levelname} {record.name} {_message(record)}"
        if record.exc_info and record.exc_info[1] is not None:
            line += "\n" + format_exception(record.exc_info[1])
        return scrub_text(line)


class StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is at the time of the record, so a handler made before
    stderr was redirected (a test's capture, a daemon's reopened stream) still works."""

    def __init__(self) -> None:
        super().__init__()
        self.caredesk = True

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def configure_logging(level: str = "INFO", *, json_logs: bool = True) -> None:
    """Routes every logger of the process to one scrubbed stderr handler. Idempotent: every
    process calls it however it was started (the CLI, each server worker, uvicorn importing
    the app factory), and a second call replaces the first call's handler only."""
    handler = StderrHandler()
    handler.setFormatter(JsonFormatter() if json_logs else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [h for h in root.handlers if not getattr(h, "caredesk", False)] + [handler]
    root.setLevel(level.upper())
    for name in _SERVER_LOGGERS:
        server_logger = logging.getLogger(name)
        server_logger.handlers.clear()
        server_logger.propagate = True
    # The access middleware writes the access log (with the route template); uvicorn's own
    # access lines would only repeat it.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # Warnings printed by the interpreter would bypass the formatter.
    logging.captureWarnings(True)
