"""Reading a day's forecast from a CSV file: one interval a line.

    start,calls,aht_seconds
    08:00,42,310
    08:30,67,305

`start` is the interval's start, a time of day (08:00) or an instant with its UTC offset;
`calls` the contacts offered in it (fractions allowed: a forecast is an expectation);
`aht_seconds` their average handle time, which may be left out (the column, or a cell) when a
default handle time is given. Blank lines and lines starting with # are skipped. What the values
must be (order, spacing, bounds) is checked by the plan; this module reads the file and names
the line at fault.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from caredesk.staffing.plan import MAX_INTERVALS, ForecastInterval

COLUMNS = ("start", "calls", "aht_seconds")
MAX_FORECAST_BYTES = 1_000_000
MAX_CELL = 100
# A cell is at most MAX_CELL characters, so no run of digits is longer.
_NUMBER = re.compile(r"[+-]?(\d{1,100}(\.\d{0,100})?|\.\d{1,100})([eE][+-]?\d{1,3})?", re.ASCII)


class ForecastError(ValueError):
    """The forecast cannot be read; the message names the file, and the line when there is one."""


@dataclass(frozen=True, slots=True)
class Forecast:
    intervals: tuple[ForecastInterval, ...]
    lines: tuple[int, ...]
    """The file's line number of each interval, for messages."""


def read_forecast(path: Path, *, default_aht: float | None = None) -> Forecast:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FORECAST_BYTES + 1)
    except FileNotFoundError:
        raise ForecastError(f"{path}: no such file") from None
    except OSError as error:
        raise ForecastError(f"{path}: cannot be read ({error.strerror or error})") from None
    if len(data) > MAX_FORECAST_BYTES:
        raise ForecastError(
            f"{path}: larger than {MAX_FORECAST_BYTES // 1_000_000} MB; "
            "a day's forecast is one line per interval"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ForecastError(f"{path}: not UTF-8 text; save the forecast as a UTF-8 CSV") from None
    return parse_forecast(text, default_aht=default_aht, name=str(path))


def _number(cell: str, where: str) -> float:
    if not _NUMBER.fullmatch(cell):
        shown = cell if len(cell) <= 20 else cell[:20] + "..."
        raise ForecastError(f"{where}: {shown!r} is not a number")
    return float(cell)


def parse_forecast(
    text: str, *, default_aht: float | None = None, name: str = "forecast"
) -> Forecast:
    rows = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    intervals: list[ForecastInterval] = []
    lines: list[int] = []
    try:
        for cells in rows:
            line = rows.line_num
            if not any(cell.strip() for cell in cells) or cells[0].lstrip().startswith("#"):
                continue
            cells = [cell.strip() for cell in cells]
            if header is None:
                header = _header(cells, name, line, default_aht)
                continue
            if len(cells) != len(header):
                raise ForecastError(
                    f"{name} line {line}: {len(cells)} values for the {len(header)} columns "
                    f"({', '.join(header)})"
                )
            if len(intervals) == MAX_INTERVALS:
                raise ForecastError(
                    f"{name} line {line}: more than {MAX_INTERVALS} intervals; "
                    "a forecast is one day"
                )
            intervals.append(
                _interval(dict(zip(header, cells, strict=True)), name, line, default_aht)
            )
            lines.append(line)
    except csv.Error as error:
        raise ForecastError(f"{name} line {rows.line_num}: {error}") from None
    if header is None:
        raise ForecastError(
            f"{name}: empty; the first line names the columns ({', '.join(COLUMNS)})"
        )
    if not intervals:
        raise ForecastError(f"{name}: no intervals after the header line")
    return Forecast(tuple(intervals), tuple(lines))


def _header(cells: list[str], name: str, line: int, default_aht: float | None) -> list[str]:
    names = [cell.lower() for cell in cells]
    for column in names:
        if column not in COLUMNS:
            shown = column[:40]
            raise ForecastError(
                f"{name} line {line}: unknown column {shown!r}; the columns are "
                f"{', '.join(COLUMNS)}"
            )
        if names.count(column) > 1:
            raise ForecastError(f"{name} line {line}: column {column!r} given twice")
    for column in COLUMNS:
        if column in names or (column == "aht_seconds" and default_aht is not None):
            continue
        more = (
            " (or give a handle time for every interval with --aht)"
            if column == "aht_seconds"
            else ""
        )
        raise ForecastError(f"{name} line {line}: no {column!r} column{more}")
    return names


def _interval(
    row: dict[str, str], name: str, line: int, default_aht: float | None
) -> ForecastInterval:
    for column, cell in row.items():
        if len(cell) > MAX_CELL:
            raise ForecastError(f"{name} line {line} ({column}): longer than {MAX_CELL} characters")
    if not row["start"]:
        raise ForecastError(f"{name} line {line} (start): empty; write the interval's start")
    if not row["calls"]:
        raise ForecastError(
            f"{name} line {line} (calls): empty; write the calls offered (0 if none)"
        )
    calls = _number(row["calls"], f"{name} line {line} (calls)")
    aht_cell = row.get("aht_seconds", "")
    if aht_cell:
        handle = _number(aht_cell, f"{name} line {line} (aht_seconds)")
    elif default_aht is not None:
        handle = default_aht
    else:
        raise ForecastError(
            f"{name} line {line} (aht_seconds): empty; write the handle time or give --aht"
        )
    return ForecastInterval(row["start"], calls, handle)
