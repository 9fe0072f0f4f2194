"""Which predictor a queue's callers are told by, chosen from the stored log of answered callers
(on SQLite and PostgreSQL, with a fixed clock): a queue whose history shows head of line closer
than queue length gets head of line; a queue with too few callers of its own follows the
centre's record; the learned predictor, fitted on a queue's own logged inputs, once it proves
closer; with no history it is the fallback order; a small edge within the switch
margin does not move a queue off the predictor it was told by."""

from __future__ import annotations

import pytest

from caredesk.clock import FixedClock
from caredesk.db.session import Database, UnitOfWork
from caredesk.inbound.waits import estimate_wait, stored_log
from caredesk.routing.wait import Predictor, QueueView, features
from tests.integration.inbound.walks import log_answered

# Both QL (2 ahead, 3 agents of 450 s: 450 s) and head of line (300 s, scaled: 450 s) speak.
VIEW = QueueView(ahead=2, agents=3, mean_handle_seconds=450, head_wait=300)


def answered(
    uow: UnitOfWork,
    clock: FixedClock,
    queue: str,
    *,
    ql: float,
    hol: float,
    waited: float,
    told: str = "ql",
    n: int = 60,
    learned: float | None = None,
) -> None:
    """`n` callers of `queue` told by `told`, each answered after `waited` seconds."""
    log_answered(
        uow,
        clock,
        queue,
        ql=ql,
        hol=hol,
        waited=waited,
        n=n,
        told=told,
        learned=learned,
        wait_inputs=list(features(VIEW)),
    )


def test_no_history_is_the_fallback_order(db: Database) -> None:
    with db.uow() as uow:
        told = estimate_wait(VIEW, queue="billing", log=stored_log(uow))
    assert (told.predictor, told.seconds) == (Predictor.QL, pytest.approx(450.0))
    assert told.every == {
        Predictor.QL: pytest.approx(450.0),
        Predictor.QL_M: pytest.approx(450.0),
        Predictor.LES: None,
        Predictor.HOL: 450.0,
    }


def test_head_of_line_where_the_history_shows_it_closer(db: Database, clock: FixedClock) -> None:
    with db.uow() as uow:
        answered(uow, clock, "billing", ql=100, hol=290, waited=300)
        log = stored_log(uow)
        billing = estimate_wait(VIEW, queue="billing", log=log)
        # Technical has no callers of its own: the centre's record (billing's) decides.
        technical = estimate_wait(VIEW, queue="technical", log=log)
        # Head of line has nothing to say with nobody ahead: queue length it is.
        empty = estimate_wait(
            QueueView(ahead=0, agents=3, mean_handle_seconds=450), queue="billing", log=log
        )
    assert billing.predictor is Predictor.HOL
    assert billing.told("en")["predictor"] == "hol"
    assert technical.predictor is Predictor.HOL
    assert empty.predictor is Predictor.QL


def test_too_few_callers_is_no_record(db: Database, clock: FixedClock) -> None:
    with db.uow() as uow:
        answered(uow, clock, "billing", ql=100, hol=290, waited=300, n=49)
        told = estimate_wait(VIEW, queue="billing", log=stored_log(uow))
    assert told.predictor is Predictor.QL


def test_a_small_edge_keeps_the_predictor_told(db: Database, clock: FixedClock) -> None:
    with db.uow() as uow:
        # Head of line 2% closer than queue length: within the 5% margin, so billing keeps
        # queue length, which its last caller was told by; told by head of line, it keeps that.
        # (Billing's learned predictor speaks now, fitted on its logged inputs, but has no
        # record yet: callers are still compared on queue length and head of line's.)
        answered(uow, clock, "billing", ql=250, hol=250.6, waited=300)
        answered(uow, clock, "account", ql=250, hol=250.6, waited=300, told="hol", n=1)
        log = stored_log(uow)
        billing = estimate_wait(VIEW, queue="billing", log=log)
        account = estimate_wait(VIEW, queue="account", log=log)
    assert billing.predictor is Predictor.QL
    assert account.predictor is Predictor.HOL


def test_the_learned_predictor_once_its_estimates_prove_closer(
    db: Database, clock: FixedClock
) -> None:
    with db.uow() as uow:
        # Queue length and head of line both say 450 s where callers wait 300: the model fitted
        # on billing's own callers says 300, as its logged estimates did.
        answered(uow, clock, "billing", ql=450, hol=450, waited=300, learned=301)
        log = stored_log(uow)
        billing = estimate_wait(VIEW, queue="billing", log=log)
        # Technical has no callers of its own: no model of its own to ask.
        technical = estimate_wait(VIEW, queue="technical", log=log)
    assert billing.predictor is Predictor.LEARNED
    assert billing.seconds == pytest.approx(300, rel=0.01)
    assert billing.every[Predictor.QL] == pytest.approx(450)
    assert Predictor.LEARNED not in technical.every
    assert technical.predictor is Predictor.QL
