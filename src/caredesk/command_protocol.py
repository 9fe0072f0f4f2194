"""What the `caredesk` command and the command server say to each other over a Unix socket,
and where the socket is. Standard library only: the command loads this on every start.

The caller sends a 4-byte length with its three standard streams' file descriptors attached
(SCM_RIGHTS), then that many bytes of JSON: argv, environment, working directory, umask, the
streams' encodings and its __main__'s package. The server answers a 4-byte signed status: the
pid of the process running the command, or RUN_IT_YOURSELF. While the command runs, each byte
the caller sends is a signal number for it; at the end the server sends its exit status."""

from __future__ import annotations

import os
import socket
import struct
import sys

MODE_ENV = "CAREDESK_COMMAND_SERVER"
SOCKET_ENV = "CAREDESK_COMMAND_SOCKET"
MODES = ("auto", "off", "required")
# The server's first answer when the caller must run the command itself: its code changed since
# it started (and it is starting again), or the caller's interpreter is set up otherwise.
RUN_IT_YOURSELF = 0
HEADER = struct.Struct("!I")
STATUS = struct.Struct("!i")


def default_socket_path() -> str:
    """One socket per installation: two checkouts (two virtual environments, two versions of
    the code) never share a server."""
    import hashlib

    base = os.environ.get("XDG_RUNTIME_DIR") or "/tmp"
    tag = hashlib.sha256(os.path.realpath(sys.prefix).encode()).hexdigest()[:16]
    return os.path.join(base, f"caredesk-{os.getuid()}", f"commands-{tag}.sock")


def socket_path() -> str:
    return os.environ.get(SOCKET_ENV) or default_socket_path()


def receive(conn: socket.socket, size: int) -> bytes | None:
    """Exactly `size` bytes, or None when the other end closed first."""
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def peer_uid(conn: socket.socket) -> int:
    """The user id of the process at the other end of a Unix socket (SO_PEERCRED)."""
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return int(struct.unpack("3i", creds)[1])


def private(directory: str) -> bool:
    """Whether `directory` is the user's alone (theirs, mode 700 or narrower): anyone else who
    could put a socket there would be handed a command's terminal and environment (its secrets
    among them)."""
    try:
        status = os.stat(directory)
    except OSError:
        return False
    return status.st_uid == os.getuid() and not status.st_mode & 0o077


def this_command() -> list[str]:
    """How to run `caredesk` again: this interpreter and script (-P: the modules are caredesk's
    own, whatever directory the server starts from)."""
    return [sys.executable, "-P", os.path.abspath(sys.argv[0])]
