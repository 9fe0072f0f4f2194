"""The simulated voice gateway, for demos, the digital twin and load runs: no call leaves the
machine. Each call's whole timeline is drawn when it is dialed (from the seed and the call ref,
so the outcome does not depend on which worker dialed first) and revealed as the clock passes it.
"""

from __future__ import annotations

import math
import random
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from caredesk.channels.ports import CallEvent, CallEventKind
from caredesk.clock import Clock
from caredesk.errors import NotFound, PolicyRefused, ValidationFailed

_DIAL_STRING = re.compile(r"^[0-9]{7,18}$")
_E164 = re.compile(r"^\+[1-9][0-9]{7,14}$")
MAX_CALL_REF = 200

Seconds = tuple[float, float]


@dataclass(frozen=True)
class OutcomeWeights:
    """Relative weights of how a dial ends up; they need not add up to one."""

    answered: float = 0.55
    no_answer: float = 0.20
    busy: float = 0.08
    machine: float = 0.12
    failed: float = 0.05

    def __post_init__(self) -> None:
        for name, value in self.items():
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"outcome weight {name} must be a finite number >= 0")
        if sum(value for _, value in self.items()) <= 0:
            raise ValueError("at least one outcome weight must be above 0")

    def items(self) -> list[tuple[CallEventKind, float]]:
        return [
            (CallEventKind.ANSWERED, self.answered),
            (CallEventKind.NO_ANSWER, self.no_answer),
            (CallEventKind.BUSY, self.busy),
            (CallEventKind.MACHINE, self.machine),
            (CallEventKind.FAILED, self.failed),
        ]


@dataclass(frozen=True)
class CallTiming:
    """Ranges (low, high) in seconds, drawn uniformly."""

    setup_seconds: Seconds = (0.5, 2.0)  # dial to the first signal: ringing, busy or failed
    ring_seconds: Seconds = (4.0, 20.0)  # ringing until a person or a machine picks up
    no_answer_seconds: Seconds = (25.0, 40.0)  # ringing until the network gives up
    talk_seconds: Seconds = (120.0, 900.0)  # a person on the line until they hang up
    machine_seconds: Seconds = (30.0, 90.0)  # greeting and recording until the machine hangs up

    def __post_init__(self) -> None:
        for name in (
            "setup_seconds",
            "ring_seconds",
            "no_answer_seconds",
            "talk_seconds",
            "machine_seconds",
        ):
            low, high = getattr(self, name)
            if not (math.isfinite(low) and math.isfinite(high)) or low < 0 or high < low:
                raise ValueError(f"{name} must be a range (low, high) with 0 <= low <= high")


@dataclass
class _Call:
    call_id: str
    call_ref: str
    dial_string: str
    from_line: str
    dialed_at: datetime
    outcome: CallEventKind
    timeline: list[CallEvent] = field(default_factory=list)


class SimulatedVoiceGateway:
    """Demo and load adapter for the ``VoiceGateway`` port. Deterministic for a seed."""

    def __init__(
        self,
        clock: Clock,
        *,
        lines: Iterable[str],
        seed: int,
        outcomes: OutcomeWeights | None = None,
        timing: CallTiming | None = None,
    ) -> None:
        platform_lines = frozenset(lines)
        if not platform_lines:
            raise ValueError("lines: the gateway needs at least one platform line")
        for line in platform_lines:
            if not _E164.match(line):
                raise ValueError(f"lines: {line!r} is not an E.164 number")
        self._clock = clock
        self._lines = platform_lines
        self._seed = seed
        self._outcomes = outcomes or OutcomeWeights()
        self._timing = timing or CallTiming()
        self._calls: dict[str, _Call] = {}
        self._by_ref: dict[str, str] = {}
        self._lock = threading.Lock()

    def platform_lines(self) -> frozenset[str]:
        return self._lines

    def dial(self, dial_string: str, *, from_line: str, call_ref: str) -> str:
        if from_line not in self._lines:
            raise PolicyRefused(
                f"OB-DEVICE: {from_line!r} is not a platform line; customer calls are placed "
                "only from the platform's own lines",
                field="from_line",
                extra={"rule_ids": ["OB-DEVICE"]},
            )
        if not _DIAL_STRING.match(dial_string):
            raise ValidationFailed(
                "a dial string is 7 to 18 digits (011 + country code + number abroad)",
                field="dial_string",
            )
        if not call_ref or len(call_ref) > MAX_CALL_REF:
            raise ValidationFailed(
                f"call_ref must be 1 to {MAX_CALL_REF} characters", field="call_ref"
            )
        with self._lock:
            existing = self._by_ref.get(call_ref)
            if existing is not None:
                return existing
            call_id = f"sim-{len(self._calls) + 1:06d}"
            call = self._plan(call_id, call_ref, dial_string, from_line, self._clock.now())
            self._calls[call_id] = call
            self._by_ref[call_ref] = call_id
            return call_id

    def poll(self, call_id: str, *, now: datetime | None = None) -> list[CallEvent]:
        instant = now if now is not None else self._clock.now()
        with self._lock:
            call = self._get(call_id)
            return [event for event in call.timeline if event.at <= instant]

    def hangup(self, call_id: str) -> None:
        now = self._clock.now()
        with self._lock:
            call = self._get(call_id)
            ended = call.timeline[-1]
            if ended.at <= now:
                return
            kept = [event for event in call.timeline[:-1] if event.at <= now]
            kept.append(CallEvent(CallEventKind.ENDED, now, "hung up by the platform"))
            call.timeline = kept

    def outcome_of(self, call_id: str) -> CallEventKind:
        """How the call was drawn to go, for load reports; a real gateway cannot know this."""
        with self._lock:
            return self._get(call_id).outcome

    def _get(self, call_id: str) -> _Call:
        call = self._calls.get(call_id)
        if call is None:
            raise NotFound(f"no call with id {call_id!r}", field="call_id")
        return call

    def _plan(
        self, call_id: str, call_ref: str, dial_string: str, from_line: str, at: datetime
    ) -> _Call:
        # A string seed hashes the same way in every process, unlike hash().
        rng = random.Random(f"{self._seed}/{call_ref}")
        kinds, weights = zip(*self._outcomes.items(), strict=True)
        outcome = rng.choices(kinds, weights=weights)[0]
        timing = self._timing

        def after(start: datetime, bounds: Seconds) -> datetime:
            return start + timedelta(seconds=rng.uniform(*bounds))

        signal = after(at, timing.setup_seconds)
        events: list[CallEvent] = []
        if outcome in (CallEventKind.BUSY, CallEventKind.FAILED):
            events.append(CallEvent(outcome, signal))
            events.append(CallEvent(CallEventKind.ENDED, signal))
        elif outcome == CallEventKind.NO_ANSWER:
            gave_up = after(signal, timing.no_answer_seconds)
            events.append(CallEvent(CallEventKind.RINGING, signal))
            events.append(CallEvent(CallEventKind.NO_ANSWER, gave_up))
            events.append(CallEvent(CallEventKind.ENDED, gave_up))
        else:
            picked_up = after(signal, timing.ring_seconds)
            length = timing.talk_seconds
            if outcome == CallEventKind.MACHINE:
                length = timing.machine_seconds
            events.append(CallEvent(CallEventKind.RINGING, signal))
            events.append(CallEvent(outcome, picked_up))
            events.append(CallEvent(CallEventKind.ENDED, after(picked_up, length)))
        return _Call(call_id, call_ref, dial_string, from_line, at, outcome, events)
