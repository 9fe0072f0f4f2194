"""Case numbers: ``CS-000123`` from the ticket's id, and reading a reference a person typed.
Pure; no database."""

from __future__ import annotations

import re

from caredesk.errors import ValidationFailed
from caredesk.limits import MAX_ID

# Case numbers come from the ticket id, so they are unique wherever the id is.
CASE_NUMBER_PREFIX = "CS-"
_CASE_NUMBER = re.compile(r"^CS-([0-9]{6,10})$", re.IGNORECASE)
_ID = re.compile(r"^[0-9]{1,10}$")


def case_number_for(ticket_id: int) -> str:
    return f"{CASE_NUMBER_PREFIX}{ticket_id:06d}"


def parse_ticket_ref(ref: str, *, field: str = "ticket") -> tuple[str, int | str]:
    """'CS-000123' -> ('case_number', 'CS-000123'); '123' -> ('id', 123)."""
    ref = ref.strip()
    match = _CASE_NUMBER.match(ref)
    if match:
        return "case_number", ref.upper()
    if _ID.match(ref) and 1 <= int(ref) <= MAX_ID:
        return "id", int(ref)
    raise ValidationFailed("must be a case number like CS-000123 or a numeric id", field=field)


def is_case_number(value: str) -> bool:
    return _CASE_NUMBER.match(value) is not None
