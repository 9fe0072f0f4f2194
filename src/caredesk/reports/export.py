"""Figures and lists as CSV: a header row, then one row per record, quoted by the csv module
(RFC 4180: commas, quotes and line breaks inside a value are safe), instants in ISO 8601 UTC.

Two precautions for a file a leader opens in a spreadsheet: every text value passes through
the secrets scrubber (a PIN or card number typed into a free-text field never leaves), and a
text value a spreadsheet would run as a formula (one starting with =, +, -, @, a tab or a
carriage return) is written with a leading apostrophe, as OWASP advises."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from enum import Enum

from caredesk.privacy import scrub_text

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
Cell = str | int | float | bool | datetime | Enum | None


def cell(value: Cell) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    text = scrub_text(str(value.value) if isinstance(value, Enum) else str(value))
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Cell]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    width = len(header)
    for row in rows:
        if len(row) != width:
            raise ValueError(f"a row of {len(row)} values under a header of {width}")
        writer.writerow([cell(value) for value in row])
    return out.getvalue()
