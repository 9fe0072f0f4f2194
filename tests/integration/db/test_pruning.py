"""Old live events and idempotency keys are dropped, oldest first and a bounded number at a
time, by caredesk.db.pruning and by every dispatcher round."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from caredesk.callbacks.dispatch.worker import run_once
from caredesk.clock import FixedClock
from caredesk.db.idempotency import IdempotencyRecord, claim_key
from caredesk.db.pruning import prune_oldest
from caredesk.db.session import Database
from caredesk.live import Audience, publish
from caredesk.live.models import LiveEvent
from tests.integration.callbacks.dispatch_support import make_runtime


def _publish(db: Database, count: int) -> None:
    with db.uow() as uow, uow.atomic():
        for _ in range(count):
            publish(uow, "ticket.updated", audience=Audience(staff=True))


def _keys(db: Database, names: list[str]) -> None:
    with db.uow() as uow, uow.atomic():
        for name in names:
            claim_key(uow, scope="client", key=name, fingerprint="f" * 64)


def _count(db: Database, column: object) -> int:
    with db.uow() as uow:
        return int(uow.session.scalar(select(func.count(column))) or 0)  # type: ignore[call-overload]


def test_rows_older_than_the_limit_go_oldest_first_and_no_more_than_asked(
    db: Database, clock: FixedClock
) -> None:
    _publish(db, 5)
    clock.advance(timedelta(hours=2))
    _publish(db, 3)
    cut = clock.now() - timedelta(hours=1)
    with db.uow() as uow:
        ids = list(uow.session.scalars(select(LiveEvent.id).order_by(LiveEvent.id)))
    with db.uow() as uow, uow.atomic():
        assert prune_oldest(uow, LiveEvent.id, LiveEvent.created_at, before=cut, limit=2) == 2
    with db.uow() as uow:
        assert list(uow.session.scalars(select(LiveEvent.id).order_by(LiveEvent.id))) == ids[2:]
    with db.uow() as uow, uow.atomic():
        assert prune_oldest(uow, LiveEvent.id, LiveEvent.created_at, before=cut, limit=100) == 3
        assert prune_oldest(uow, LiveEvent.id, LiveEvent.created_at, before=cut, limit=100) == 0
    assert _count(db, LiveEvent.id) == 3


@pytest.mark.parametrize("limit", [0, -1, 10_001])
def test_a_prune_takes_a_sensible_number_of_rows(db: Database, limit: int) -> None:
    with db.uow() as uow, pytest.raises(ValueError, match="1 to 10000"):
        prune_oldest(uow, LiveEvent.id, LiveEvent.created_at, before=db.clock.now(), limit=limit)


def test_a_dispatcher_round_drops_what_is_past_its_keeping_time(
    db: Database, clock: FixedClock
) -> None:
    _publish(db, 25)
    _keys(db, ["a", "b"])
    clock.advance(timedelta(hours=30))
    _publish(db, 2)
    _keys(db, ["c"])
    runtime = make_runtime(db, live_keep_hours=24, idempotency_keep_hours=24, dispatcher_batch=1)
    # Ten rows a prune at batch 1: the round goes on until a prune finds fewer.
    report = run_once(db, runtime, worker_id="tidy-1")
    assert report.pruned == 27 and report.failed_steps == []
    assert _count(db, LiveEvent.id) == 2
    with db.uow() as uow:
        assert list(uow.session.scalars(select(IdempotencyRecord.key))) == ["c"]
    # Within the keeping time nothing more goes.
    clock.advance(timedelta(hours=23))
    assert run_once(db, runtime, worker_id="tidy-1").pruned == 0
    assert _count(db, LiveEvent.id) == 2
