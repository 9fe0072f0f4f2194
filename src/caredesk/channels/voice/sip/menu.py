"""The port the SIP server walks a caller through the IVR menus by. The server knows calls and
digits; what a digit does, and the record of it, belong to the inbound calls' use cases
(`caredesk.inbound.phone_line` implements this port with them, the same functions the HTTP walk
uses). A fake in the tests stands in for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

ENDED = "ended"
QUEUED = "queued"


class CallerRefused(ValueError):
    """A call the menus cannot take (its caller id is not a phone number); the text says why."""


@dataclass(frozen=True)
class MenuAnswer:
    """What the walk says after a step, and whether the call goes on."""

    call_id: int
    say: tuple[str, ...]
    phase: str
    """menu, offer, voicemail or ended."""
    outcome: str | None = None
    """Once the walk has ended: queued, closed, callback or hung_up."""
    queue: str | None = None
    accepted: bool = True
    """The input was one the menu (or the offer) took: a choice, not something else the caller
    keyed, which is never written to the log."""
    call_ended: bool = False
    """The call's interaction has ended (by staff, or an agent), whatever the walk says."""

    @property
    def waits_for_input(self) -> bool:
        return self.phase != ENDED and not self.call_ended

    @property
    def hang_up(self) -> bool:
        """The IVR is done with the caller: the server sends BYE. A caller queued stays on the
        line until they hang up or the call ends in caredesk."""
        return self.call_ended or (self.phase == ENDED and self.outcome != QUEUED)


class PhoneMenu(Protocol):
    """Each call is blocking work on the store: the server runs it off its event loop, one call
    at a time in the order the events came."""

    @property
    def no_input_seconds(self) -> float:
        """How long a menu waits for a key before the walk hears "no input"."""
        ...

    def start(self, *, number: str) -> MenuAnswer:
        """A caller from `number` (as the trunk sent it) is answered; CallerRefused when it
        cannot be read as a phone number."""
        ...

    def key(self, call_id: int, digit: str) -> MenuAnswer: ...

    def no_input(self, call_id: int) -> MenuAnswer: ...

    def hang_up(self, call_id: int) -> MenuAnswer:
        """The caller hung up (or the server hung up on them after the IVR's last words)."""
        ...

    def ended(self, call_ids: list[int]) -> set[int]:
        """Which of these calls have ended in caredesk (an agent finished them)."""
        ...
