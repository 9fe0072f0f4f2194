"""Start-up time of the command line: `caredesk --help`, every group's `--help`, the commands
that read the database and those a support team writes with (against a fresh SQLite file with a
small demo load, on a fixed afternoon inside the calling hours, so that calls may be dialled).

    .venv/bin/python benchmarks/cli_start_bench.py            # 5 runs each
    .venv/bin/python benchmarks/cli_start_bench.py --runs 10

Each command runs in a new process, as a user would run it, twice over: alone (the process
loads caredesk itself) and handed to a command server (`caredesk command-server`, which `make
run` starts and a command starts in the background when none runs). The best and the median
wall time of each are printed, and the best CPU time (user + system) of a command alone, which
a busy machine disturbs less. The import profile of one command:
`CAREDESK_COMMAND_SERVER=off python -X importtime -m caredesk.cli_client --help`.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from caredesk.cli import SUBCOMMANDS

CAREDESK = str(Path(sys.executable).with_name("caredesk"))
# 14:30 in Indianapolis, where the holder of ACC-0000003 lives: inside the calling hours.
AFTERNOON = "2026-03-10T18:30:00+00:00"
DATABASE_COMMANDS = (
    ("ticket", "list", "--limit", "5"),
    ("outbox", "list", "--limit", "5"),
    ("audit", "list", "--limit", "5"),
    ("account", "list", "--limit", "5"),
    ("agent", "list"),
    ("ticket", "show", "1"),
    ("memo", "list", "1", "--limit", "5"),
    ("callback", "due"),
    ("callback", "attention"),
    ("user", "list"),
    ("outbox", "show", "1"),
    ("callback", "show", "1"),
)
REQUEST = ("callback", "request", "--account-id", "3", "--reason", "dropped_call")
DISPATCH = ("dispatcher", "run", "--until-idle")
WRAP_UP = (
    ("call", "hangup", "{callback}", "--agent", "care1"),
    ("call", "wrap-up", "{callback}", "--agent", "care1", "--outcome", "resolved",
     "--reason", "Dropped call follow-up", "--summary", "Called back; data works again.",
     "--response", "Customer confirmed."),
)  # fmt: skip


@dataclass(frozen=True)
class Write:
    """A command that writes, timed on each run; ``before`` and ``after`` run untimed around it
    so that every run finds the records as the first did. ``{callback}`` is the callback the
    last request made."""

    args: tuple[str, ...]
    before: tuple[tuple[str, ...], ...] = ()
    after: tuple[tuple[str, ...], ...] = ()


WRITE_COMMANDS = (
    Write(("ticket", "create", "--account", "ACC-0000003", "--subject", "Bench case",
           "--description", "Opened by the start-up benchmark.")),
    Write(("ticket", "escalate", "CS-000001", "--reason", "Needs a specialist to look at it.",
           "--department", "tech")),
    Write(("ticket", "resolve", "CS-000001", "--summary", "Reset the network settings."),
          after=(("ticket", "reopen", "CS-000001", "--reason", "The customer says it is back."),)),
    Write(("memo", "add", "--account", "ACC-0000003", "--agent", "care1", "--reason",
           "Asked about the bill", "--summary", "Explained the charges on the last bill.")),
    Write((*REQUEST, "--origin", "dropped_call")),
    Write(("call", "start", "{callback}", "--agent", "care1"),
          before=((*REQUEST, "--origin", "dropped_call"), DISPATCH),
          after=(("call", "result", "{callback}", "contact", "--agent", "care1"), *WRAP_UP)),
    Write(("call", "result", "{callback}", "contact", "--agent", "care1"),
          before=((*REQUEST, "--origin", "dropped_call"), DISPATCH,
                  ("call", "start", "{callback}", "--agent", "care1")),
          after=WRAP_UP),
)  # fmt: skip


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(args: tuple[str, ...], env: dict[str, str], callback: list[str]) -> str:
    done = subprocess.run(
        [CAREDESK, *(arg.format(callback=callback[-1]) for arg in args)],
        env=env,
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {done.stderr.decode()[:300]}")
    made = re.search(r"^\s*callback\s+(\d+)\s*$", done.stdout.decode(), re.M)
    if args[:2] == ("callback", "request") and made:
        callback.append(made.group(1))
    return done.stdout.decode()


def _time(
    write: Write, env: dict[str, str], runs: int, callback: list[str], timed_env: dict[str, str]
) -> tuple[list[float], list[float]]:
    """Wall times and CPU times (user + system) of each run, the timed command run with
    `timed_env`. On a busy machine the CPU time is the steadier figure: it leaves out the time
    spent waiting for a core."""
    walls, cpus = [], []
    for _ in range(runs):
        for args in write.before:
            _run(args, env, callback)
        started, cpu = time.perf_counter(), _cpu()
        _run(write.args, timed_env, callback)
        walls.append(time.perf_counter() - started)
        cpus.append(_cpu() - cpu)
        for args in write.after:
            _run(args, env, callback)
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        env = {
            **os.environ,
            "CAREDESK_DATABASE_URL": f"sqlite:///{scratch}/bench.db",
            "CAREDESK_SECRET_PEPPER_FILE": f"{scratch}/pepper",
            "CAREDESK_FIXED_CLOCK": AFTERNOON,
            "CAREDESK_COMMAND_SERVER": "off",
        }
        env.pop("CAREDESK_SMTP_HOST", None)
        callback = ["0"]
        _run(("db", "upgrade"), env, callback)
        _run(
            ("demo", "load", "--accounts", "20", "--quiet", "--as-of", AFTERNOON[:10]),
            env,
            callback,
        )
        # A callback requested and its notice sent: what `callback show 1` and `outbox show 1` read.
        _run((*REQUEST, "--origin", "dropped_call"), env, callback)
        _run(DISPATCH, env, callback)
        # The agent who takes the calls, on follow-up work (where a wrap-up leaves them again).
        _run(("agent", "state", "care1", "ready"), env, callback)
        _run(("agent", "state", "care1", "not_ready_follow_up"), env, callback)
        reads: list[tuple[str, ...]] = [("--help",)]
        reads += [(name, "--help") for name, *_ in SUBCOMMANDS]
        reads += [args for args in DATABASE_COMMANDS if any(args[0] == s[0] for s in SUBCOMMANDS)]
        served = {
            **env,
            "CAREDESK_COMMAND_SERVER": "required",
            "CAREDESK_COMMAND_SOCKET": f"{scratch}/run/commands.sock",
        }
        server = _start_server(served)
        print(
            f"{'':<40} {'alone':^28}   {'command server':^17}\n"
            f"{'command':<40} {'best':>8} {'median':>8} {'cpu best':>9}   {'best':>8} "
            f"{'median':>8}   ({options.runs} runs, {os.cpu_count()} cores, "
            f"load {os.getloadavg()[0]:.1f})"
        )
        try:
            for write in [Write(args) for args in reads] + list(WRITE_COMMANDS):
                walls, cpus = _time(write, env, options.runs, callback, env)
                through, _ = _time(write, env, options.runs, callback, served)
                words = " ".join(write.args)
                label = "caredesk " + (words if len(words) <= 31 else " ".join(write.args[:2]))
                print(
                    f"{label:<40} {min(walls):>7.3f}s {statistics.median(walls):>7.3f}s "
                    f"{min(cpus):>8.3f}s   {min(through):>7.3f}s "
                    f"{statistics.median(through):>7.3f}s"
                )
        finally:
            server.terminate()
            server.wait(timeout=60)


def _start_server(env: dict[str, str]) -> subprocess.Popen[bytes]:
    path = env["CAREDESK_COMMAND_SOCKET"]
    server = subprocess.Popen(
        [CAREDESK, "command-server", "--socket", path], env=env, stdout=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and server.poll() is None:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(path)
            except OSError:
                time.sleep(0.05)
                continue
        return server
    server.kill()
    raise SystemExit(f"the command server did not start on {path}")


if __name__ == "__main__":
    main()
