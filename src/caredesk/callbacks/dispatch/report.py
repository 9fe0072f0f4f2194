"""What one dispatcher round did (``DispatchReport``) and, kept in the database, what every
dispatcher process has done.

What every dispatcher process has done, kept in the database so that any server process
reports the same figures at /metrics: rounds run, callbacks offered and how late they were.

One row per dispatcher worker (its id is host-pid), written by that worker alone at the end of
each round, so workers never wait on each other's row; the metrics add the rows up."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Float,
    String,
    func,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from caredesk.db.base import Base, UTCDateTime
from caredesk.db.session import Database, UnitOfWork


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
    # Old live events and idempotency keys dropped (caredesk.db.pruning).
    pruned: int = 0
    claimed: int = 0
    offered: int = 0
    no_agent: int = 0
    lease_lost: int = 0
    # Could not be written; the claim runs out and the callback is claimed again.
    failed: int = 0
    # Inbound routing (the round step wired by bootstrap): callers offered to agents, offers
    # another round made first, offers that ran out, callers moved by an overflow rule.
    contacts_offered: int = 0
    contact_offers_lost: int = 0
    contact_offers_missed: int = 0
    contacts_moved: int = 0
    # Agents put back to Ready when their After-Call Work after an inbound call was over.
    agents_ready_after_wrap_up: int = 0
    # Queue callbacks ("call me back, keep my place") whose turn in line came: offered to the
    # agent reserved for them, released to be dialled, put off by the policy, refused; and
    # those closed because their turn never came.
    queue_callbacks_offered: int = 0
    queue_callbacks_released: int = 0
    queue_callbacks_put_off: int = 0
    queue_callbacks_refused: int = 0
    queue_callbacks_expired: int = 0
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


class DispatcherWorker(Base):
    __tablename__ = "dispatcher_workers"

    worker_id: Mapped[str] = mapped_column(String(120), primary_key=True)
    rounds: Mapped[int] = mapped_column(BigInteger, default=0)
    failed_steps: Mapped[int] = mapped_column(BigInteger, default=0)
    offers: Mapped[int] = mapped_column(BigInteger, default=0)
    # Sum over offers of (offered at - due at): divided by `offers` it is the mean lag.
    offer_lag_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    first_round_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_round_at: Mapped[datetime] = mapped_column(UTCDateTime())


def record_round(
    db: Database,
    *,
    worker_id: str,
    at: datetime,
    offers: int,
    offer_lag_seconds: float,
    failed_steps: int,
) -> None:
    """Adds one round to the worker's row (creating it on the worker's first round)."""
    with db.uow() as uow, uow.atomic():
        changed = uow.session.execute(
            update(DispatcherWorker)
            .where(DispatcherWorker.worker_id == worker_id)
            .values(
                rounds=DispatcherWorker.rounds + 1,
                failed_steps=DispatcherWorker.failed_steps + failed_steps,
                offers=DispatcherWorker.offers + offers,
                offer_lag_seconds=DispatcherWorker.offer_lag_seconds + offer_lag_seconds,
                last_round_at=at,
            )
            .execution_options(synchronize_session=False)
        )
        if not getattr(changed, "rowcount", 0):
            # Only this worker writes this row, so nobody can insert it meanwhile.
            uow.session.add(
                DispatcherWorker(
                    worker_id=worker_id,
                    rounds=1,
                    failed_steps=failed_steps,
                    offers=offers,
                    offer_lag_seconds=offer_lag_seconds,
                    first_round_at=at,
                    last_round_at=at,
                )
            )


@dataclass(frozen=True)
class DispatcherTotals:
    """Every worker's row added up."""

    rounds: int
    failed_steps: int
    offers: int
    offer_lag_seconds: float
    last_round_at: datetime | None


def dispatcher_totals(uow: UnitOfWork) -> DispatcherTotals:
    row = uow.session.execute(
        select(
            func.coalesce(func.sum(DispatcherWorker.rounds), 0),
            func.coalesce(func.sum(DispatcherWorker.failed_steps), 0),
            func.coalesce(func.sum(DispatcherWorker.offers), 0),
            func.coalesce(func.sum(DispatcherWorker.offer_lag_seconds), 0.0),
            func.max(DispatcherWorker.last_round_at),
        )
    ).one()
    return DispatcherTotals(int(row[0]), int(row[1]), int(row[2]), float(row[3]), row[4])
