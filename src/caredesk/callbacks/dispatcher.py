"""The dispatcher: hands due callbacks to agents in Not Ready - Follow-Up.

One round (``run_once``) does, each step in its own transaction: deliver the outbox messages that
are due, move callbacks whose notification went out on to the schedule, return expired offers,
send overdue owned callbacks to the pool (OB-SA-OWNERSHIP), then claim due callbacks under a lease
and offer each to an agent. ``run_forever`` repeats rounds until SIGTERM or SIGINT.

Who is offered a callback: its owner while it is owned and the owner is in Not Ready -
Follow-Up; otherwise (unowned, or fallen back to the pool) an active agent of its line of
business in Not Ready - Follow-Up, the one with the fewest open offers first, ties by id."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from types import FrameType
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update

from caredesk.agents.models import Agent
from caredesk.audit.service import record
from caredesk.callbacks.claims import (
    DISPATCHER,
    FOLLOW_UP,
    OFFERED,
    SCHEDULED,
    CallbackClaim,
    add_event,
    check_batch,
    check_lease_seconds,
    check_now,
    check_worker_id,
    claim_due_callbacks,
    expire_offers,
    offer_under_lease,
    release_claim,
)
from caredesk.callbacks.dispatch_stats import record_round
from caredesk.callbacks.models import Callback, CallbackEvent
from caredesk.callbacks.runtime import CallbackRuntime
from caredesk.callbacks.scheduling import advance_after_notifications
from caredesk.channels.delivery import RetryPolicy, deliver_due
from caredesk.db.session import Database, UnitOfWork

log = logging.getLogger(__name__)

# A callback nobody can take is noted on its timeline at most this often.
NO_AGENT_NOTE_EVERY = timedelta(minutes=10)
# Steps that work through a backlog stop after this many batches, so one round stays short.
MAX_BATCHES_PER_STEP = 20

AfterClaim = Callable[[list[CallbackClaim]], None]


@dataclass
class DispatchReport:
    worker: str
    batch: int
    messages_sent: int = 0
    messages_retried: int = 0
    messages_dead: int = 0
    notifications_advanced: int = 0
    offers_expired: int = 0
    pooled: int = 0
    claimed: int = 0
    offered: int = 0
    no_agent: int = 0
    lease_lost: int = 0
    # Could not be written; the claim runs out and the callback is claimed again.
    failed: int = 0
    failed_steps: list[str] = field(default_factory=list)
    offered_ids: list[int] = field(default_factory=list)
    lateness_seconds: list[float] = field(default_factory=list)

    @property
    def busy(self) -> bool:
        """A full batch of callbacks or messages was taken: more may be due, so the next round
        should not wait."""
        messages = self.messages_sent + self.messages_retried + self.messages_dead
        return self.claimed >= self.batch or messages >= self.batch

    @property
    def did_something(self) -> bool:
        counts = self.summary()
        return any(
            value for key, value in counts.items() if key not in {"worker", "batch"} and value
        )

    def summary(self) -> dict[str, Any]:
        counts = asdict(self)
        del counts["offered_ids"], counts["lateness_seconds"]
        counts["failed_steps"] = ",".join(self.failed_steps)
        counts["max_lateness_seconds"] = max(self.lateness_seconds, default=0.0)
        return counts


class AgentBoard:
    """Eligible agents and their open offers, read once per batch and kept current as offers
    are made. Another worker's offers since the read are not seen; that only skews the balance
    for one batch, never who may be offered what (the offer itself re-checks the agent)."""

    def __init__(self, agents: dict[int, str], offers: dict[int, int]) -> None:
        self._lob = dict(agents)
        self._offers = {agent_id: offers.get(agent_id, 0) for agent_id in agents}

    @classmethod
    def load(cls, uow: UnitOfWork) -> AgentBoard:
        agents = {
            row.id: row.line_of_business
            for row in uow.session.execute(
                select(Agent.id, Agent.line_of_business).where(
                    Agent.active.is_(True), Agent.state == FOLLOW_UP
                )
            )
        }
        offers: dict[int, int] = {}
        if agents:
            counted = uow.session.execute(
                select(Callback.offered_to_agent_id, func.count())
                .where(Callback.status == OFFERED, Callback.offered_to_agent_id.in_(agents))
                .group_by(Callback.offered_to_agent_id)
            )
            offers = {agent_id: count for agent_id, count in counted if agent_id is not None}
        return cls(agents, offers)

    def candidates(self, claim: CallbackClaim) -> list[int]:
        if claim.owner_only:
            return [claim.owner_agent_id] if claim.owner_agent_id in self._lob else []
        pool = [agent_id for agent_id, lob in self._lob.items() if lob == claim.line_of_business]
        return sorted(pool, key=lambda agent_id: (self._offers[agent_id], agent_id))

    def offered(self, agent_id: int) -> None:
        self._offers[agent_id] += 1

    def gone(self, agent_id: int) -> None:
        self._lob.pop(agent_id, None)


def _note_no_agent(uow: UnitOfWork, claim: CallbackClaim, *, now: datetime) -> None:
    noted = uow.session.scalar(
        select(CallbackEvent.id)
        .where(
            CallbackEvent.callback_id == claim.id,
            CallbackEvent.kind == "no_agent",
            CallbackEvent.at > now - NO_AGENT_NOTE_EVERY,
        )
        .limit(1)
    )
    if noted is not None:
        return
    who = (
        f"its owner (agent {claim.owner_agent_id}) is not"
        if claim.owner_only
        else f"no active {claim.line_of_business} agent is"
    )
    add_event(
        uow,
        callback_id=claim.id,
        kind="no_agent",
        detail=f"Due, but {who} in Not Ready - Follow-Up; it stays scheduled.",
        facts={"owner_agent_id": claim.owner_agent_id, "from_pool": claim.in_assignment_pool},
        at=now,
    )


def _offer_one(
    uow: UnitOfWork,
    claim: CallbackClaim,
    board: AgentBoard,
    *,
    now: datetime,
    offer_seconds: float,
) -> tuple[str, int | None]:
    """Offers one claimed callback (no commit): "offered" with the agent, "no_agent" (claim
    released) or "lease_lost" (nothing written)."""
    for agent_id in board.candidates(claim):
        outcome = offer_under_lease(uow, claim, agent_id, now=now, offer_seconds=offer_seconds)
        if outcome == "offered":
            board.offered(agent_id)
            return outcome, agent_id
        if outcome == "lease_lost":
            return outcome, None
        board.gone(agent_id)
    if not release_claim(uow, claim):
        return "lease_lost", None
    _note_no_agent(uow, claim, now=now)
    return "no_agent", None


def offer_claims(
    db: Database,
    claims: list[CallbackClaim],
    *,
    now: datetime,
    offer_seconds: float,
    report: DispatchReport,
) -> None:
    """Offers each claimed callback to an eligible agent. The batch is written in one
    transaction; if that fails, each callback is tried in its own, so one that cannot be
    written never holds back the rest (its claim runs out and it is claimed again)."""
    if not claims:
        return
    check_lease_seconds(offer_seconds, "offer_seconds")
    outcomes: list[tuple[CallbackClaim, str, int | None]] = []
    try:
        with db.uow() as uow:
            board = AgentBoard.load(uow)
            # The timeline and audit rows go in together at commit, not one by one before
            # each UPDATE.
            with uow.session.no_autoflush:
                for claim in claims:
                    outcome, agent_id = _offer_one(
                        uow, claim, board, now=now, offer_seconds=offer_seconds
                    )
                    outcomes.append((claim, outcome, agent_id))
            uow.commit()
    except Exception:
        log.exception(
            "offering a batch failed; offering one by one",
            extra={"worker": claims[0].lease_owner, "claims": len(claims)},
        )
        outcomes = []
        with db.uow() as uow:
            board = AgentBoard.load(uow)
        for claim in claims:
            try:
                with db.uow() as uow:
                    outcome, agent_id = _offer_one(
                        uow, claim, board, now=now, offer_seconds=offer_seconds
                    )
                    uow.commit()
            except Exception:
                log.exception("offering a callback failed", extra={"callback_id": claim.id})
                outcome, agent_id = "failed", None
            outcomes.append((claim, outcome, agent_id))
    for claim, outcome, _agent_id in outcomes:
        if outcome == "offered":
            report.offered += 1
            report.offered_ids.append(claim.id)
            report.lateness_seconds.append((now - claim.due_at).total_seconds())
        elif outcome == "no_agent":
            report.no_agent += 1
        elif outcome == "failed":
            report.failed += 1
        else:
            report.lease_lost += 1
            log.warning(
                "callback lease lost before the offer",
                extra={"callback_id": claim.id, "worker": claim.lease_owner},
            )


def pool_overdue_owned(
    db: Database, *, now: datetime, overdue_minutes: int, batch: int = 100, worker_id: str
) -> int:
    """OB-SA-OWNERSHIP: an owned SCHEDULED callback still waiting more than ``overdue_minutes``
    after its due time goes to its line of business's assignment pool, recorded. Commits."""
    check_worker_id(worker_id)
    check_now(now)
    check_batch(batch)
    overdue = (
        Callback.status == SCHEDULED,
        Callback.owner_agent_id.is_not(None),
        Callback.in_assignment_pool.is_(False),
        Callback.due_at < now - timedelta(minutes=overdue_minutes),
    )
    with db.uow() as uow:
        query = (
            select(Callback.id, Callback.owner_agent_id, Callback.due_at)
            .where(*overdue)
            .order_by(Callback.due_at, Callback.id)
            .limit(batch)
        )
        if db.dialect == "postgresql":
            query = query.with_for_update(skip_locked=True, of=Callback)
        pooled = 0
        for row in uow.session.execute(query).all():
            result = cast(
                "CursorResult[Any]",
                uow.session.execute(
                    update(Callback)
                    .where(Callback.id == row.id, *overdue)
                    .values(
                        in_assignment_pool=True,
                        pooled_at=now,
                        version=Callback.version + 1,
                        updated_at=now,
                    )
                    .execution_options(synchronize_session=False)
                ),
            )
            if result.rowcount != 1:
                continue
            late_minutes = (now - row.due_at).total_seconds() / 60
            facts = {
                "owner_agent_id": row.owner_agent_id,
                "due_at": row.due_at.isoformat(),
                "minutes_overdue": round(late_minutes, 1),
                "limit_minutes": overdue_minutes,
                "worker": worker_id,
            }
            reason = (
                f"Owner (agent {row.owner_agent_id}) had not reached it {late_minutes:.0f} "
                f"minutes after it was due (limit {overdue_minutes}); moved to the "
                "line of business's assignment pool."
            )
            add_event(
                uow,
                callback_id=row.id,
                kind="pooled",
                detail=reason,
                facts=facts,
                rule_ids=["OB-SA-OWNERSHIP"],
                at=now,
            )
            record(
                uow,
                actor=DISPATCHER,
                action="callback.pooled",
                subject_type="callback",
                subject_id=row.id,
                before={"in_assignment_pool": False},
                after={"in_assignment_pool": True},
                details={**facts, "reason": reason},
            )
            pooled += 1
        uow.commit()
    return pooled


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

    # One step failing (an SMTP adapter bug, a row that cannot be written) must not stop the
    # others: it is logged and named in the report, and the next round tries again.
    for name, step in (
        ("deliver", deliver),
        ("advance", advance),
        ("expire", expire),
        ("pool", pool),
        ("dispatch", dispatch),
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


@contextmanager
def stop_on_signals(stop: threading.Event) -> Iterator[list[str]]:
    """SIGTERM and SIGINT set ``stop`` (the current round finishes first) while inside; the
    names of the signals received are collected in the list it yields."""
    received: list[str] = []
    if threading.current_thread() is not threading.main_thread():
        yield received
        return

    def handler(signum: int, _frame: FrameType | None) -> None:
        # Only flags: logging from inside a signal handler could interleave with a log line the
        # interrupted code was writing.
        received.append(signal.Signals(signum).name)
        stop.set()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield received
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


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
