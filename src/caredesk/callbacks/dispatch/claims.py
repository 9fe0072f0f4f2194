"""Leases on due callbacks. Any number of dispatchers share the callbacks table without a broker:
a worker claims a due callback by writing its lease (owner, token, expiry) while the callback
stays SCHEDULED, commits, and only then offers it to an agent. The offer is written under the
lease token, so a worker whose lease ran out and was taken over cannot offer anything.

A worker that dies holding a claim loses nothing: the callback is still SCHEDULED and becomes
claimable again when the lease expires. An offer the agent never started expires the same way
and goes back to the schedule (``expire_offers``).

The claim is ``caredesk.db.leases``: candidates read first (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL), then leased with a guarded UPDATE; never one ``UPDATE ... WHERE id IN (SELECT ...
LIMIT n FOR UPDATE SKIP LOCKED)``, which PostgreSQL may re-run and lease every due row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, or_

from caredesk.agents.models import Agent
from caredesk.audit.service import Actor
from caredesk.callbacks.models import Callback, CallbackStatus
from caredesk.db.leases import Lease, LeaseColumns, lease_rows, release_lease
from caredesk.db.session import Database, UnitOfWork
from caredesk.errors import ValidationFailed
from caredesk.policy import AgentState

MAX_WORKER_ID = 80  # callbacks.lease_owner

MAX_BATCH = 1000

MAX_LEASE_SECONDS = 86_400

DISPATCHER = Actor.system("dispatcher")

SCHEDULED = CallbackStatus.SCHEDULED.value

OFFERED = CallbackStatus.OFFERED.value

FOLLOW_UP = AgentState.NOT_READY_FOLLOW_UP.value


@dataclass(frozen=True)
class CallbackClaim:
    """A due callback leased to one worker until ``lease_expires_at``; still SCHEDULED."""

    id: int
    lease_owner: str
    lease_token: str
    lease_expires_at: datetime
    due_at: datetime
    line_of_business: str
    owner_agent_id: int | None
    in_assignment_pool: bool

    @property
    def owner_only(self) -> bool:
        """OB-SA-OWNERSHIP: an owned callback goes to its owner until it falls back to the pool."""
        return self.owner_agent_id is not None and not self.in_assignment_pool


def check_worker_id(worker_id: str) -> str:
    if not worker_id or len(worker_id) > MAX_WORKER_ID or not worker_id.isprintable():
        raise ValidationFailed(
            f"must be 1 to {MAX_WORKER_ID} printable characters", field="worker_id"
        )
    return worker_id


def check_now(now: datetime) -> datetime:
    if now.tzinfo is None:
        raise ValidationFailed("must include a UTC offset", field="now")
    return now


def check_batch(batch: int) -> int:
    if not 1 <= batch <= MAX_BATCH:
        raise ValidationFailed(f"must be 1 to {MAX_BATCH}", field="batch")
    return batch


def check_lease_seconds(seconds: float, field: str = "lease_seconds") -> float:
    if not 0 < seconds <= MAX_LEASE_SECONDS:
        raise ValidationFailed(f"must be above 0 and at most {MAX_LEASE_SECONDS}", field=field)
    return seconds


LEASE = LeaseColumns(
    owner=Callback.lease_owner, token=Callback.lease_token, expires=Callback.lease_expires_at
)


def lease_is_free(now: datetime) -> ColumnElement[bool]:
    return LEASE.free(now)


def claim_due_callbacks(
    db: Database,
    *,
    now: datetime,
    batch: int = 50,
    lease_seconds: float = 120,
    worker_id: str,
) -> list[CallbackClaim]:
    """Leases up to ``batch`` due SCHEDULED callbacks to ``worker_id``, earliest due first, and
    commits. A callback whose earlier lease has expired is due again."""
    check_worker_id(worker_id)
    check_now(now)
    check_batch(batch)
    check_lease_seconds(lease_seconds)
    lease = Lease.take(worker_id, now=now, seconds=lease_seconds)
    # A queue callback holding the caller's place is inbound routing's until its turn.
    due = (Callback.status == SCHEDULED, Callback.due_at <= now, Callback.held_in_queue.is_(False))
    with db.uow() as uow, uow.atomic():
        leased = lease_rows(
            uow,
            Callback,
            LEASE,
            lease,
            candidates=(*due, someone_can_take()),
            guard=due,
            order_by=(Callback.due_at, Callback.id),
            batch=batch,
            returning=(
                Callback.due_at,
                Callback.line_of_business,
                Callback.owner_agent_id,
                Callback.in_assignment_pool,
            ),
        )
    rows = sorted((claimed.after for claimed in leased), key=lambda row: (row.due_at, row.id))
    return [
        CallbackClaim(
            id=row.id,
            lease_owner=worker_id,
            lease_token=lease.token,
            lease_expires_at=lease.expires_at,
            due_at=row.due_at,
            line_of_business=row.line_of_business,
            owner_agent_id=row.owner_agent_id,
            in_assignment_pool=bool(row.in_assignment_pool),
        )
        for row in rows
    ]


def release_claim(uow: UnitOfWork, claim: CallbackClaim) -> bool:
    """Gives a claim back (no commit): the callback stays SCHEDULED and is claimable at once.
    False when the lease was no longer ours."""
    return release_lease(
        uow,
        Callback,
        LEASE,
        claim.id,
        claim.lease_token,
        guard=(Callback.status == SCHEDULED,),
    )


def agent_can_take(agent_id: Any) -> ColumnElement[bool]:
    """The agent is active and in Not Ready - Follow-Up, the state callbacks are dialled from."""
    return exists().where(Agent.id == agent_id, Agent.active.is_(True), Agent.state == FOLLOW_UP)


def someone_can_take() -> ColumnElement[bool]:
    """An eligible agent exists for the callback: its owner while it is owned, else anyone of its
    line of business. A due callback nobody can take is not claimed at all, so it cannot crowd
    out the callbacks behind it round after round."""
    pool_agent = exists().where(
        Agent.line_of_business == Callback.line_of_business,
        Agent.active.is_(True),
        Agent.state == FOLLOW_UP,
    )
    owned = and_(Callback.owner_agent_id.is_not(None), Callback.in_assignment_pool.is_(False))
    return or_(and_(owned, agent_can_take(Callback.owner_agent_id)), and_(~owned, pool_agent))
