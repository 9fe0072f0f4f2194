"""What a queue knows of its own recent history, as the estimate at entry needs it.

The twin keeps for each queue what the product keeps from its contact log: the average handle
time (starting from the forecast, then following the calls handled), the callers' give-up rate
(abandons over time spent waiting, the estimate of theta for exponential patience), the wait of
the last caller to reach an agent (LES) and the longest-waiting contact in line (HOL). From
those and the queue's state it builds the `QueueView` every predictor reads. A queue's next day
starts from what it knew at the end of the last (`next_day`), as the product's log outlives the
day.
"""

from __future__ import annotations

import heapq

from caredesk.routing.wait import QueueView

_KEEP = 0.9998
"""Forgetting per caller for the give-up rate (about the last 5,000 callers): abandons are a
few in a hundred, so a shorter memory would leave the rate to chance."""
_HANDLE_WEIGHT = 0.0005
"""Weight of each handled call in the running average handle time (about the last 2,000
calls): handle times vary as much as their mean, and QL reads the mean directly."""


class QueueLog:
    __slots__ = ("_abandons", "_line", "_waited", "last_entered_wait", "mean_handle_seconds")

    def __init__(self, forecast_handle_seconds: float) -> None:
        self.mean_handle_seconds = forecast_handle_seconds
        self.last_entered_wait: float | None = None
        self._abandons = 0.0
        self._waited = 0.0
        # (arrival in microseconds, contact id, token): who is in line, oldest first; entries
        # whose token no longer matches are skipped (the contact left or moved).
        self._line: list[tuple[int, str, int]] = []

    def next_day(self) -> QueueLog:
        """The log the queue starts its next day with: the handle time, give-up rate and last
        wait it had learned (the product reads them from its contact log whatever the hour),
        and nobody in line."""
        log = QueueLog(self.mean_handle_seconds)
        log.last_entered_wait = self.last_entered_wait
        log._abandons = self._abandons
        log._waited = self._waited
        return log

    def joined(self, arrival: int, contact_id: str, token: int) -> None:
        heapq.heappush(self._line, (arrival, contact_id, token))

    def head_arrival(self, tokens: dict[str, int]) -> int | None:
        """Arrival of the longest-waiting contact still in line (`tokens`: who is, with which
        token)."""
        line = self._line
        while line:
            arrival, contact_id, token = line[0]
            if tokens.get(contact_id) == token:
                return arrival
            heapq.heappop(line)
        return None

    def entered_service(self, waited_seconds: float) -> None:
        self.last_entered_wait = waited_seconds
        # Both sums forget at every caller who stops waiting, so their ratio stays the rate.
        self._abandons *= _KEEP
        self._waited = self._waited * _KEEP + waited_seconds

    def abandoned(self, waited_seconds: float) -> None:
        self._abandons = self._abandons * _KEEP + 1.0
        self._waited = self._waited * _KEEP + waited_seconds

    def handled(self, seconds: float) -> None:
        self.mean_handle_seconds += _HANDLE_WEIGHT * (seconds - self.mean_handle_seconds)

    @property
    def abandon_rate(self) -> float:
        return self._abandons / self._waited if self._waited > 0 else 0.0

    def view(self, ahead: int, agents: int, head_wait: float | None) -> QueueView:
        """The queue as a caller just placed in line (nobody free to take it) sees it."""
        return QueueView(
            ahead=ahead,
            agents=agents,
            mean_handle_seconds=self.mean_handle_seconds,
            abandon_rate=self.abandon_rate,
            last_entered_wait=self.last_entered_wait,
            head_wait=head_wait if ahead else None,
            idle_agents=0,
        )
