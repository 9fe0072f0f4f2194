"""Answered callers written straight into the stored log (an interaction and its IVR walk), for
the tests of how waits are estimated, chosen and shown."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from caredesk.clock import FixedClock
from caredesk.db.session import UnitOfWork
from caredesk.inbound.models import IvrWalk, WalkOutcome, WalkPhase
from caredesk.interactions.models import Interaction


def ended_walk(
    call_id: int, queue: str, *, outcome: WalkOutcome, started_at: datetime, **columns: Any
) -> IvrWalk:
    """The walk of call `call_id` out of the main menu in one step, ended in `queue` with
    `outcome`; `columns` sets the rest (when the caller was queued, answered, what was told)."""
    return IvrWalk(
        interaction_id=call_id,
        phase=WalkPhase.ENDED.value,
        menu="main",
        language="en",
        misses=0,
        trail=[],
        steps_taken=1,
        outcome=outcome.value,
        queue=queue,
        priority=0,
        started_at=started_at,
        **columns,
    )


def log_answered(
    uow: UnitOfWork,
    clock: FixedClock,
    queue: str,
    *,
    ql: float,
    hol: float,
    waited: float,
    n: int,
    told: str = "ql",
    learned: float | None = None,
    **walk: Any,
) -> None:
    """`n` callers of `queue`, 10 s apart, each answered after `waited` seconds and told by
    `told`, with queue length (`ql`, and QL_m the same), head of line (`hol`) and the learned
    predictor (`learned`) logged; `walk` sets any other column of the walk."""
    for _ in range(n):
        clock.advance(timedelta(seconds=10))
        now = clock.now()
        call = Interaction(
            channel="voice", direction="inbound", started_at=now, ended_at=now, created_at=now
        )
        uow.session.add(call)
        uow.session.flush()
        uow.session.add(
            ended_walk(
                call.id,
                queue,
                outcome=WalkOutcome.QUEUED,
                started_at=now - timedelta(seconds=waited),
                queued_at=now - timedelta(seconds=waited),
                answered_at=now,
                waited_seconds=waited,
                estimates={"ql": ql, "ql_m": ql, "les": None, "hol": hol, "learned": learned},
                predictor=told,
                **walk,
            )
        )
    uow.session.flush()
