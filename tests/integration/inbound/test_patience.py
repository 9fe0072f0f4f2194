"""What a queue's recent callers say about waiting there, from the stored walks (on SQLite and
PostgreSQL, with a fixed clock): the wait of the caller last answered (LES), and the give-up
rate as abandonments over the time the callers spent in line (QL_m's), None with too few
callers; callers who hung up in the menus or are still waiting are not counted; `queue_view`
(one queue) and `queue_views` (every queue at once) read the same."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caredesk.clock import FixedClock
from caredesk.db.session import Database, UnitOfWork
from caredesk.inbound.models import WalkOutcome
from caredesk.inbound.patience import PATIENCE_MIN, PATIENCE_SAMPLE, line_history
from caredesk.inbound.waits import queue_view, queue_views
from caredesk.interactions.models import Disposition, Interaction
from caredesk.routing.config_file import default_routing_config
from tests.integration.inbound.walks import ended_walk

ROUTING = default_routing_config()


def walk(
    uow: UnitOfWork,
    clock: FixedClock,
    queue: str,
    *,
    waited: float,
    abandoned: bool = False,
    waiting: bool = False,
    outcome: WalkOutcome = WalkOutcome.QUEUED,
) -> None:
    """A caller of `queue` who left its line now after `waited` seconds: answered, or hung up
    (`abandoned`); or who joined `waited` seconds ago and is still `waiting`."""
    clock.advance(timedelta(seconds=10))
    now = clock.now()
    queued = now - timedelta(seconds=waited)
    left = not waiting
    call = Interaction(
        channel="voice",
        direction="inbound",
        started_at=queued,
        ended_at=now if left else None,
        disposition=(
            Disposition.ABANDONED.value
            if abandoned and outcome == WalkOutcome.QUEUED
            else Disposition.CUSTOMER_DISCONNECTED.value
            if left
            else None
        ),
        created_at=queued,
    )
    uow.session.add(call)
    uow.session.flush()
    answered = left and not abandoned
    uow.session.add(
        ended_walk(
            call.id,
            queue,
            outcome=outcome,
            started_at=queued,
            queued_at=queued if outcome == WalkOutcome.QUEUED else None,
            answered_at=now if answered else None,
            waited_seconds=waited if answered else None,
        )
    )
    uow.session.flush()


def test_the_last_answered_callers_wait_and_the_give_up_rate(
    db: Database, clock: FixedClock
) -> None:
    with db.uow() as uow:
        # 20 callers in line 30 s each (600 s at risk), 3 of whom hung up: 3 / 600 s.
        for i in range(20):
            walk(uow, clock, "billing", waited=30, abandoned=i in (4, 11, 19))
        # Neither in line nor gone from it: not counted.
        walk(uow, clock, "billing", waited=500, waiting=True)
        walk(uow, clock, "billing", waited=0, abandoned=True, outcome=WalkOutcome.HUNG_UP)
        # Another queue's callers are its own.
        walk(uow, clock, "technical", waited=90)
        history = line_history(uow, queues=["billing", "technical", "general"], now=clock.now())
    billing = history["billing"]
    assert billing.abandon_rate == pytest.approx(0.005)
    # The last caller hung up; the one answered before them had waited 30 s.
    assert billing.last_entered_wait == 30.0
    assert history["technical"].abandon_rate is None  # one caller: too few
    assert history["technical"].last_entered_wait == 90.0
    assert history["general"].abandon_rate is None
    assert history["general"].last_entered_wait is None


def test_les_is_the_latest_answer_and_the_rate_needs_enough_callers(
    db: Database, clock: FixedClock
) -> None:
    with db.uow() as uow:
        for waited in (40.0, 75.0, 20.0):
            walk(uow, clock, "billing", waited=waited)
        for _ in range(PATIENCE_MIN - 4):
            walk(uow, clock, "billing", waited=60, abandoned=True)
        fewer = line_history(uow, queues=["billing"], now=clock.now())["billing"]
        walk(uow, clock, "billing", waited=60, abandoned=True)
        enough = line_history(uow, queues=["billing"], now=clock.now())["billing"]
        # Seen from before the latest answer, the one before it.
        clock.set(clock.now() - timedelta(seconds=10 * (PATIENCE_MIN - 2)))
        earlier = line_history(uow, queues=["billing"], now=clock.now())["billing"]
    assert (fewer.abandon_rate, fewer.last_entered_wait) == (None, 20.0)
    # 17 abandons over 135 + 17 * 60 s.
    assert enough.abandon_rate == pytest.approx(17 / (135 + 17 * 60))
    assert enough.last_entered_wait == 20.0
    assert earlier.last_entered_wait == 75.0


def test_only_the_latest_callers_count(db: Database, clock: FixedClock) -> None:
    with db.uow() as uow:
        for _ in range(PATIENCE_MIN):
            walk(uow, clock, "billing", waited=100, abandoned=True)
        for _ in range(PATIENCE_SAMPLE):
            walk(uow, clock, "billing", waited=50)
        history = line_history(uow, queues=["billing"], now=clock.now())["billing"]
    # The abandons are older than the last PATIENCE_SAMPLE callers who left.
    assert history.abandon_rate == 0.0
    assert history.last_entered_wait == 50.0


def test_one_queue_and_every_queue_read_the_same(db: Database, clock: FixedClock) -> None:
    with db.uow() as uow:
        for i in range(PATIENCE_MIN):
            walk(uow, clock, "billing", waited=45, abandoned=i % 4 == 0)
        walk(uow, clock, "technical", waited=120)
        now = clock.now()
        every = queue_views(uow, queues=ROUTING.queues, now=now)
        one = {
            name: queue_view(uow, queue=queue, now=now) for name, queue in ROUTING.queues.items()
        }
    assert every == one
    assert every["billing"].abandon_rate == pytest.approx(5 / (PATIENCE_MIN * 45))
    assert every["billing"].last_entered_wait == 45.0
    assert every["technical"].last_entered_wait == 120.0
