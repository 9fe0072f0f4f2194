"""The twin's clock and event list: what happens next, in order, in whole microseconds.

Two interchangeable schedulers run the same model: `HeapScheduler`, a binary heap of (instant,
sequence, action, argument), and `SimpyScheduler`, the same events as simpy timeouts with the
action as the event's callback. Both run events at one instant in the order they were
scheduled, so a seed gives the same day on either (a test holds it).

Measured (`benchmarks/sim_bench.py --part engines`: mm100 for 3 hours, 12,163 events, on 2 cores
shared with other work): 74 us of CPU an event on the heap against 88 us on simpy, model
included, so simpy's event list costs some 14 us an event more, about 6 s of CPU over the
415,000 events of big_day, whose goal is 60 s. The heap is the default; `--engine simpy` runs
the same day on simpy, with the same figures.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import Any, Protocol

Action = Callable[[Any], None]


class Scheduler(Protocol):
    @property
    def now(self) -> int:
        """The current instant, microseconds since the day started."""

    @property
    def events(self) -> int:
        """Events run so far."""

    def at(self, when: int, action: Action, argument: Any = None) -> None:
        """Run `action(argument)` at `when` (not before now)."""

    def run(self, until: int) -> None:
        """Run every event before `until`; the clock then reads `until`."""

    def pending(self) -> int:
        """Events scheduled and not yet run."""


class HeapScheduler:
    __slots__ = ("_heap", "_now", "_sequence", "events")

    def __init__(self) -> None:
        self._heap: list[tuple[int, int, Action, Any]] = []
        self._sequence = 0
        self._now = 0
        self.events = 0

    @property
    def now(self) -> int:
        return self._now

    def at(self, when: int, action: Action, argument: Any = None) -> None:
        if when < self._now:
            raise ValueError("an event cannot be scheduled in the past")
        self._sequence += 1
        heapq.heappush(self._heap, (when, self._sequence, action, argument))

    def run(self, until: int) -> None:
        heap = self._heap
        pop = heapq.heappop
        count = 0
        while heap and heap[0][0] < until:
            when, _, action, argument = pop(heap)
            self._now = when
            action(argument)
            count += 1
        self.events += count
        self._now = max(self._now, until)

    def pending(self) -> int:
        return len(self._heap)


class SimpyScheduler:
    """The same events on simpy's environment (its `Timeout` events, callbacks attached)."""

    __slots__ = ("_env", "_pending", "events")

    def __init__(self) -> None:
        import simpy  # only when asked for: the heap is the default

        self._env = simpy.Environment()
        self._pending = 0
        self.events = 0

    @property
    def now(self) -> int:
        return int(self._env.now)

    def at(self, when: int, action: Action, argument: Any = None) -> None:
        delay = when - self._env.now
        if delay < 0:
            raise ValueError("an event cannot be scheduled in the past")
        self._pending += 1

        def fire(_event: object) -> None:
            self._pending -= 1
            self.events += 1
            action(argument)

        self._env.timeout(delay).callbacks.append(fire)

    def run(self, until: int) -> None:
        if until > self._env.now:
            self._env.run(until=until)

    def pending(self) -> int:
        return self._pending


ENGINES: dict[str, Callable[[], Scheduler]] = {"heap": HeapScheduler, "simpy": SimpyScheduler}
