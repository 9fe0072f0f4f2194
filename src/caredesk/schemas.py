"""Base classes for API schemas: inputs refuse unknown fields, outputs read from ORM rows."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from caredesk.limits import MAX_ID as MAX_ID


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# Instants a care record can sensibly name; outside them date arithmetic overflows (year 1 at
# +14:00 is before datetime.min in UTC) and no real contact happens there anyway.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must include a UTC offset, e.g. 2026-05-01T14:00:00Z")
    try:
        in_utc = value.astimezone(UTC)
    except (OverflowError, ValueError):
        in_utc = None
    if in_utc is None or not EARLIEST <= in_utc < LATEST:
        raise ValueError(f"must be between {EARLIEST.year} and {LATEST.year - 1} (UTC)")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


_DIGITS = re.compile(r"[0-9]{1,19}", re.ASCII)


def _whole_number(value: Any) -> Any:
    """Ids are whole numbers: 1.0, " 1", "+1" and true are refused, not rounded or stripped."""
    if isinstance(value, (bool, float)):
        raise ValueError("must be a whole number, e.g. 42")
    if isinstance(value, str) and not _DIGITS.fullmatch(value):
        raise ValueError("must be a whole number written in digits only, e.g. 42")
    return value


StrictInt = Annotated[int, BeforeValidator(_whole_number)]
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
