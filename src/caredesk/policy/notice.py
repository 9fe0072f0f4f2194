"""When to send the "about to call" notice (OB-NOTIFY) and when to dial after it.

The handbook: "Prior to making an outbound call, notify the customer you are about to call
them." So the notice goes a lead time before the planned dial, never hours ahead: the notice is
sent at an instant the time rules allow (inside the calling window, or the customer's agreed
window) and the dial follows exactly the lead time later, also at an allowed instant. A notice at
19:55 for a window closing at 20:00 would announce a call that cannot happen: both move to the
next opening instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import NamedTuple

NextAllowed = Callable[[datetime], "datetime | None"]
"""The earliest instant at or after the one given that the time rules allow, or None."""
_ROUNDS = 32


class NoticePlan(NamedTuple):
    notice_at: datetime
    dial_at: datetime


def plan_notice(next_allowed: NextAllowed, *, now: datetime, lead: timedelta) -> NoticePlan | None:
    """The earliest notice instant N >= `now` with N and N + `lead` both allowed.

    None when the time rules allow no instant (an unknown zone, windows that never open) or no
    pair fits (a window shorter than the lead, every day).
    """
    if lead <= timedelta(0):
        raise ValueError("the lead time must be positive")
    candidate = now
    for _ in range(_ROUNDS):
        notice_at = next_allowed(candidate)
        if notice_at is None:
            return None
        dial_at = notice_at + lead
        opening = next_allowed(dial_at)
        if opening is None:
            return None
        if opening == dial_at:
            return NoticePlan(notice_at, dial_at)
        # The window closes within the lead: the notice waits for the next opening. Only a
        # notice from `opening - lead` on could be followed by a dial at `opening`.
        candidate = max(opening - lead, notice_at + timedelta(seconds=1))
    return None
