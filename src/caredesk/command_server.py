"""The command server: caredesk's modules loaded once, and a fork of this process for each
command, so that a command starts in a few hundredths of a second instead of the half second
or more its imports take (see `caredesk.cli_client`, its other end).

Each command runs in its own forked process with the caller's arguments, environment, working
directory, umask and standard streams (passed over the socket), in a session of its own (a
password prompt reads the caller's terminal, not the server's). Nothing of one command is left
for the next: the server itself never opens the database nor reads the settings. The socket is
the user's alone (a private directory, and the peer's uid is checked). When caredesk's code or
installed packages change, the server restarts itself, and the command that noticed runs in its
own process meanwhile.

    caredesk command-server                       # in the foreground (`make run` starts one)
    caredesk command-server --idle-minutes 30     # as a command starts one in the background
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import gc
import importlib
import io
import json
import os
import pkgutil
import signal
import socket
import sys
import threading
import time
import traceback
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from caredesk.command_protocol import (
    HEADER,
    RUN_IT_YOURSELF,
    STATUS,
    peer_uid,
    private,
    receive,
)

# Modules the server does not load ahead: these two are its own ends, the web app is served by
# `caredesk serve` (which never runs here), and the migrations are loaded by Alembic from files.
NOT_PRELOADED = ("caredesk.cli_client", "caredesk.command_server", "caredesk.web")


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class _Stop(Exception):
    """SIGTERM or SIGINT to the server."""


def serve(
    path: str,
    run: Callable[[], object],
    *,
    idle_seconds: float | None = None,
    say: Callable[[str], None] = print,
    watch: list[str] | None = None,
    restart: list[str] | None = None,
) -> int:
    """Serves commands on `path` until told to stop (or idle for `idle_seconds`): each runs
    `run()` (the command line, reading sys.argv) in a fork of this process. `restart` is the
    command line that starts this server again when its code changes (without, it stops).
    Gives the exit status: 0, also when another server holds the socket (nothing to do)."""
    path = os.path.abspath(path)
    directory = Path(path).parent
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    if not private(str(directory)):
        say(f"error: {directory} must belong to you alone (mode 700) to hold the command socket")
        return 2
    lock = open(f"{path}.lock", "a+b")  # noqa: SIM115 (held for the server's lifetime)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        say(f"a command server already runs at {path}")
        lock.close()
        return 0
    # Which process serves (for `kill`, or a look at it): the lock file says.
    lock.truncate(0)
    lock.write(f"{os.getpid()}\n".encode())
    lock.flush()
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    started = time.monotonic()
    loaded = preload()
    watched = [*caredesk_source(), *(os.path.abspath(extra) for extra in watch or [])]
    fingerprint = code_fingerprint(watched)
    # Holds no directory of the caller's (each command goes to its own).
    os.chdir("/")

    def stop(signum: int, frame: Any) -> None:
        raise _Stop

    previous = {sig: signal.signal(sig, stop) for sig in STOP_SIGNALS}
    # Each command's process is reaped by the system: the server never waits for one.
    previous[signal.SIGCHLD] = signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    changed = False
    try:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        listener.bind(path)
        os.chmod(path, 0o600)
        listener.listen(64)
        listener.settimeout(idle_seconds)
        took = time.monotonic() - started
        say(f"command server on {path}: {loaded} modules loaded in {took:.1f} s")
        # What was loaded stays as it is for the server's life: the collector need not walk it,
        # neither here nor in each command.
        gc.collect()
        gc.freeze()
        while True:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                say("command server: idle, stopping")
                break
            with conn:
                if peer_uid(conn) != os.getuid():
                    continue
                if code_fingerprint(watched) != fingerprint:
                    # Code or packages changed: this command runs in its caller's process, and
                    # the server starts again with the new code.
                    with contextlib.suppress(OSError):
                        conn.sendall(STATUS.pack(RUN_IT_YOURSELF))
                    changed = True
                    break
                # A stop signal waits until the fork is done: the command's process must never
                # take the server's (it would remove the server's socket on its way out).
                signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
                if os.fork() == 0:
                    listener.close()
                    lock.close()
                    _run_command(conn, run)  # never returns
                signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
    except _Stop:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        listener.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        lock.close()
    if changed:
        say(f"command server: caredesk changed, {'starting again' if restart else 'stopping'}")
        if restart:
            os.execv(restart[0], restart)
    return 0


def preload() -> int:
    """Imports every caredesk module a command may need (and so the libraries under them), and
    configures the mapped tables, the work each command would otherwise do first."""
    import caredesk

    count = 0
    for module in pkgutil.walk_packages(caredesk.__path__, "caredesk."):
        if module.name.startswith(NOT_PRELOADED) or module.name.endswith("__main__"):
            continue
        importlib.import_module(module.name)
        count += 1
    from sqlalchemy.orm import configure_mappers

    configure_mappers()
    return count


def caredesk_source() -> list[str]:
    import caredesk

    return list(caredesk.__path__)


def code_fingerprint(roots: list[str]) -> tuple[int, int]:
    """Changes when a Python source file under `roots` or the installed packages change: the
    newest source file's time and the site-packages directory's (an install or upgrade changes
    its entries)."""
    newest = 0
    stack = list(roots)
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name != "__pycache__":
                        stack.append(entry.path)
                elif entry.name.endswith(".py"):
                    newest = max(newest, entry.stat().st_mtime_ns)
    packages = Path(importlib.import_module("sqlalchemy").__file__ or "").parent.parent
    return newest, packages.stat().st_mtime_ns


def _run_command(conn: socket.socket, run: Callable[[], object]) -> None:
    """In the forked process: becomes the caller's command, runs it, sends its exit status."""
    status = 1
    finished = threading.Event()
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
            # Ends the command as the signal would, and the caller still hears the status (a
            # command with its own handler, the dispatcher's for SIGTERM, sets it over this).
            signal.signal(sig, _exit_on_signal)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        os.setsid()
        header, fds, _flags, _address = socket.recv_fds(conn, HEADER.size, 3)
        size = HEADER.unpack(header)[0] if len(header) == HEADER.size else 0
        body = receive(conn, size) if size and len(fds) == 3 else None
        if body is None:
            os._exit(1)
        request = json.loads(body)
        if _startup_settings(request["env"]) != _startup_settings(os.environ):
            # These shape a process when it starts, which the server did long ago: the caller's
            # own process runs the command.
            conn.sendall(STATUS.pack(RUN_IT_YOURSELF))
            os._exit(0)
        for target, fd in zip((0, 1, 2), fds, strict=True):
            os.dup2(fd, target)
            os.close(fd)
        _become_caller(request)
        conn.sendall(STATUS.pack(os.getpid()))
        threading.Thread(target=_follow_caller, args=(conn, finished), daemon=True).start()
        status = _run_cli(run)
    except BaseException:  # the caller must hear how it ended, whatever happened
        with contextlib.suppress(Exception):
            traceback.print_exc()
    finally:
        finished.set()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        with contextlib.suppress(OSError):
            conn.sendall(STATUS.pack(status))
        os._exit(status & 0xFF)


def _exit_on_signal(signum: int, frame: Any) -> None:
    sys.exit(128 + signum)


# PYTHONPATH and the like set up the interpreter; LD_PRELOAD (libfaketime's way of giving a
# process another date, among others) and the dynamic linker's other variables, and
# libfaketime's own, act when a program is loaded.
STARTUP_PREFIXES = ("PYTHON", "LD_", "FAKETIME", "DYLD_")


def _startup_settings(env: Any) -> dict[str, str]:
    return {key: value for key, value in env.items() if key.startswith(STARTUP_PREFIXES)}


def _become_caller(request: dict[str, Any]) -> None:
    os.chdir(request["cwd"])
    os.umask(request["umask"])
    os.environ.clear()
    os.environ.update(request["env"])
    time.tzset()
    (in_enc, in_err), (out_enc, out_err), (err_enc, err_err) = request["streams"]
    sys.stdin = _text(0, "rb", in_enc, in_err)
    sys.stdout = _text(1, "wb", out_enc, out_err, line=os.isatty(1))
    sys.stderr = _text(2, "wb", err_enc, err_err or "backslashreplace", line=True)
    sys.argv = list(request["argv"])
    # The program's name in usage lines is read from __main__, as the caller's own would be.
    main_module = types.ModuleType("__main__")
    main_module.__package__ = request["main_package"]
    sys.modules["__main__"] = main_module


def _text(
    fd: int, mode: str, encoding: str | None, errors: str | None, *, line: bool = False
) -> TextIO:
    # A buffer over the file descriptor, as Python's own standard streams have.
    raw = io.FileIO(fd, mode.replace("b", ""), closefd=False)
    buffered = io.BufferedReader(raw) if "r" in mode else io.BufferedWriter(raw)
    return io.TextIOWrapper(
        buffered,
        encoding=encoding or "utf-8",
        errors=errors or "strict",
        line_buffering=line,
    )


def _follow_caller(conn: socket.socket, finished: threading.Event) -> None:
    """Signals the caller forwards are raised here; a caller gone (killed, its terminal closed)
    ends the command as a closed terminal would."""
    while True:
        try:
            data = conn.recv(16)
        except OSError:
            data = b""
        if finished.is_set():
            return
        if not data:
            os.kill(os.getpid(), signal.SIGHUP)
            return
        for signum in data:
            os.kill(os.getpid(), signum)


def _run_cli(run: Callable[[], object]) -> int:
    try:
        run()
    except SystemExit as exit_:
        code = exit_.code
        if code is None:
            status = 0
        elif isinstance(code, int):
            status = code
        else:
            sys.stderr.write(f"{code}\n")
            status = 1
    except KeyboardInterrupt:
        status = 130
    else:
        status = 0
    atexit._run_exitfuncs()
    return status
