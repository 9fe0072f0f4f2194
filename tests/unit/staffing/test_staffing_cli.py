"""`caredesk staffing plan` and `caredesk staffing interval`: the issue's figures, the sample
day in every format, and one line on stderr with exit status 2 (and nothing on stdout) for every
input they refuse."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from caredesk.cli import app
from caredesk.staffing.output import CSV_COLUMNS

runner = CliRunner()
SAMPLE = Path(__file__).parents[3] / "config" / "examples" / "staffing-forecast.csv"


def _ok(*args: str) -> str:
    result = runner.invoke(app, ["staffing", *args])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    return result.stdout


def _json(*args: str) -> dict[str, Any]:
    answer: dict[str, Any] = json.loads(_ok(*args, "--format", "json"))
    return answer


def _refused(*args: str) -> str:
    result = runner.invoke(app, ["staffing", *args])
    assert result.exit_code == 2, result.output
    assert result.stdout == "", "nothing is printed before the error"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_one_interval_of_100_calls_needs_14_agents() -> None:
    args = ("interval", "--calls", "100", "--interval", "30m", "--aht", "180")
    table = _ok(*args, "--answer-within", "20", "--target", "0.8")
    for words in ("agents needed", "14", "17.41%", "88.84%", "7.84 s", "71.43%"):
        assert words in table, table
    (row,) = _json(*args, "--answer-within", "20", "--target", "0.8")["intervals"]
    assert (row["agents"], round(row["p_wait"], 4), round(row["service_level"], 4)) == (
        14,
        0.1741,
        0.8884,
    )
    assert round(row["asa_seconds"], 2) == 7.84


def test_1000_calls_an_hour_under_an_85_percent_cap_need_40_agents() -> None:
    args = ("interval", "--calls", "1000", "--interval", "1h", "--aht", "120")
    args += ("--answer-within", "20", "--target", "0.8")
    table = _ok(*args, "--max-occupancy", "0.85")
    for words in ("40", "set by", "the occupancy cap", "38", "19.07%", "93.72%", "3.43 s"):
        assert words in table, table
    (row,) = _json(*args, "--max-occupancy", "0.85")["intervals"]
    assert (row["agents"], row["agents_for_service_level"], row["limited_by"]) == (
        40,
        38,
        "occupancy",
    )
    assert (round(row["p_wait"], 4), round(row["service_level"], 4)) == (0.1907, 0.9372)
    assert round(row["asa_seconds"], 2) == 3.43
    (uncapped,) = _json(*args)["intervals"]
    assert uncapped["agents"] == 38


def test_the_sample_day_as_a_table() -> None:
    out = _ok("plan", str(SAMPLE))
    assert "Staffing plan" in out and "80% answered within 20 s" in out
    lines = [line.split() for line in out.splitlines()]
    starts = [cells[0] for cells in lines if cells and cells[0][:2].isdigit() and ":" in cells[0]]
    assert starts[0] == "07:00" and starts[-1] == "21:30" and len(starts) == 30
    plan = _json("plan", str(SAMPLE))
    day = plan["day"]
    assert f"{day['agent_hours']:,.1f} agent-hours" in out
    assert f"peak {day['peak_agents']} agents at {day['peak_start']}" in out


def test_the_sample_day_with_shrinkage_and_erlang_a_as_json() -> None:
    plain = _json("plan", str(SAMPLE))
    plan = _json(
        "plan", str(SAMPLE), "--model", "erlang-a", "--patience", "180", "--shrinkage", "0.3"
    )
    assert plan["model"] == "erlang-a" and plan["patience_seconds"] == 180
    rows, plain_rows = plan["intervals"], plain["intervals"]
    assert all(0 < row["abandonment"] < 0.1 for row in rows)
    assert all(row["service_level"] >= 0.8 for row in rows)
    # Callers who give up shorten the queue: never more agents than Erlang C asks for.
    assert all(a["agents"] <= c["agents"] for a, c in zip(rows, plain_rows, strict=True))
    assert all(
        row["staff"] * 0.7 + 1e-9 >= row["agents"] > (row["staff"] - 1) * 0.7 for row in rows
    )
    assert plan["day"]["staff_hours"] == sum(row["staff"] for row in rows) / 2


def test_the_sample_day_as_csv() -> None:
    out = _ok("plan", str(SAMPLE), "--format", "csv", "--max-occupancy", "0.8")
    rows = list(csv.reader(io.StringIO(out)))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 31
    named = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert {row["limited_by"] for row in named} >= {"occupancy"}
    assert all(float(row["occupancy"]) <= 0.8 for row in named)


def test_a_default_handle_time_fills_the_gaps(tmp_path: Path) -> None:
    forecast = tmp_path / "day.csv"
    forecast.write_text("start,calls,aht_seconds\n08:00,100,\n08:30,100,240\n", encoding="utf-8")
    rows = _json("plan", str(forecast), "--aht", "180", "--answer-within", "20")["intervals"]
    assert [row["aht_seconds"] for row in rows] == [180, 240]
    assert rows[0]["agents"] == 14
    no_column = tmp_path / "calls.csv"
    no_column.write_text("start,calls\n08:00,100\n", encoding="utf-8")
    assert _json("plan", str(no_column), "--aht", "180")["intervals"][0]["agents"] == 14


def test_instants_and_an_hour_long_interval(tmp_path: Path) -> None:
    forecast = tmp_path / "day.csv"
    forecast.write_text(
        "start,calls,aht_seconds\n"
        "2026-03-10T09:00-05:00,1000,120\n"
        "2026-03-10T11:00-05:00,500,120\n",  # a gap of one interval is allowed
        encoding="utf-8",
    )
    rows = _json("plan", str(forecast), "--interval", "60", "--max-occupancy", "0.85")["intervals"]
    assert rows[0]["agents"] == 40


def _write(tmp_path: Path, text: str | bytes) -> str:
    path = tmp_path / "forecast.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return str(path)


HEADER = "start,calls,aht_seconds\n"


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("# only a note\n", "empty"),
        (HEADER, "no intervals"),
        ("start,aht_seconds\n08:00,180\n", "no 'calls' column"),
        ("start,calls\n08:00,10\n", "no 'aht_seconds' column"),
        ("start,calls,aht_seconds,team\n08:00,1,2,x\n", "unknown column 'team'"),
        ("start,calls,calls\n", "given twice"),
        (HEADER + "08:00,10\n", "line 2: 2 values for the 3 columns"),
        (HEADER + "08:00,ten,180\n", "line 2 (calls): 'ten' is not a number"),
        (HEADER + "08:00,nan,180\n", "line 2 (calls): 'nan' is not a number"),
        (HEADER + "08:00,10,3 min\n", "line 2 (aht_seconds)"),
        (HEADER + "08:00,,180\n", "line 2 (calls): empty"),
        (HEADER + "08:00,10,\n", "line 2 (aht_seconds): empty"),
        (HEADER + "08:00,-5,180\n", "line 2 (calls): must be a number from 0"),
        (HEADER + "08:00,5,-180\n", "line 2 (aht_seconds): must be a number of seconds"),
        (HEADER + "08:00,5,0\n", "line 2 (aht_seconds)"),
        (HEADER + "08:00,100000,3600\n", "Erlangs"),
        (HEADER + "8am,5,180\n", "line 2 (start): '8am' is not a start"),
        (HEADER + "24:00,5,180\n", "line 2 (start): '24:00' is not a time of day"),
        (HEADER + "08:00,5,180\n# a note\n08:10,5,180\n", "line 4 (start): starts 10 min after"),
        (HEADER + "08:00,5,180\n07:30,5,180\n", "line 3 (start): comes at or before"),
        (HEADER + "23:30,5,180\n00:00,5,180\n", "line 3 (start)"),
        (HEADER + "2026-03-10T08:00,5,180\n", "needs its UTC offset"),
        (HEADER + "08:00,5,180\n2026-03-10T08:30Z,5,180\n", "write every start the same way"),
        (HEADER + "2026-03-10T08:00Z,5,180\n2026-03-11T08:00Z,5,180\n", "one day"),
        (HEADER + '"08:00,5,180\n', "line"),
        (HEADER + "08:00," + "9" * 200 + ",180\n", "longer than 100 characters"),
        (
            HEADER + "".join(f"{m // 60:02d}:{m % 60:02d},1,60\n" for m in range(0, 1450, 5)),
            "more than 288",
        ),
        (b"start,calls,aht_seconds\n08:00,\xff,180\n", "not UTF-8"),
    ],
)
def test_each_bad_forecast_is_one_line(tmp_path: Path, text: str | bytes, words: str) -> None:
    line = _refused("plan", _write(tmp_path, text))
    assert "forecast.csv" in line and words in line, line


def test_a_file_that_is_too_big_or_cannot_be_read(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    big.write_bytes(HEADER.encode() + b"08:00,1,180\n" * 100_000)
    assert "larger than 1 MB" in _refused("plan", str(big))
    assert "no such file" in _refused("plan", str(tmp_path / "missing.csv"))
    assert "cannot be read" in _refused("plan", str(tmp_path))


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--model", "erlang-b"], "--model"),
        (["--model", "erlang-a"], "--patience: needed with the erlang-a model"),
        (["--patience", "60"], "--patience: applies only to the erlang-a model"),
        (["--max-abandon", "0.05"], "--max-abandon: needs the erlang-a model"),
        (["--interval", "3m"], "--interval: must be from 5 minutes"),
        (["--interval", "7.5m"], "--interval: must be a whole number of minutes"),
        (["--interval", "half an hour"], "--interval: 'half an hour' is not a length"),
        (["--target", "1"], "--target: must be a share between 0 and 1"),
        (["--target", "80"], "--target"),
        (["--max-occupancy", "0"], "--max-occupancy"),
        (["--shrinkage", "0.95"], "--shrinkage"),
        (["--aht", "-1"], "--aht"),
        (["--queue", "nowhere"], "--queue: no queue 'nowhere'"),
        (["--queue", "q" * 5000], "--queue: no queue '" + "q" * 64 + "' in"),
        (["--routing-file", "/nonexistent/routing.toml"], "routing file"),
        (["--format", "xml"], "--format"),
    ],
)
def test_each_bad_option_is_one_line(tmp_path: Path, options: list[str], words: str) -> None:
    forecast = _write(tmp_path, HEADER + "08:00,100,180\n")
    line = _refused("plan", forecast, *options)
    assert words in line, line


def test_a_broken_routing_file_is_named(tmp_path: Path) -> None:
    routing = tmp_path / "routing.toml"
    routing.write_text("[routing\n", encoding="utf-8")
    forecast = _write(tmp_path, HEADER + "08:00,100,180\n")
    line = _refused("plan", forecast, "--routing-file", str(routing))
    assert str(routing) in line and "TOML" in line


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--calls", "100"], "--aht"),
        (["--calls", "-1", "--aht", "180"], "--calls"),
        (["--calls", "1000000", "--aht", "180"], "--calls: must be a number from 0 up to 100000"),
        (["--calls", "50000", "--aht", "3600"], "--calls: 50000 calls of 3600 s"),
        (["--calls", "100", "--aht", "180", "--model", "erlang-a"], "--patience"),
    ],
)
def test_the_interval_command_names_its_options(options: list[str], words: str) -> None:
    line = _refused("interval", *options)
    assert words in line, line


def test_a_table_with_every_column_is_written_whole_into_a_pipe() -> None:
    out = _ok(
        "plan", str(SAMPLE), "--model", "erlang-a", "--patience", "180",
        "--shrinkage", "0.3", "--max-occupancy", "0.8",
    )  # fmt: skip
    assert "…" not in out
    for heading in ("Staff", "Aband.", "Occ.", "Set by", "occ. cap"):
        assert heading in out


def test_the_operator_guide_shows_what_the_command_prints() -> None:
    guide = (Path(__file__).parents[3] / "docs" / "operator-guide.md").read_text("utf-8")
    section = guide.split("## Staffing: agents needed per interval", 1)[1].split("\n## ", 1)[0]
    example = section.split("```\n$ caredesk ", 1)[1].split("```", 1)[0]
    command, *shown = example.splitlines()
    out = _ok(*command.split()[1:])
    printed = {line.strip() for line in out.splitlines()}
    quoted = [line.strip() for line in shown if line.strip() and line.strip() != "..."]
    assert len(quoted) >= 6
    assert [line for line in quoted if line not in printed] == []
