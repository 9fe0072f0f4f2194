"""The command server: a command it runs answers exactly as the same command run in its own
process (output, errors, exit status, the caller's environment and working directory), signals
reach it, a caller gone ends it, and a server whose code changed hands the command back and
starts again. Each test starts a real server process on a socket of its own."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import caredesk
from caredesk.command_server import caredesk_source, code_fingerprint, serve
from caredesk.db.session import Database

CAREDESK = str(Path(sys.executable).with_name("caredesk"))


def _answers(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
    return True


def _wait_for(condition: object, what: str, seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail(f"waited {seconds} s for {what}")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A command server on its own socket, for the module's tests; its path."""
    yield from _server(tmp_path_factory.mktemp("server"))


@pytest.fixture
def watching_server(tmp_path: Path) -> Iterator[Path]:
    """A command server for one test alone, watching the test's "code" directory too."""
    (tmp_path / "code").mkdir()
    yield from _server(tmp_path, "--watch", str(tmp_path / "code"))


def _server(directory: Path, *options: str) -> Iterator[Path]:
    path = directory / "run" / "commands.sock"
    process = subprocess.Popen(
        [CAREDESK, "command-server", "--socket", str(path), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        _wait_for(lambda: _answers(path) or process.poll() is not None, "the command server")
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        yield path
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=60)
        assert process.returncode == 0, output
        assert not path.exists()  # the server removes its socket when it stops


def _caredesk(
    *args: str,
    socket_path: Path | None = None,
    mode: str = "required",
    cwd: Path | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """`caredesk ARGS` through the server at `socket_path` (required: failing if it did not run
    there), or in its own process (mode off)."""
    extra = {"CAREDESK_COMMAND_SERVER": mode}
    if socket_path is not None:
        extra["CAREDESK_COMMAND_SOCKET"] = str(socket_path)
    return subprocess.run(
        [CAREDESK, *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, **extra, **(env or {})},
    )


def _new_account(number: str) -> tuple[str, ...]:
    holder = ("--holder-first", "Ada", "--holder-last", "Okafor")
    where = ("--phone", "(317) 555-0142", "--zone", "America/Indiana/Indianapolis")
    return ("account", "create", "--number", number, *holder, *where)


COMMANDS = (
    ("account", "list"),
    ("account", "search", "317 555 0142"),
    ("ticket", "list"),
    ("ticket", "show", "CS-999999"),  # not found: one line, exit 2
    ("ticket", "create", "--subject", "missing its account"),  # usage error: exit 2
    ("callback", "due"),
    ("ticket", "--help"),
)
TICKET = ("ticket", "create", "--account", "ACC-0000001", "--subject", "[URGENT] no data",
          "--description", "Since this morning.")  # fmt: skip


@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: " ".join(args[:2]))
def test_a_command_run_by_the_server_answers_as_one_run_alone(
    server: Path, db: Database, database_url: str, args: tuple[str, ...]
) -> None:
    env = {"CAREDESK_DATABASE_URL": database_url, "COLUMNS": "150"}
    # Records written by the server, read by it and alone.
    for written in (_new_account("ACC-0000001"), TICKET):
        made = _caredesk(*written, socket_path=server, env=env)
        assert made.returncode == 0, made.stderr
    through = _caredesk(*args, socket_path=server, env=env)
    alone = _caredesk(*args, mode="off", env=env)
    assert (through.returncode, through.stdout, through.stderr) == (
        alone.returncode,
        alone.stdout,
        alone.stderr,
    )
    if args[:2] == ("ticket", "list"):
        assert "[URGENT] no data" in through.stdout
    if args[:2] == ("account", "search"):
        assert "ACC-0000001" in through.stdout
    if args[:2] in {("ticket", "show"), ("ticket", "create")}:
        assert through.returncode == 2 and through.stderr.startswith("error: ")


def test_a_write_by_the_server_answers_as_one_alone(
    server: Path, db: Database, database_url: str
) -> None:
    env = {"CAREDESK_DATABASE_URL": database_url, "COLUMNS": "150"}
    through = _caredesk(*_new_account("ACC-0000002"), socket_path=server, env=env)
    alone = _caredesk(*_new_account("ACC-0000003"), mode="off", env=env)
    assert (through.returncode, alone.returncode) == (0, 0), through.stderr + alone.stderr
    assert "ACC-0000002" in through.stdout
    assert through.stdout.splitlines() == ["created account ACC-0000002 (id 1)"]
    assert alone.stdout.splitlines() == ["created account ACC-0000003 (id 2)"]
    # The same number again: refused alike, nothing stored twice.
    again = _caredesk(*_new_account("ACC-0000002"), socket_path=server, env=env)
    again_alone = _caredesk(*_new_account("ACC-0000002"), mode="off", env=env)
    assert (again.returncode, again.stderr) == (again_alone.returncode, again_alone.stderr)
    assert again.returncode == 2
    listed = _caredesk("account", "search", "ACC-0000002", socket_path=server, env=env)
    assert listed.stdout.count("ACC-0000002") == 1


def test_a_command_reads_its_callers_environment_and_directory(
    server: Path, tmp_path: Path
) -> None:
    """One server, two callers in two directories with a relative database path each: each
    command opens its own caller's file."""
    places = [tmp_path / "east", tmp_path / "west"]
    for number, place in enumerate(places):
        place.mkdir()
        env = {"CAREDESK_DATABASE_URL": "sqlite:///./desk.db"}
        assert _caredesk("db", "upgrade", socket_path=server, cwd=place, env=env).returncode == 0
        for count in range(number + 1):
            made = _caredesk(
                *_new_account(f"ACC-000000{count + 1}"), socket_path=server, cwd=place, env=env
            )
            assert made.returncode == 0, made.stderr
    for number, place in enumerate(places):
        assert (place / "desk.db").exists()
        listed = _caredesk(
            "account", "list", socket_path=server, cwd=place,
            env={"CAREDESK_DATABASE_URL": "sqlite:///./desk.db", "COLUMNS": "150"},
        )  # fmt: skip
        assert listed.stdout.count("Ada Okafor") == number + 1, listed.stdout


def _start_dispatcher(server: Path, database_url: str) -> tuple[subprocess.Popen[str], int]:
    """`caredesk dispatcher run` through the server; the process and the pid it logs (the
    server's fork that runs it, not the caller)."""
    process = subprocess.Popen(
        [CAREDESK, "dispatcher", "run"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **os.environ,
            "CAREDESK_COMMAND_SERVER": "required",
            "CAREDESK_COMMAND_SOCKET": str(server),
            "CAREDESK_DATABASE_URL": database_url,
            "CAREDESK_DISPATCHER_POLL_SECONDS": "0.2",
        },
    )
    assert process.stderr is not None
    started = json.loads(process.stderr.readline())
    assert started["msg"] == "dispatcher started", started
    assert started["pid"] != process.pid
    return process, int(started["pid"])


@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_to_the_caller_reaches_the_command(
    server: Path, db: Database, database_url: str, sent: signal.Signals
) -> None:
    process, _ = _start_dispatcher(server, database_url)
    process.send_signal(sent)
    _, errors = process.communicate(timeout=60)
    stopped = json.loads(errors.strip().splitlines()[-1])
    assert (stopped["msg"], stopped["signal"]) == ("dispatcher stopped", sent.name)
    assert process.returncode == 0


def test_a_caller_gone_ends_its_command(server: Path, db: Database, database_url: str) -> None:
    process, command_pid = _start_dispatcher(server, database_url)
    process.kill()
    process.wait(timeout=60)

    def ended() -> bool:
        try:
            os.kill(command_pid, 0)
        except ProcessLookupError:
            return True
        return False

    _wait_for(ended, "the dispatcher to end once its caller was killed")


def test_changed_code_runs_in_the_callers_process_and_the_server_starts_again(
    watching_server: Path, db: Database, database_url: str
) -> None:
    server = watching_server
    env = {"CAREDESK_DATABASE_URL": database_url}
    pid_before = (server.parent / f"{server.name}.lock").read_text().strip()
    # A source file written (caredesk's own are watched alike; the test leaves them alone).
    (server.parent.parent / "code" / "edited.py").write_text("EDITED = True\n")
    handed_back = _caredesk("callback", "due", socket_path=server, env=env)
    assert handed_back.returncode == 2 and "no command server ran the command" in (
        handed_back.stderr
    )
    _wait_for(lambda: _answers(server), "the server to start again")
    assert _caredesk("callback", "due", socket_path=server, env=env).returncode == 0
    # The same process (the server's own pid, which the lock file names), with the new code.
    assert (server.parent / f"{server.name}.lock").read_text().strip() == pid_before


@pytest.mark.parametrize(
    "setting",
    [
        {"PYTHONHASHSEED": "7"},
        # libfaketime's date for a process, given when it is loaded (with LD_PRELOAD).
        {"FAKETIME": "@2027-01-30 12:00:00"},
        {"LD_PRELOAD": ""},
    ],
    ids=lambda setting: next(iter(setting)),
)
def test_settings_read_when_a_process_starts_run_in_the_callers_process(
    server: Path, setting: dict[str, str]
) -> None:
    declined = _caredesk("--help", socket_path=server, env=setting)
    assert declined.returncode == 2
    assert "other PYTHON*, LD_* or FAKETIME* variables" in declined.stderr
    alone = _caredesk("--help", socket_path=server, env=setting, mode="auto")
    assert alone.returncode == 0 and "Usage: caredesk" in alone.stdout


def test_with_no_server_a_command_runs_alone_and_starts_one(tmp_path: Path) -> None:
    path = tmp_path / "run" / "commands.sock"
    first = _caredesk("--help", socket_path=path, mode="auto")
    assert first.returncode == 0 and "Usage: caredesk" in first.stdout
    _wait_for(lambda: _answers(path), "the server the first command started")
    lock = path.parent / f"{path.name}.lock"
    server_pid = int(lock.read_text())
    try:
        second = _caredesk("--help", socket_path=path)
        assert (second.returncode, second.stdout) == (0, first.stdout)
    finally:
        os.kill(server_pid, signal.SIGTERM)
    _wait_for(lambda: not path.exists(), "the server to stop")
    log = (path.parent / f"{path.name}.log").read_text()
    assert "command server on" in log


def test_off_never_uses_a_server_and_a_bad_mode_is_one_line(server: Path) -> None:
    # With the server up, `off` still answers (in its own process) and `required` too.
    assert _caredesk("--help", socket_path=server, mode="off").returncode == 0
    wrong = _caredesk("--help", socket_path=server, mode="sometimes")
    assert wrong.returncode == 2
    assert wrong.stderr.strip().splitlines() == [
        "error: CAREDESK_COMMAND_SERVER must be one of auto, off, required, not 'sometimes'"
    ]


def test_the_server_listens_where_the_commands_look(tmp_path: Path) -> None:
    """CAREDESK_COMMAND_SOCKET names the socket of `caredesk command-server` as of each command."""
    path = tmp_path / "run" / "commands.sock"
    env = {**os.environ, "CAREDESK_COMMAND_SOCKET": str(path)}
    process = subprocess.Popen(
        [CAREDESK, "command-server"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        _wait_for(lambda: _answers(path) or process.poll() is not None, "the command server")
        assert process.poll() is None
        assert _caredesk("--help", socket_path=path).returncode == 0
    finally:
        process.terminate()
        process.communicate(timeout=60)
    assert process.returncode == 0


def test_a_second_server_on_the_same_socket_leaves_it_to_the_first(server: Path) -> None:
    lines: list[str] = []
    assert serve(str(server), _never_run, say=lines.append) == 0
    assert lines == [f"a command server already runs at {server}"]
    assert _answers(server)


def test_a_socket_directory_others_can_enter_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    lines: list[str] = []
    assert serve(str(shared / "commands.sock"), _never_run, say=lines.append) == 2
    assert lines == [
        f"error: {shared} must belong to you alone (mode 700) to hold the command socket"
    ]
    assert not (shared / "commands.sock").exists()


def test_the_fingerprint_follows_source_files(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    (package / "inner").mkdir(parents=True)
    (package / "inner" / "a.py").write_text("A = 1\n")
    (package / "notes.txt").write_text("not code\n")
    assert str(Path(caredesk_source()[0])) == str(Path(caredesk.__file__).parent)
    before = code_fingerprint([str(package)])
    os.utime(package / "notes.txt", ns=(before[0] + 10**9, before[0] + 10**9))
    assert code_fingerprint([str(package)]) == before
    os.utime(package / "inner" / "a.py", ns=(before[0] + 10**9, before[0] + 10**9))
    assert code_fingerprint([str(package)]) != before


def _never_run() -> None:
    raise AssertionError("no command runs in a server that did not start")


PRELOADED = """
import json, sys, threading
from caredesk.command_server import preload
loaded = preload()
filled = [
    f"{name}.{attribute}"
    for name, module in list(sys.modules.items()) if name.startswith("caredesk")
    for attribute, value in vars(module).items()
    if callable(getattr(value, "cache_info", None)) and getattr(value, "__module__", "") == name
    and value.cache_info().currsize
]
print(json.dumps({"loaded": loaded, "filled": filled, "threads": threading.active_count()}))
"""


def test_loading_every_module_reads_no_setting_and_starts_no_thread() -> None:
    """What the server loads ahead must not depend on its own environment: every command brings
    its own. A cache filled at import (the settings, a config file read) would be the server's
    for every command after, and a thread would not survive the fork."""
    done = subprocess.run(
        [sys.executable, "-c", PRELOADED], capture_output=True, text=True, timeout=300, check=True
    )
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    assert answer["loaded"] > 250
    assert answer["filled"] == []
    assert answer["threads"] == 1
