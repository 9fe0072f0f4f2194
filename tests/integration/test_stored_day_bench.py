"""The stored-path day of `benchmarks/stored_day_bench.py` still runs as the inbound code changes:
a short day on SQLite where every caller who reached a queue was either answered or gave up, and
every answered call was wrapped up and its agent made Ready again."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_short_stored_day_accounts_for_every_caller() -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "stored_day_bench.py"),
            "--engine",
            "sqlite",
            "--agents",
            "3",
            "--hours",
            "0.1",
            "--rho",
            "1.2",
            "--patience",
            "60",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    counts = re.search(r"([\d,]+) contacts: ([\d,]+) answered, ([\d,]+) abandoned", done.stdout)
    assert counts is not None, done.stdout
    contacts, answered, abandoned = (int(value.replace(",", "")) for value in counts.groups())
    assert contacts > 0 and answered > 0 and abandoned > 0, done.stdout
    assert answered + abandoned == contacts
    line = done.stdout.split("steps: ")[1].splitlines()[0]
    steps = {
        kind: int(count.replace(",", ""))
        for kind, count in (item.split(" ") for item in line.split(", "))
    }
    assert steps["accept"] == steps["wrap_up"] == steps["ready"] == answered
    assert steps["hang_up"] == abandoned
