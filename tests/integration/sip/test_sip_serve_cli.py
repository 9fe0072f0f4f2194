"""`caredesk sip serve` as an operator runs it: it answers sipp's calls, and SIGTERM hangs up
the caller still waiting in a queue (our BYE, answered by sipp) and records the abandonment
before the process ends with status 0."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from caredesk.db.session import Database
from tests.integration.sip.conftest import Sip, free_udp_port
from tests.integration.sip.test_sipp_calls import stored_calls

CAREDESK = str(Path(sys.executable).with_name("caredesk"))
OPTIONS = (
    "OPTIONS sip:care@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-{n}\r\n"
    "From: <sip:probe@127.0.0.1>;tag=p\r\nTo: <sip:care@127.0.0.1>\r\nCall-ID: probe-{n}\r\n"
    "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
)


def _wait_until_answering(port: int, server: subprocess.Popen[str]) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.settimeout(0.2)
        for n in range(300):
            assert server.poll() is None, server.communicate()[1]
            probe.sendto(OPTIONS.format(n=n).encode(), ("127.0.0.1", port))
            try:
                if probe.recv(4096).startswith(b"SIP/2.0 200"):
                    return
            except TimeoutError:
                continue
    raise AssertionError("the server never answered OPTIONS")


def _wait_for_queue(db: Database) -> None:
    for _ in range(300):
        calls = stored_calls(db)
        if calls and calls[0].outcome == "queued":
            return
        time.sleep(0.1)
    raise AssertionError("the call never reached a queue")


def test_serve_answers_and_sigterm_hangs_up_the_waiting_caller(
    db: Database, database_url: str, sipp: str, tmp_path: Path
) -> None:
    port = free_udp_port()
    env = {
        **os.environ,
        "CAREDESK_DATABASE_URL": database_url,
        "CAREDESK_FIXED_CLOCK": "2026-03-10T18:00:00+00:00",
        "CAREDESK_LOG_JSON": "false",
    }
    server = subprocess.Popen(
        [CAREDESK, "sip", "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    caller: subprocess.Popen[str] | None = None
    try:
        _wait_until_answering(port, server)
        sip = Sip(port, sipp, tmp_path)
        caller = subprocess.Popen(
            sip.command("ivr_hangs_up"),
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        _wait_for_queue(db)
    finally:
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=60)
        if caller is not None:
            caller.wait(timeout=60)
    assert server.returncode == 0, err
    assert caller is not None and caller.returncode == 0, sip.report(
        subprocess.CompletedProcess([], caller.returncode, "", "")
    )
    assert "answering SIP calls on 127.0.0.1" in out and "stopped on SIGTERM" in out
    assert "BYE sent (the server is stopping)" in err
    assert "ended: abandoned in billing" in err
    [call] = stored_calls(db)
    assert (call.queue, call.disposition) == ("billing", "abandoned")
