"""The dispatcher's run loop and the lease it gives back: when it waits, when it goes straight on,
and what a claim whose lease was taken over can no longer do."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select

from caredesk.callbacks.dispatch.claims import claim_due_callbacks, release_claim
from caredesk.callbacks.dispatch.report import DispatcherWorker
from caredesk.callbacks.dispatch.worker import run_forever
from caredesk.callbacks.models import CallbackStatus
from caredesk.channels import outbox
from caredesk.channels.models import OutboxMessage, OutboxStatus
from caredesk.channels.ports import Channel, OutboundMessage
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from tests.integration.callbacks.dispatch_support import (
    callback,
    make_account,
    make_agent,
    make_callbacks,
    make_runtime,
    statuses,
)

POLL = 7.5


class CountingStop(threading.Event):
    """A stop event that records the loop's waits instead of sleeping, and sets itself after
    `waits` of them (or, for a loop that never waits, after `checks` looks at it)."""

    def __init__(self, waits: int, checks: int = 50) -> None:
        super().__init__()
        self.waits: list[float | None] = []
        self._checks_left = checks
        self._waits_left = waits

    def is_set(self) -> bool:
        self._checks_left -= 1
        if self._checks_left <= 0:
            self.set()
        return super().is_set()

    def wait(self, timeout: float | None = None) -> bool:
        self.waits.append(timeout)
        self._waits_left -= 1
        if self._waits_left <= 0:
            self.set()
        return super().is_set()


def _rounds(db: Database, worker_id: str) -> int:
    with db.uow() as uow:
        rounds = uow.session.scalar(
            select(DispatcherWorker.rounds).where(DispatcherWorker.worker_id == worker_id)
        )
    return rounds or 0


def test_an_idle_dispatcher_waits_the_poll_interval_after_every_round(db: Database) -> None:
    stop = CountingStop(waits=3)
    offered = run_forever(
        db, make_runtime(db, dispatcher_poll_seconds=POLL), worker_id="idle", stop=stop
    )
    assert offered == 0
    assert stop.waits == [POLL, POLL, POLL]
    assert _rounds(db, "idle") == 3


def test_a_full_batch_goes_straight_on_to_the_next_round(db: Database, clock: FixedClock) -> None:
    make_agent(db)
    ids = make_callbacks(
        db, account_id=make_account(db), due_at=clock.now() - timedelta(minutes=1), count=5
    )
    stop = CountingStop(waits=1)
    runtime = make_runtime(db, dispatcher_poll_seconds=POLL, dispatcher_batch=2)
    offered = run_forever(db, runtime, worker_id="busy", stop=stop)
    # Two full batches of two without a pause, then one callback, then the wait.
    assert offered == 5
    assert stop.waits == [POLL]
    assert _rounds(db, "busy") == 3
    assert all(callback(db, callback_id).status == CallbackStatus.OFFERED for callback_id in ids)


def test_a_batch_exactly_filled_is_busy_one_short_is_not(db: Database, clock: FixedClock) -> None:
    make_agent(db)
    make_callbacks(
        db, account_id=make_account(db), due_at=clock.now() - timedelta(minutes=1), count=2
    )
    stop = CountingStop(waits=1)
    runtime = make_runtime(db, dispatcher_poll_seconds=POLL, dispatcher_batch=3)
    assert run_forever(db, runtime, worker_id="short", stop=stop) == 2
    assert stop.waits == [POLL] and _rounds(db, "short") == 1


def test_a_full_batch_of_messages_also_goes_straight_on(db: Database) -> None:
    with db.uow() as uow:
        for index in range(3):
            message = OutboundMessage(
                channel=Channel.EMAIL,
                to="ana@example.com",
                subject="Hi",
                text="Body",
                idempotency_key=f"k{index}",
            )
            outbox.enqueue_message(uow, kind="test", message=message)
        uow.commit()
    stop = CountingStop(waits=1)
    runtime = make_runtime(db, dispatcher_poll_seconds=POLL, dispatcher_batch=2)
    assert run_forever(db, runtime, worker_id="mail", stop=stop) == 0
    # Two messages (a full batch), then one: only then a wait.
    assert stop.waits == [POLL] and _rounds(db, "mail") == 2
    with db.uow() as uow:
        sent = uow.session.scalars(select(OutboxMessage.status)).all()
    assert sent == [OutboxStatus.SENT] * 3


def test_a_failing_round_backs_off_longer_each_time(db: Database) -> None:
    # A batch the settings allow but a round refuses (above 1000) fails every round.
    stop = CountingStop(waits=4)
    runtime = make_runtime(db, dispatcher_poll_seconds=POLL)
    assert run_forever(db, runtime, worker_id="failing", stop=stop, batch=5000) == 0
    assert stop.waits == [POLL, 2 * POLL, 3 * POLL, 4 * POLL]
    assert _rounds(db, "failing") == 0


def test_a_stopped_dispatcher_runs_no_round(db: Database) -> None:
    stop = CountingStop(waits=1)
    stop.set()
    assert run_forever(db, make_runtime(db), worker_id="stopped", stop=stop) == 0
    assert stop.waits == [] and _rounds(db, "stopped") == 0


def test_a_claim_whose_lease_was_taken_over_cannot_give_it_back(
    db: Database, clock: FixedClock
) -> None:
    make_agent(db)
    [callback_id] = make_callbacks(
        db, account_id=make_account(db), due_at=clock.now() - timedelta(minutes=1)
    )
    [stale] = claim_due_callbacks(db, now=clock.now(), lease_seconds=60, worker_id="a")
    clock.advance(timedelta(seconds=61))
    [current] = claim_due_callbacks(db, now=clock.now(), lease_seconds=60, worker_id="b")
    with db.uow() as uow:
        assert release_claim(uow, stale) is False
        uow.commit()
    held = callback(db, callback_id)
    assert (held.lease_owner, held.lease_token) == ("b", current.lease_token)
    assert claim_due_callbacks(db, now=clock.now(), worker_id="c") == []
    # The holder gives it back: claimable again at once, still scheduled.
    with db.uow() as uow:
        assert release_claim(uow, current) is True
        uow.commit()
    freed = callback(db, callback_id)
    assert (freed.lease_owner, freed.lease_token, freed.lease_expires_at) == (None, None, None)
    assert statuses(db) == {"scheduled": 1}
    [again] = claim_due_callbacks(db, now=clock.now(), worker_id="c")
    assert again.id == callback_id
