"""The local mail catcher: `caredesk mail catch` keeps what it receives, and `make run`'s script
points the outbox at it so that a queued message ends up in var/mail/."""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from caredesk.channels.email.smtp import SmtpSender, SmtpSettings
from caredesk.channels.ports import Channel, OutboundMessage
from caredesk.clock import SystemClock
from tests.integration.channels.conftest import free_port

ROOT = Path(__file__).resolve().parents[3]
CAREDESK = str(Path(sys.executable).with_name("caredesk"))


def _wait_for(predicate: object, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _sip_options_answered(port: int) -> bool:
    """Whether a SIP OPTIONS sent to 127.0.0.1:port (UDP) gets 200 OK within a second."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as phone:
        phone.bind(("127.0.0.1", 0))
        ours = phone.getsockname()[1]
        phone.settimeout(1.0)
        phone.sendto(
            (
                "OPTIONS sip:care@127.0.0.1 SIP/2.0\r\n"
                f"Via: SIP/2.0/UDP 127.0.0.1:{ours};branch=z9hG4bK-run-{ours}\r\n"
                f"From: <sip:probe@127.0.0.1:{ours}>;tag=run\r\n"
                "To: <sip:care@127.0.0.1>\r\n"
                f"Call-ID: run-{ours}@127.0.0.1\r\n"
                "CSeq: 1 OPTIONS\r\n"
                "Max-Forwards: 70\r\n"
                "Content-Length: 0\r\n\r\n"
            ).encode(),
            ("127.0.0.1", port),
        )
        try:
            answer = phone.recv(65535)
        except TimeoutError:
            return False
    return answer.startswith(b"SIP/2.0 200")


def test_mail_catch_keeps_each_message(tmp_path: Path) -> None:
    port = free_port()
    catcher = subprocess.Popen(
        [CAREDESK, "mail", "catch", "--port", str(port), "--dir", str(tmp_path / "mail")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        _wait_for(lambda: _listening(port), "the catcher to listen")
        sender = SmtpSender(SmtpSettings(host="127.0.0.1", port=port), SystemClock())
        for n in (1, 2):
            sender.send(
                OutboundMessage(
                    channel=Channel.EMAIL,
                    to=f"ana{n}@example.com",
                    subject=f"Sorry we got cut off ({n})",
                    text="Hi Ana, we will call you back.",
                    idempotency_key=f"k{n}",
                )
            )
    finally:
        catcher.send_signal(signal.SIGTERM)
        out, err = catcher.communicate(timeout=30)
    assert catcher.returncode == 0, err
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert [path.name for path in files] == ["000001.eml", "000002.eml"]
    kept = email.message_from_bytes(files[1].read_bytes(), policy=email.policy.default)
    assert kept["To"] == "ana2@example.com" and "we will call you back" in str(kept.get_body())
    assert "mail to ana1@example.com: Sorry we got cut off (1)" in out


@pytest.mark.parametrize(
    ("args", "named"),
    [(["--host", "0.0.0.0"], "--host"), (["--host", "example.com"], "--host")],
)
def test_mail_catch_refuses_a_non_loopback_address(args: list[str], named: str) -> None:
    result = subprocess.run(
        [CAREDESK, "mail", "catch", *args], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], result.stderr


@pytest.mark.slow
def test_make_run_delivers_the_outbox_to_the_catcher(tmp_path: Path) -> None:
    """scripts/run.sh (what `make run` starts) with no SMTP host configured: a queued email is
    delivered by the dispatcher to the catcher and kept in var/mail/; the SIP phone line answers
    beside them."""
    from caredesk.channels import outbox
    from caredesk.db import migrate
    from caredesk.db.session import Database

    url = f"sqlite:///{tmp_path / 'var' / 'caredesk.db'}"
    migrate.upgrade(url)
    db = Database.connect(url, SystemClock())
    with db.uow() as uow:
        outbox.enqueue_message(
            uow,
            kind="callback.dropped_call",
            message=OutboundMessage(
                channel=Channel.EMAIL,
                to="ana@example.com",
                subject="Sorry we got cut off",
                text="Hi Ana, we will call you back.",
                idempotency_key="run-1",
            ),
        )
        uow.commit()
    db.engine.dispose()
    env = {key: value for key, value in os.environ.items() if not key.startswith("CAREDESK_SMTP")}
    env.update(
        CAREDESK_BIN=CAREDESK,
        CAREDESK_DATABASE_URL=url,
        CAREDESK_DISPATCHER_POLL_SECONDS="0.2",
        CAREDESK_LOG_JSON="false",
        MAIL_PORT=str(free_port()),
        SIP_PORT=str(sip_port := free_port()),
    )
    shutil.copytree(ROOT / "config", tmp_path / "config")
    port = free_port()
    run = subprocess.Popen(
        [str(ROOT / "scripts" / "run.sh"), "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    kept = tmp_path / "var" / "mail" / "000001.eml"
    try:
        _wait_for(kept.exists, "the message in var/mail/", seconds=240)
        _wait_for(lambda: _listening(port), "the server", seconds=240)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=10) as answer:
            assert answer.status == 200
        # The phone line runs beside them.
        _wait_for(lambda: _sip_options_answered(sip_port), "the SIP phone line", seconds=120)
    finally:
        run.send_signal(signal.SIGTERM)
        try:
            output, _ = run.communicate(timeout=180)
        except subprocess.TimeoutExpired:
            # Nothing of the run may outlive the test, whatever held it up.
            os.killpg(run.pid, signal.SIGKILL)
            raise
    assert run.returncode == 0, output
    assert "Sorry we got cut off" in kept.read_text()
