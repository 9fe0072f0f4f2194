"""The SIP server on loopback, walking the stored IVR (`inbound.phone_line`) on the test's
database, and `sipp` (Debian's sip-tester) as the caller, playing the scenarios in
`scenarios/`. sipp's exit status 0 means its scenario passed."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from caredesk.bootstrap import build_callback_runtime, load_routing_config
from caredesk.channels.voice.sip.server import SipServer
from caredesk.config import Settings
from caredesk.db.session import Database
from caredesk.inbound.phone_line import StoredPhoneMenu
from caredesk.routing.config import RoutingConfig

SCENARIOS = Path(__file__).parent / "scenarios"
CALLER = "+14155550123"


@pytest.fixture(scope="session")
def sipp() -> str:
    found = shutil.which("sipp")
    if found is None:
        pytest.fail("sipp is missing: apt-get install sip-tester (the SIP tests call it)")
    return found


class ServerThread:
    """The server on its own event loop in a thread, as `caredesk sip serve` runs it."""

    def __init__(self, server: SipServer) -> None:
        self.server = server
        self.port = 0
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), daemon=True)
        self._error: BaseException | None = None

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            self.port = await self.server.start()
        except BaseException as error:  # pragma: no cover - reported by start()
            self._error = error
            self._ready.set()
            raise
        self._ready.set()
        await self._stop.wait()
        await self.server.stop()

    def start(self) -> None:
        self._thread.start()
        assert self._ready.wait(10), "the SIP server did not start"
        if self._error is not None:
            raise self._error

    def settle(self) -> None:
        """Waits until the server has worked through every event it has taken."""
        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(self.server.walker.settled(), self._loop).result(30)

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)
        assert not self._thread.is_alive(), "the SIP server did not stop"


@dataclass
class Sip:
    port: int
    sipp: str
    workdir: Path
    thread: ServerThread | None = None

    def command(self, scenario: str) -> list[str]:
        return [
            self.sipp,
            f"127.0.0.1:{self.port}",
            "-sf",
            str(SCENARIOS / f"{scenario}.xml"),
            "-m",
            "1",
            "-i",
            "127.0.0.1",
            "-mi",
            "127.0.0.1",
            "-mp",
            str(free_udp_port()),
            "-timeout",
            "40s",
            "-timeout_error",
            "-recv_timeout",
            "15000",
            "-p",
            str(free_udp_port()),
            "-nostdin",
            "-trace_err",
            "-trace_screen",
        ]

    def run(self, scenario: str) -> subprocess.CompletedProcess[str]:
        """Plays `scenarios/<scenario>.xml` once against the server; sipp's own timeout ends a
        scenario that stalls."""
        command = self.command(scenario)
        done = subprocess.run(
            command, cwd=self.workdir, capture_output=True, text=True, timeout=90, check=False
        )
        if self.thread is not None:
            self.thread.settle()
        return done

    def report(self, run: subprocess.CompletedProcess[str]) -> str:
        """sipp's screens and errors, for a failed assertion and for the record."""
        logs = sorted(self.workdir.glob("*_screen.log")) + sorted(self.workdir.glob("*_errors.log"))
        text = "\n".join(path.read_text(errors="replace")[-4000:] for path in logs[-2:])
        return f"exit {run.returncode}\n{text}\n{run.stderr[-2000:]}"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def passed(run: subprocess.CompletedProcess[str]) -> bool:
    return run.returncode == 0


Serve = Callable[..., Sip]


@pytest.fixture
def serve(db: Database, settings: Settings, sipp: str, tmp_path: Path) -> Iterator[Serve]:
    """`serve(ring_seconds=..., no_input_seconds=...)` starts a server for the test."""
    running: list[ServerThread] = []

    def _start(*, ring_seconds: float = 0.0, no_input_seconds: float | None = None) -> Sip:
        routing: RoutingConfig = load_routing_config()
        if no_input_seconds is not None:
            routing = replace(routing, ivr=replace(routing.ivr, no_input_seconds=no_input_seconds))
        runtime = build_callback_runtime(settings, db.clock, routing=routing)
        menu = StoredPhoneMenu(db, routing, runtime)
        thread = ServerThread(SipServer(menu, host="127.0.0.1", port=0, ring_seconds=ring_seconds))
        thread.start()
        running.append(thread)
        return Sip(thread.port, sipp, tmp_path, thread)

    yield _start
    for thread in running:
        thread.stop()
