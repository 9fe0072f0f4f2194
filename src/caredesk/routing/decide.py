"""The routing decision as a pure function over a snapshot.

`decide(snapshot, queues, now)` returns which waiting contacts to offer to which Ready agents
and which overflow rules fired, by the rule written out in `reference`. It loads the snapshot
into a `RoutingState` (the indexed engine) and asks it once; a long-running process keeps one
RoutingState and feeds it changes instead, which is what makes a decision cheap at scale.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from caredesk.routing.config_queues import QueueConfig
from caredesk.routing.model import RoutingResult, Snapshot
from caredesk.routing.state import RoutingState


def decide(snapshot: Snapshot, queues: Mapping[str, QueueConfig], now: datetime) -> RoutingResult:
    return RoutingState.from_snapshot(snapshot, queues).route(now)
