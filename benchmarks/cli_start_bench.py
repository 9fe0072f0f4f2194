"""Start-up time of the command line: `caredesk --help`, every group's `--help`, and a few
commands that read the database (against a fresh SQLite file with a small demo load).

    .venv/bin/python benchmarks/cli_start_bench.py            # 5 runs each
    .venv/bin/python benchmarks/cli_start_bench.py --runs 10

Each command runs in a new process, as a user would run it; the best and the median wall time
are printed, and the best CPU time (user + system), which a busy machine disturbs less. The
import profile of one command: `python -X importtime -m caredesk.cli --help`.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from caredesk.cli import SUBCOMMANDS

CAREDESK = str(Path(sys.executable).with_name("caredesk"))
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
)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _time(args: tuple[str, ...], env: dict[str, str], runs: int) -> tuple[list[float], list[float]]:
    """Wall times and CPU times (user + system) of each run. On a busy machine the CPU time is
    the steadier figure: it leaves out the time spent waiting for a core."""
    walls, cpus = [], []
    for _ in range(runs):
        started, cpu = time.perf_counter(), _cpu()
        done = subprocess.run([CAREDESK, *args], env=env, capture_output=True, check=False)
        walls.append(time.perf_counter() - started)
        cpus.append(_cpu() - cpu)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed: {done.stderr.decode()[:300]}")
    return walls, cpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, "CAREDESK_DATABASE_URL": f"sqlite:///{scratch}/bench.db"}
        subprocess.run([CAREDESK, "db", "upgrade"], env=env, capture_output=True, check=True)
        subprocess.run(
            [CAREDESK, "demo", "load", "--accounts", "20", "--quiet"],
            env=env,
            capture_output=True,
            check=True,
        )
        commands: list[tuple[str, ...]] = [("--help",)]
        commands += [(name, "--help") for name, *_ in SUBCOMMANDS]
        commands += [
            args for args in DATABASE_COMMANDS if any(args[0] == s[0] for s in SUBCOMMANDS)
        ]
        print(
            f"{'command':<40} {'best':>8} {'median':>8} {'cpu best':>9}   "
            f"({options.runs} runs, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})"
        )
        for args in commands:
            walls, cpus = _time(args, env, options.runs)
            label = "caredesk " + " ".join(args)
            print(
                f"{label:<40} {min(walls):>7.3f}s {statistics.median(walls):>7.3f}s "
                f"{min(cpus):>8.3f}s"
            )


if __name__ == "__main__":
    main()
