"""A local mail catcher for demos: an SMTP server on loopback (aiosmtpd) that accepts every
message, keeps each one as an ``.eml`` file in a directory and reports it in one line. With
``make run`` the outbox delivers here, so what a customer would receive can be read without a
mail server."""

from __future__ import annotations

import email
import email.policy
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

Report = Callable[["Caught"], None]
# Far above any message the outbox writes, so a stray huge message cannot fill the disk.
MAX_MESSAGE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Caught:
    path: Path
    mail_from: str
    to: list[str]
    subject: str


def _subject(content: bytes) -> str:
    message = email.message_from_bytes(content, policy=email.policy.default)
    return " ".join(str(message.get("Subject", "")).split())


class MailDrop:
    """The aiosmtpd handler: numbered files (000001.eml, ...) continuing after those present."""

    def __init__(self, directory: Path, report: Report | None = None) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self._report = report
        self._lock = threading.Lock()
        self._next = 1 + max((_number(path) for path in directory.glob("*.eml")), default=0)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = bytes(envelope.content)
        with self._lock:
            path = self.directory / f"{self._next:06d}.eml"
            self._next += 1
            path.write_bytes(content)
        caught = Caught(path, str(envelope.mail_from), list(envelope.rcpt_tos), _subject(content))
        if self._report is not None:
            self._report(caught)
        return "250 Message accepted for delivery"


def _number(path: Path) -> int:
    return int(path.stem) if path.stem.isdigit() else 0


def start_catcher(
    host: str, port: int, directory: Path, report: Report | None = None
) -> Controller:
    """Starts the server in a background thread; ``stop()`` on the result ends it."""
    controller = Controller(
        MailDrop(directory, report),
        hostname=host,
        port=port,
        server_hostname="localhost",
        data_size_limit=MAX_MESSAGE_BYTES,
    )
    controller.start()
    return controller
