"""For the leader's Queues page tests: a caller who takes "call me back, keep my place" in the
technical queue, and answered callers with every predictor's estimate logged."""

from __future__ import annotations

from datetime import timedelta

from caredesk.clock import FixedClock
from caredesk.db.session import UnitOfWork
from caredesk.inbound.models import IvrWalk, WalkOutcome, WalkPhase
from caredesk.interactions.models import Interaction
from tests.api.test_inbound_routing import TECHNICAL, Floor
from tests.api.test_ivr_calls import answer
from tests.api.test_ivr_waits import to_queue


def takes_callback(floor: Floor, number: str) -> int:
    """A caller on a known account who takes "call me back, keep my place" in technical."""
    offered = to_queue(floor.client, floor.phone, number, *TECHNICAL)
    assert offered["phase"] == "offer", offered
    done = answer(floor.client, offered["id"], floor.phone, digit="1").json()
    assert done["result"]["outcome"] == "callback", done
    return int(done["result"]["callback_id"])


def answered(
    uow: UnitOfWork, clock: FixedClock, queue: str, *, ql: float, hol: float, waited: float, n: int
) -> None:
    """`n` callers of `queue` told by queue length (`ql`), head of line having said `hol`, each
    answered after `waited` seconds, 10 s apart."""
    for _ in range(n):
        clock.advance(timedelta(seconds=10))
        now = clock.now()
        call = Interaction(
            channel="voice", direction="inbound", started_at=now, ended_at=now, created_at=now
        )
        uow.session.add(call)
        uow.session.flush()
        uow.session.add(
            IvrWalk(
                interaction_id=call.id,
                phase=WalkPhase.ENDED.value,
                menu="main",
                language="en",
                misses=0,
                trail=[],
                steps_taken=1,
                outcome=WalkOutcome.QUEUED.value,
                queue=queue,
                priority=0,
                started_at=now - timedelta(seconds=waited),
                queued_at=now - timedelta(seconds=waited),
                answered_at=now,
                waited_seconds=waited,
                estimate_seconds=ql,
                estimates={"ql": ql, "ql_m": ql, "les": None, "hol": hol, "learned": None},
                predictor="ql",
            )
        )
