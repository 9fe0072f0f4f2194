"""For the leader's Queues page tests: a caller who takes "call me back, keep my place" in the
technical queue, and answered callers with every predictor's estimate logged."""

from __future__ import annotations

from caredesk.clock import FixedClock
from caredesk.db.session import UnitOfWork
from tests.api.test_inbound_routing import TECHNICAL, Floor
from tests.api.test_ivr_calls import answer
from tests.api.test_ivr_waits import to_queue
from tests.integration.inbound.walks import log_answered


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
    log_answered(uow, clock, queue, ql=ql, hol=hol, waited=waited, n=n, estimate_seconds=ql)
