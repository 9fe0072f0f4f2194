"""Leased claims on a table of their own, on both engines: a batch is a batch, two claimers never
hold the same row (racing threads, and a claimer overtaken between its read and its update), a
lease that ran out is claimable again, and only the token that holds a row can release it."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Integer, String, event, select, text, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from caredesk.clock import FixedClock
from caredesk.db.base import UTCDateTime
from caredesk.db.leases import (
    Lease,
    LeaseColumns,
    claim_rows,
    lease_rows,
    release_lease,
)
from caredesk.db.session import Database, UnitOfWork


class _Base(DeclarativeBase):
    pass


class Job(_Base):
    """Work a worker does once: only for these tests, never in the application's schema."""

    __tablename__ = "lease_test_jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(20))
    ready_at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str | None] = mapped_column(String(40))
    holder: Mapped[str | None] = mapped_column(String(40))
    token: Mapped[str | None] = mapped_column(String(40))
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


LEASE = LeaseColumns(owner=Job.holder, token=Job.token, expires=Job.held_until)


@pytest.fixture
def jobs(db: Database) -> Iterator[Database]:
    _Base.metadata.create_all(db.engine)
    try:
        yield db
    finally:
        _Base.metadata.drop_all(db.engine)


def _add(db: Database, ready_at: list[datetime], *, state: str = "ready") -> list[int]:
    with db.uow() as uow:
        rows = [Job(state=state, ready_at=at) for at in ready_at]
        uow.session.add_all(rows)
        uow.commit()
        return [row.id for row in rows]


def _take(
    db: Database, worker: str, *, now: datetime, batch: int = 10, seconds: float = 60
) -> tuple[Lease, list[int]]:
    lease = Lease.take(worker, now=now, seconds=seconds)
    with db.uow() as uow:
        _no_endless_waits(uow)
        claimed = lease_rows(
            uow,
            Job,
            LEASE,
            lease,
            candidates=(Job.state == "ready", Job.ready_at <= now),
            order_by=(Job.ready_at, Job.id),
            batch=batch,
            returning=(Job.ready_at,),
        )
        uow.commit()
    return lease, [row.id for row in claimed]


def _no_endless_waits(uow: UnitOfWork) -> None:
    """A claim that waited for a row lock (no SKIP LOCKED) fails this test instead of hanging it."""
    if uow.dialect == "postgresql":
        uow.session.execute(text("SET LOCAL lock_timeout = '2s'"))


def _row(db: Database, job_id: int) -> tuple[Any, ...]:
    """The row's state, holder, token and lease end."""
    with db.uow() as uow:
        row = uow.session.execute(
            select(Job.state, Job.holder, Job.token, Job.held_until).where(Job.id == job_id)
        ).one()
        return tuple(row)


def _release(
    db: Database, job_id: int, token: str, *, guard: tuple[Any, ...] = (), done: bool = True
) -> bool:
    with db.uow() as uow:
        released = release_lease(
            uow,
            Job,
            LEASE,
            job_id,
            token,
            guard=guard,
            values={"state": "done"} if done else None,
        )
        uow.commit()
    return released


def _on_update_of_jobs(db: Database, action: Any) -> Any:
    """Runs ``action`` once, just before the next UPDATE of the jobs table is sent."""
    armed = [True]

    def hook(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if armed[0] and statement.lstrip().upper().startswith("UPDATE LEASE_TEST_JOBS"):
            armed[0] = False
            action()

    event.listen(db.engine, "before_cursor_execute", hook)
    return hook


def test_a_claim_takes_at_most_a_batch_earliest_first(jobs: Database, clock: FixedClock) -> None:
    now = clock.now()
    # Ready in the reverse order of their ids, so the order cannot come from the key.
    ready = _add(jobs, [now - timedelta(minutes=minutes) for minutes in range(1, 8)])
    _add(jobs, [now - timedelta(minutes=30)], state="done")
    _add(jobs, [now + timedelta(seconds=1)])
    expected = ready[::-1]

    first_lease, first = _take(jobs, "a", now=now, batch=3)
    _, second = _take(jobs, "b", now=now, batch=3)
    _, third = _take(jobs, "c", now=now, batch=3)
    _, fourth = _take(jobs, "d", now=now, batch=3)

    assert (first, second, third, fourth) == (expected[:3], expected[3:6], expected[6:], [])
    assert _row(jobs, first[0]) == ("ready", "a", first_lease.token, now + timedelta(seconds=60))


def test_a_claim_not_committed_holds_nothing(jobs: Database, clock: FixedClock) -> None:
    [job_id] = _add(jobs, [clock.now()])
    with jobs.uow() as uow:
        lease = Lease.take("a", now=clock.now(), seconds=60)
        candidates = (Job.state == "ready",)
        taken = lease_rows(uow, Job, LEASE, lease, candidates=candidates, order_by=(), batch=5)
        assert [row.id for row in taken] == [job_id]
    assert _row(jobs, job_id)[2] is None
    assert _take(jobs, "b", now=clock.now())[1] == [job_id]


def test_an_expired_lease_is_claimable_again(jobs: Database, clock: FixedClock) -> None:
    start = clock.now()
    [job_id] = _add(jobs, [start])
    first, _ = _take(jobs, "a", now=start, seconds=60)

    assert _take(jobs, "b", now=start + timedelta(seconds=59))[1] == []
    # A lease ends after its last instant, not on it.
    assert _take(jobs, "b", now=start + timedelta(seconds=60))[1] == []
    second, taken = _take(jobs, "b", now=start + timedelta(seconds=61))

    assert taken == [job_id]
    assert second.token != first.token
    assert _row(jobs, job_id)[1:3] == ("b", second.token)


def test_the_token_stops_a_holder_whose_lease_was_taken_over(
    jobs: Database, clock: FixedClock
) -> None:
    start = clock.now()
    [job_id] = _add(jobs, [start])
    stale, _ = _take(jobs, "a", now=start, seconds=60)
    current, _ = _take(jobs, "b", now=start + timedelta(minutes=5), seconds=60)

    assert not _release(jobs, job_id, stale.token)
    assert _row(jobs, job_id) == ("ready", "b", current.token, current.expires_at)

    assert _release(jobs, job_id, current.token)
    assert _row(jobs, job_id) == ("done", None, None, None)


def test_a_release_with_the_wrong_token_or_guard_changes_nothing(
    jobs: Database, clock: FixedClock
) -> None:
    [job_id] = _add(jobs, [clock.now()])
    lease, _ = _take(jobs, "a", now=clock.now())
    held = ("ready", "a", lease.token, lease.expires_at)

    assert not _release(jobs, job_id, uuid.uuid4().hex)
    assert not _release(jobs, job_id, lease.token, guard=(Job.state == "done",))
    assert _row(jobs, job_id) == held

    # Given back unfinished, the row is free at once for anyone.
    assert _release(jobs, job_id, lease.token, guard=(Job.state == "ready",), done=False)
    _, taken = _take(jobs, "b", now=clock.now())
    assert taken == [job_id]


def test_a_claimer_overtaken_between_its_read_and_its_update_takes_other_rows(
    jobs: Database, clock: FixedClock
) -> None:
    now = clock.now()
    ids = _add(jobs, [now - timedelta(seconds=second) for second in range(6)])
    overtaking: list[tuple[Lease, list[int]]] = []
    hook = _on_update_of_jobs(jobs, lambda: overtaking.append(_take(jobs, "b", now=now, batch=1)))
    try:
        lease, taken = _take(jobs, "a", now=now, batch=3)
    finally:
        event.remove(jobs.engine, "before_cursor_execute", hook)

    [(other, [overtaker_took])] = overtaking
    # SQLite: b leased one of the rows a had read; a's guarded update left it alone, and a read
    # again for the one row its batch still lacked. PostgreSQL: a's read locked its rows, and b
    # skipped them.
    assert len(taken) == 3
    assert overtaker_took not in taken
    assert len(set(ids) - {*taken, overtaker_took}) == 2
    for job_id in taken:
        assert _row(jobs, job_id)[2] == lease.token
    assert _row(jobs, overtaker_took)[2] == other.token


def test_racing_claimers_never_hold_the_same_row(jobs: Database, clock: FixedClock) -> None:
    now = clock.now()
    ids = _add(jobs, [now - timedelta(seconds=second % 7) for second in range(60)])
    workers = [f"w{n}" for n in range(4)]
    taken: dict[str, list[int]] = {worker: [] for worker in workers}
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(workers), timeout=30)

    def claim(worker: str) -> None:
        try:
            barrier.wait()
            while True:
                _, rows = _take(jobs, worker, now=now, batch=3)
                if not rows:
                    return
                taken[worker].extend(rows)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=claim, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    everything = [job_id for rows in taken.values() for job_id in rows]
    assert sorted(everything) == sorted(ids)  # each row once, none left
    with jobs.uow() as uow:
        holders = {row.id: row.holder for row in uow.session.execute(select(Job.id, Job.holder))}
    for worker, rows in taken.items():
        assert {holders[job_id] for job_id in rows} <= {worker}


def test_before_values_are_the_values_just_before_the_update(
    jobs: Database, clock: FixedClock
) -> None:
    now = clock.now()
    first, second, third = _add(jobs, [now - timedelta(seconds=3 - n) for n in range(3)])
    with jobs.uow() as uow:
        uow.session.execute(update(Job).where(Job.id == first).values(note="first"))
        uow.commit()
    changed: list[bool] = []

    def change_second() -> None:
        # Another writer changes a row the claim has read. On PostgreSQL the row is locked by
        # the read, so the change cannot happen before the claim commits.
        try:
            with jobs.uow() as uow:
                _no_endless_waits(uow)
                uow.session.execute(update(Job).where(Job.id == second).values(note="changed"))
                uow.commit()
            changed.append(True)
        except OperationalError:
            changed.append(False)

    hook = _on_update_of_jobs(jobs, change_second)
    try:
        with jobs.uow() as uow:
            claimed = claim_rows(
                uow,
                Job,
                candidates=(Job.state == "ready",),
                order_by=(Job.ready_at, Job.id),
                values={"state": "taken", "note": "taken"},
                batch=3,
                before=(Job.note,),
                returning=(Job.note,),
            )
            uow.commit()
    finally:
        event.remove(jobs.engine, "before_cursor_execute", hook)

    [was_changed] = changed
    before = {row.id: row.before.note for row in claimed}
    assert before == {first: "first", second: "changed" if was_changed else None, third: None}
    assert {row.after.note for row in claimed} == {"taken"}


def test_a_claim_takes_at_least_one_row(jobs: Database) -> None:
    with jobs.uow() as uow, pytest.raises(ValueError):
        claim_rows(uow, Job, candidates=(), order_by=(), values={"state": "x"}, batch=0)
