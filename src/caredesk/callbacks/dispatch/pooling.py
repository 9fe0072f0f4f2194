"""Owned callbacks overdue past the owner's grace go to their line of business's pool
(OB-SA-OWNERSHIP)."""

from __future__ import annotations

from datetime import datetime, timedelta

from caredesk.audit.service import record
from caredesk.callbacks.dispatch.claims import (
    DISPATCHER,
    SCHEDULED,
    check_batch,
    check_now,
    check_worker_id,
)
from caredesk.callbacks.models import Callback
from caredesk.callbacks.records import Event, add_event
from caredesk.db.leases import claim_rows
from caredesk.db.session import Database


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
    with db.uow() as uow, uow.atomic():
        pooled = claim_rows(
            uow,
            Callback,
            candidates=overdue,
            order_by=(Callback.due_at, Callback.id),
            values={
                "in_assignment_pool": True,
                "pooled_at": now,
                "version": Callback.version + 1,
                "updated_at": now,
            },
            batch=batch,
            returning=(Callback.owner_agent_id, Callback.due_at),
        )
        for row in (claimed.after for claimed in pooled):
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
                row.id,
                actor=DISPATCHER,
                kind=Event.POOLED,
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
    return len(pooled)
