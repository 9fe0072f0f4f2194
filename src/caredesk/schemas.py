"""Base classes for API schemas: inputs refuse unknown fields, outputs read from ORM rows."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must include a UTC offset, e.g. 2026-05-01T14:00:00Z")
    return value


AwareDatetime = Annotated[datetime, AfterValidator(_aware)]


# Ids are 32-bit integers on every engine; a larger value can only be a typo or a probe.
MAX_ID = 2_147_483_647
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
