"""The `caredesk` command's entry point: hands the command to a running command server when
there is one, and runs it in this process otherwise.

A command spends most of its start loading Python modules (SQLAlchemy, the mapped tables,
Pydantic, Typer): half a second or more on a slow machine, for a command that then does a few
milliseconds of work. The command server (`caredesk.command_server`) has loaded them once and
forks a copy of itself for each command, which runs with this process's arguments, environment,
working directory and terminal (its standard streams are passed over the socket), so a command
behaves as it would here. This module loads only the standard library it needs.

CAREDESK_COMMAND_SERVER: ``auto`` (the default) uses a running server and starts one in the
background when there is none (it stops after an idle while); ``off`` never uses one;
``required`` fails when none answers (for checking that one does). CAREDESK_COMMAND_SOCKET
names the server's socket; by default each installation (each virtual environment) has its own.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sys
from types import FrameType

from caredesk.command_protocol import (
    HEADER,
    MODE_ENV,
    MODES,
    RUN_IT_YOURSELF,
    STATUS,
    peer_uid,
    private,
    receive,
    socket_path,
    this_command,
)

# Commands that are servers themselves or that stay attached to this process's own resources
# run here, never in the command server.
IN_PROCESS = frozenset({"serve", "command-server"})
# What `_through_server` gives when the command did not run there (exit statuses are 0-255).
NO_SERVER = -1
DECLINED = -2
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
# A server a command starts stops after this long without a command; the next starts another.
IDLE_MINUTES = 30


def main() -> None:
    mode = os.environ.get(MODE_ENV, "auto").strip().lower() or "auto"
    if mode not in MODES:
        sys.stderr.write(f"error: {MODE_ENV} must be one of {', '.join(MODES)}, not {mode!r}\n")
        sys.exit(2)
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode != "off" and command not in IN_PROCESS:
        path = socket_path()
        status = _through_server(path)
        if status not in (NO_SERVER, DECLINED):
            sys.exit(status)
        if mode == "required":
            sys.stderr.write(
                f"error: no command server ran the command: none answers at {path}, or it is "
                f"restarting, or it runs with other PYTHON*, LD_* or FAKETIME* variables "
                f"(start one with `caredesk command-server`, or set {MODE_ENV}=auto)\n"
            )
            sys.exit(2)
        if mode == "auto" and status == NO_SERVER:
            _start_server_in_background(path)
    from caredesk.cli import main as run_here

    run_here()


def _through_server(path: str) -> int:
    """The command's exit status, run by the server at `path`; NO_SERVER when none answers,
    DECLINED when it answers "run it yourself"."""
    if not private(os.path.dirname(path)):
        return NO_SERVER
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
    except OSError:
        conn.close()
        return NO_SERVER
    if peer_uid(conn) != os.getuid():
        conn.close()
        return NO_SERVER
    with conn:
        request = json.dumps(
            {
                "argv": sys.argv,
                "env": dict(os.environ),
                "cwd": os.getcwd(),
                "umask": _umask(),
                "main_package": getattr(sys.modules["__main__"], "__package__", None),
                "streams": [
                    [getattr(stream, "encoding", None), getattr(stream, "errors", None)]
                    for stream in (sys.stdin, sys.stdout, sys.stderr)
                ],
            }
        ).encode()
        try:
            socket.send_fds(conn, [HEADER.pack(len(request))], [0, 1, 2])
            conn.sendall(request)
            first = receive(conn, STATUS.size)
        except OSError:
            return DECLINED
        if first is None or STATUS.unpack(first)[0] == RUN_IT_YOURSELF:
            return DECLINED

        def forward(signum: int, frame: FrameType | None) -> None:
            # The command's process gets the signal as it would have here (Ctrl-C, a kill).
            with contextlib.suppress(OSError):
                conn.sendall(bytes([signum]))

        for signum in FORWARDED_SIGNALS:
            signal.signal(signum, forward)
        ended = receive(conn, STATUS.size)
        if ended is None:
            sys.stderr.write("error: the command ended without an exit status\n")
            return 1
        return int(STATUS.unpack(ended)[0])


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _start_server_in_background(path: str) -> None:
    """Starts a command server for the next commands; this one runs here meanwhile. Two that
    start at once settle it between them (the server holds a lock for its lifetime)."""
    import subprocess

    directory = os.path.dirname(path)
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        log = open(os.path.join(directory, os.path.basename(path) + ".log"), "ab")  # noqa: SIM115
    except OSError:
        return
    with log:
        try:
            subprocess.Popen(
                [
                    *this_command(),
                    "command-server",
                    "--socket",
                    path,
                    "--idle-minutes",
                    str(IDLE_MINUTES),
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                start_new_session=True,
                close_fds=True,
                env={**os.environ, MODE_ENV: "off"},
            )
        except OSError:
            return


if __name__ == "__main__":
    main()
