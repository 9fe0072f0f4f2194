"""The dispatcher: hands due callbacks to agents in Not Ready - Follow-Up.

One round (``run_once``) does, each step in its own transaction: deliver the outbox messages that
are due, move callbacks whose notification went out on to the schedule, return expired offers,
send overdue owned callbacks to the pool (OB-SA-OWNERSHIP), then claim due callbacks under a lease
and offer each to an agent; then the runtime's other round steps (inbound routing: waiting callers
offered to Ready agents). ``run_forever`` repeats rounds until SIGTERM or SIGINT.

Who is offered a callback: its owner while it is owned and the owner is in Not Ready -
Follow-Up; otherwise (unowned, or fallen back to the pool) an active agent of its line of
business in Not Ready - Follow-Up, the one with the fewest open offers first, ties by id."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from caredesk.callbacks.dispatch.claims import (
    check_batch,
    check_now,
    check_worker_id,
    claim_due_callbacks,
)
from caredesk.callbacks.dispatch.offers import AfterClaim, expire_offers, offer_claims
from caredesk.callbacks.dispatch.pooling import pool_overdue_owned
from caredesk.callbacks.dispatch.report import DispatchReport, record_round
from caredesk.callbacks.runtime import CallbackRuntime, RoundStep
from caredesk.callbacks.scheduling import advance_after_notifications
from caredesk.channels.delivery import RetryPolicy, deliver_due
from caredesk.db.idempotency import IdempotencyRecord
from caredesk.db.pruning import prune_oldest
from caredesk.db.session import Database
from caredesk.live.models import LiveEvent
from caredesk.signals import stop_on_signals

# The name operators filter the dispatcher's log lines by.
log = logging.getLogger("caredesk.callbacks.dispatcher")

# Steps that work through a backlog stop after this many batches, so one round stays short.
MAX_BATCHES_PER_STEP = 20
# Old rows are cheap to drop: a prune takes this many times a dispatch batch.
PRUNE_PER_BATCH = 10


def _drain(step: Callable[[], int], batch: int) -> int:
    total = 0
    for _ in range(MAX_BATCHES_PER_STEP):
        done = step()
        total += done
        if done < batch:
            break
    return total


def run_once(
    db: Database,
    runtime: CallbackRuntime,
    *,
    now: datetime | None = None,
    worker_id: str,
    batch: int | None = None,
    after_claim: AfterClaim | None = None,
) -> DispatchReport:
    """One round. ``now`` pins every step to one instant (tests, simulations); without it each
    step reads the clock when it starts. ``after_claim`` runs between claiming and offering."""
    settings = runtime.settings
    size = check_batch(batch or settings.dispatcher_batch)
    check_worker_id(worker_id)
    if now is not None:
        check_now(now)

    def at() -> datetime:
        return now or db.clock.now()

    report = DispatchReport(worker=worker_id, batch=size)
    retry = RetryPolicy(
        base_seconds=settings.outbox_retry_base_seconds,
        cap_seconds=max(settings.outbox_retry_cap_seconds, settings.outbox_retry_base_seconds),
        max_attempts=settings.outbox_max_attempts,
    )

    def deliver() -> None:
        delivered = deliver_due(
            db,
            runtime.sender,
            now=at(),
            batch=size,
            lease_seconds=settings.outbox_lease_seconds,
            worker_id=worker_id,
            retry=retry,
        )
        report.messages_sent = delivered.sent
        report.messages_retried = delivered.retried
        report.messages_dead = delivered.dead

    def advance() -> None:
        with db.uow() as uow:  # commits each callback it moves on
            report.notifications_advanced = advance_after_notifications(
                uow, policy=runtime.policy, now=at()
            )

    def expire() -> None:
        report.offers_expired = _drain(
            lambda: expire_offers(db, now=at(), batch=size, worker_id=worker_id), size
        )

    def pool() -> None:
        minutes = settings.owned_overdue_to_pool_minutes
        report.pooled = _drain(
            lambda: pool_overdue_owned(
                db, now=at(), overdue_minutes=minutes, batch=size, worker_id=worker_id
            ),
            size,
        )

    def tidy() -> None:
        limit = size * PRUNE_PER_BATCH
        kept = (
            (LiveEvent.id, LiveEvent.created_at, settings.live_keep_hours),
            (IdempotencyRecord.id, IdempotencyRecord.created_at, settings.idempotency_keep_hours),
        )
        for _ in range(MAX_BATCHES_PER_STEP):
            with db.uow() as uow, uow.atomic():
                pruned = [
                    prune_oldest(
                        uow, key, written, before=at() - timedelta(hours=hours), limit=limit
                    )
                    for key, written, hours in kept
                ]
            report.pruned += sum(pruned)
            if max(pruned) < limit:
                break

    def dispatch() -> None:
        claims = claim_due_callbacks(
            db,
            now=at(),
            batch=size,
            lease_seconds=settings.dispatcher_lease_seconds,
            worker_id=worker_id,
        )
        report.claimed = len(claims)
        if claims and after_claim is not None:
            after_claim(claims)
        offer_claims(
            db, claims, now=at(), offer_seconds=settings.dispatcher_lease_seconds, report=report
        )

    def other(step: RoundStep) -> Callable[[], None]:
        def run() -> None:
            for key, value in step(db, now=at(), batch=size).items():
                setattr(report, key, getattr(report, key) + value)

        return run

    # One step failing (an SMTP adapter bug, a row that cannot be written) must not stop the
    # others: it is logged and named in the report, and the next round tries again.
    for name, step in (
        ("deliver", deliver),
        ("advance", advance),
        ("expire", expire),
        ("pool", pool),
        ("tidy", tidy),
        ("dispatch", dispatch),
        *((step.name, other(step)) for step in runtime.round_steps),
    ):
        try:
            step()
        except Exception:
            log.exception("dispatcher step failed", extra={"step": name, "worker": worker_id})
            report.failed_steps.append(name)
    try:
        record_round(
            db,
            worker_id=worker_id,
            at=at(),
            offers=report.offered,
            offer_lag_seconds=sum(report.lateness_seconds),
            failed_steps=len(report.failed_steps),
        )
    except Exception:
        # The figures miss one round; the round's work stands.
        log.exception("dispatcher round not counted", extra={"worker": worker_id})
    return report


def run_forever(
    db: Database,
    runtime: CallbackRuntime,
    *,
    worker_id: str,
    stop: threading.Event | None = None,
    batch: int | None = None,
    after_claim: AfterClaim | None = None,
) -> int:
    """Rounds until ``stop`` is set (SIGTERM and SIGINT set it in the main thread); waits
    ``dispatcher_poll_seconds`` after a round that did not fill its batch. A failed round is
    logged and retried after the poll interval. Returns the number of callbacks offered."""
    stop = stop or threading.Event()
    poll = runtime.settings.dispatcher_poll_seconds
    offered = failures = 0
    with stop_on_signals(stop) as received:
        log.info("dispatcher started", extra={"worker": worker_id, "poll_seconds": poll})
        while not stop.is_set():
            try:
                report = run_once(
                    db, runtime, worker_id=worker_id, batch=batch, after_claim=after_claim
                )
            except Exception:
                failures += 1
                log.exception(
                    "dispatcher round failed", extra={"worker": worker_id, "failures": failures}
                )
                stop.wait(poll * min(failures, 10))
                continue
            failures = 0
            offered += report.offered
            if report.did_something:
                log.info("dispatcher round", extra=report.summary())
            if not report.busy:
                stop.wait(poll)
        log.info(
            "dispatcher stopped",
            extra={"worker": worker_id, "offered": offered, "signal": ",".join(received) or None},
        )
    return offered
