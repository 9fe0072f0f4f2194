"""Who keeps a Service Assurance callback (OB-SA-OWNERSHIP)."""

from __future__ import annotations

from datetime import UTC, datetime

from caredesk.policy.context import Shift


def sa_owner_keeps(due_at: datetime, shift: Shift | None) -> bool:
    """True when the callback is due inside the owner's shift [start, end): the owner keeps it.

    Otherwise (due outside the shift, or no shift on record) it goes through the tracked
    assignment pool.
    """
    if shift is None:
        return False
    # In UTC: aware datetimes sharing one tzinfo would compare by wall clock across a fold.
    due = due_at.astimezone(UTC)
    return shift.start.astimezone(UTC) <= due < shift.end.astimezone(UTC)
