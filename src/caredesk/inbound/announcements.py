"""The wait told again to a caller already waiting in a queue: the phone re-announces it every
`announce_every_seconds` of the queue, and a customer may ask. Only the callers who arrived
before this one count; the figure is never below what the queue's state makes all but certain
(see `waits`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from caredesk.db.session import UnitOfWork
from caredesk.errors import Conflict
from caredesk.inbound.models import IvrWalk, WalkOutcome
from caredesk.inbound.waits import WaitEstimate, wait_in_line
from caredesk.inbound.walks import load_walk
from caredesk.interactions.models import Interaction
from caredesk.routing.config import RoutingConfig
from caredesk.routing.config_queues import QueueConfig


@dataclass(frozen=True)
class WaitNow:
    walk: IvrWalk
    queue: QueueConfig
    estimate: WaitEstimate
    waited_seconds: float
    next_announcement_at: datetime


def wait_now(
    uow: UnitOfWork,
    *,
    routing: RoutingConfig,
    call_id: int,
    within_account: int | None = None,
) -> WaitNow:
    """The estimate for a caller waiting in a queue, asked again (the phone re-announces it
    every `announce_every_seconds`; a customer may ask): only the callers who arrived before
    them count. A call that is not waiting (still in the menus, answered, ended, called back
    instead) is a Conflict."""
    walk = load_walk(uow, call_id=call_id, within_account=within_account)
    interaction = uow.session.get(Interaction, walk.interaction_id)
    assert interaction is not None
    waiting = (
        walk.outcome == WalkOutcome.QUEUED.value
        and walk.queued_at is not None
        and interaction.ended_at is None
        and interaction.agent_id is None
    )
    if not waiting:
        raise Conflict("this call is not waiting in a queue", field="call_id")
    queue = routing.queue(walk.queue or "")
    now = uow.clock.now()
    estimate = wait_in_line(uow, queue=queue, now=now, behind=walk)
    assert walk.queued_at is not None
    return WaitNow(
        walk=walk,
        queue=queue,
        estimate=estimate,
        waited_seconds=(now - walk.queued_at).total_seconds(),
        next_announcement_at=now + timedelta(seconds=queue.announce_every_seconds),
    )
