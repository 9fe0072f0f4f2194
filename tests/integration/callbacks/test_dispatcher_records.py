"""What the dispatcher writes and reports, field by field: an offer's timeline event and audit
record, the three outcomes of an offer under a lease, the "no agent" note and how often it is
written, the round's report and the command line's totals, the figures every worker adds up, and
the log lines an operator reads."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from caredesk.audit.models import AuditEvent
from caredesk.callbacks.dispatch import cli as dispatch_cli
from caredesk.callbacks.dispatch.claims import CallbackClaim, claim_due_callbacks, release_claim
from caredesk.callbacks.dispatch.offers import (
    AgentBoard,
    _offer_one,
    expire_offers,
    offer_claims,
    offer_under_lease,
)
from caredesk.callbacks.dispatch.pooling import pool_overdue_owned
from caredesk.callbacks.dispatch.report import (
    DispatchReport,
    dispatcher_totals,
    record_round,
)
from caredesk.callbacks.dispatch.worker import run_forever, run_once
from caredesk.callbacks.models import Callback, CallbackEvent, CallbackStatus
from caredesk.clock import FixedClock
from caredesk.config import Settings
from caredesk.db.session import Database
from caredesk.policy import AgentState
from tests.integration.callbacks.dispatch_support import (
    callback,
    events,
    force_agent,
    make_account,
    make_agent,
    make_callbacks,
    make_runtime,
)

WORKER = "records-1"
T_ANY = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)


def _claim(db: Database, count: int = 1) -> list[CallbackClaim]:
    account = make_account(db)
    make_callbacks(db, account_id=account, due_at=db.clock.now(), count=count)
    return claim_due_callbacks(db, now=db.clock.now(), batch=10, worker_id=WORKER)


def test_an_offer_is_written_with_its_facts_and_audited(db: Database, clock: FixedClock) -> None:
    agent = make_agent(db)
    [claim] = _claim(db)
    clock.advance(timedelta(seconds=90))
    now = clock.now()
    with db.uow() as uow, uow.atomic():
        assert offer_under_lease(uow, claim, agent, now=now, offer_seconds=120) == "offered"
    expires = (now + timedelta(seconds=120)).isoformat()
    facts = {
        "agent_id": agent,
        "lateness_seconds": 90.0,
        "to_owner": False,
        "from_pool": False,
        "offer_expires_at": expires,
        "worker": WORKER,
    }
    [offered] = [event for event in events(db, claim.id) if event.kind == "offered"]
    assert offered.facts == facts
    assert (offered.from_status, offered.to_status) == ("scheduled", "offered")
    assert offered.detail == f"Offered to agent {agent} in Not Ready - Follow-Up."
    with db.uow() as uow:
        audit = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "callback.offered")
        ).one()
        assert audit.details == facts
        assert audit.before == {"status": "scheduled"}
        assert audit.after == {"status": "offered", "offered_to_agent_id": agent}
    offered_row = callback(db, claim.id)
    assert offered_row.lease_expires_at == now + timedelta(seconds=120)


def test_an_agent_who_left_follow_up_is_gone_and_the_claim_stays_ours(db: Database) -> None:
    agent = make_agent(db)
    [claim] = _claim(db)
    force_agent(db, agent, state=AgentState.READY)
    with db.uow() as uow, uow.atomic():
        outcome = offer_under_lease(uow, claim, agent, now=db.clock.now(), offer_seconds=60)
    assert outcome == "agent_gone"
    row = callback(db, claim.id)
    assert (row.status, row.lease_token) == ("scheduled", claim.lease_token)


def test_a_claim_taken_over_or_a_callback_cancelled_is_a_lost_lease(db: Database) -> None:
    agent = make_agent(db)
    first, second = _claim(db, count=2)
    # One batch shares one lease token: the cancelled callback must not borrow its neighbour's.
    assert first.lease_token == second.lease_token
    with db.uow() as uow, uow.atomic():
        uow.session.execute(
            update(Callback)
            .where(Callback.id == first.id)
            .values(status=CallbackStatus.CANCELLED.value)
        )
    with db.uow() as uow, uow.atomic():
        assert offer_under_lease(uow, first, agent, now=db.clock.now(), offer_seconds=60) == (
            "lease_lost"
        )
    with db.uow() as uow, uow.atomic():
        uow.session.execute(
            update(Callback).where(Callback.id == second.id).values(lease_token="someone-else")
        )
    with db.uow() as uow, uow.atomic():
        assert offer_under_lease(uow, second, agent, now=db.clock.now(), offer_seconds=60) == (
            "lease_lost"
        )
    assert [event.kind for event in events(db, second.id)] == []


def test_no_agent_is_noted_with_who_is_missing_at_most_every_ten_minutes(
    db: Database, clock: FixedClock
) -> None:
    owner = make_agent(db)
    other = make_agent(db)

    def round_of() -> DispatchReport:
        # Both agents were there when the callbacks were claimed, and left before the offer.
        for agent in (owner, other):
            force_agent(db, agent, state=AgentState.NOT_READY_FOLLOW_UP)
        claims = claim_due_callbacks(db, now=clock.now(), batch=10, worker_id=WORKER)
        for agent in (owner, other):
            force_agent(db, agent, state=AgentState.READY)
        report = DispatchReport(worker=WORKER, batch=10)
        offer_claims(db, claims, now=clock.now(), offer_seconds=60, report=report)
        return report

    def notes(callback_id: int) -> list[CallbackEvent]:
        return [event for event in events(db, callback_id) if event.kind == "no_agent"]

    account = make_account(db)
    [pooled] = make_callbacks(db, account_id=account, due_at=clock.now())
    [owned] = make_callbacks(db, account_id=account, due_at=clock.now(), owner_agent_id=owner)
    assert round_of().no_agent == 2
    [note] = notes(pooled)
    assert note.detail == (
        "Due, but no active care agent is in Not Ready - Follow-Up; it stays scheduled."
    )
    assert note.facts == {"owner_agent_id": None, "from_pool": False}
    [owner_note] = notes(owned)
    assert owner_note.detail == (
        f"Due, but its owner (agent {owner}) is not in Not Ready - Follow-Up; it stays scheduled."
    )
    assert owner_note.facts == {"owner_agent_id": owner, "from_pool": False}
    clock.advance(timedelta(minutes=9, seconds=59))
    assert round_of().no_agent == 2
    assert len(notes(pooled)) == 1
    clock.advance(timedelta(seconds=2))
    round_of()
    assert len(notes(pooled)) == 2 and len(notes(owned)) == 2


def test_the_report_counts_messages_and_work_done() -> None:
    report = DispatchReport(worker=WORKER, batch=3)
    assert not report.busy and not report.did_something
    assert report.summary()["failed_steps"] == ""
    assert report.summary()["max_lateness_seconds"] == 0.0
    for field in ("messages_sent", "messages_retried", "messages_dead"):
        one = DispatchReport(worker=WORKER, batch=3)
        setattr(one, field, 2)
        assert not one.busy and one.did_something
        setattr(one, field, 3)
        assert one.busy, field
    mixed = DispatchReport(worker=WORKER, batch=3, messages_sent=1, messages_retried=1)
    mixed.messages_dead = 1
    assert mixed.busy
    mixed.failed_steps.extend(["deliver", "pool"])
    mixed.lateness_seconds.extend([0.5, 2.5])
    summary = mixed.summary()
    assert summary["failed_steps"] == "deliver,pool"
    assert summary["max_lateness_seconds"] == 2.5
    assert "offered_ids" not in summary and "lateness_seconds" not in summary


def test_the_command_lines_totals_add_rounds_up() -> None:
    totals: dict[str, object] = {"worker": "w", "rounds": 0}
    first = DispatchReport(worker="w", batch=5, claimed=2, offered=1)
    first.failed_steps.append("deliver")
    first.lateness_seconds.append(0.25)
    first.offered_ids.append(7)
    second = DispatchReport(worker="w", batch=5, claimed=1, offered=1)
    second.failed_steps.extend(["pool", "tidy"])
    second.lateness_seconds.append(0.5)
    second.offered_ids.append(9)
    dispatch_cli._add(totals, first)
    dispatch_cli._add(totals, second)
    assert totals["worker"] == "w" and "batch" not in totals
    assert totals["rounds"] == 2
    assert totals["claimed"] == 3 and totals["offered"] == 2
    assert totals["failed_steps"] == ["deliver", "pool", "tidy"]
    assert totals["max_lateness_seconds"] == 0.5
    assert totals["offered_ids"] == [7, 9]
    quiet: dict[str, object] = {"worker": "w", "rounds": 0}
    dispatch_cli._add(quiet, DispatchReport(worker="w", batch=5))
    assert quiet["max_lateness_seconds"] == 0.0 and quiet["failed_steps"] == []


def test_every_workers_figures_add_up(db: Database, clock: FixedClock) -> None:
    record_round(db, worker_id="a", at=clock.now(), offers=3, offer_lag_seconds=1.5, failed_steps=2)
    clock.advance(timedelta(seconds=5))
    record_round(db, worker_id="b", at=clock.now(), offers=4, offer_lag_seconds=2.0, failed_steps=0)
    record_round(db, worker_id="b", at=clock.now(), offers=0, offer_lag_seconds=0.0, failed_steps=1)
    with db.uow() as uow:
        totals = dispatcher_totals(uow)
    assert (totals.rounds, totals.failed_steps, totals.offers) == (3, 3, 7)
    assert totals.offer_lag_seconds == 3.5 and totals.last_round_at == clock.now()


def test_a_worker_id_keeps_forty_characters_of_a_long_host_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(dispatch_cli.socket, "gethostname", lambda: "h" * 60)
    monkeypatch.setattr(dispatch_cli.os, "getpid", lambda: 4242)
    host, pid, suffix = dispatch_cli.default_worker_id().split(":")
    assert host == "h" * 40 and pid == "4242" and len(suffix) == 6


def test_the_dispatchers_runtime_runs_on_the_databases_clock(db: Database) -> None:
    settings = Settings(database_url="sqlite://", log_json=False)
    runtime = dispatch_cli.build_runtime(settings, db)
    call = runtime.gateway.dial("13035550123", from_line="+12065550100", call_ref="clock-1")
    # The database's clock stands at the tests' fixed instant, years from the real one.
    later = db.clock.now() + timedelta(hours=1)
    first = runtime.gateway.poll(call, now=later)[0]
    assert timedelta(0) <= first.at - db.clock.now() < timedelta(minutes=5)


def test_the_run_loop_logs_its_start_each_busy_round_its_failures_and_its_stop(
    db: Database, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from caredesk.callbacks.dispatch import worker

    runtime = make_runtime(db, dispatcher_poll_seconds=0.5)
    reports = iter(
        [
            RuntimeError("database away"),
            RuntimeError("still away"),
            DispatchReport(worker=WORKER, batch=50, claimed=1),
            RuntimeError("away again"),
            DispatchReport(worker=WORKER, batch=50),
        ]
    )
    stop = threading.Event()
    waits: list[float] = []

    def fake_round(*_args: object, **_kwargs: object) -> DispatchReport:
        item = next(reports, None)
        if item is None:
            stop.set()
            return DispatchReport(worker=WORKER, batch=50)
        if isinstance(item, Exception):
            raise item
        return item

    monkeypatch.setattr(worker, "run_once", fake_round)
    monkeypatch.setattr(stop, "wait", lambda seconds=None: waits.append(seconds) or stop.is_set())
    with caplog.at_level(logging.INFO, logger="caredesk.callbacks.dispatcher"):
        run_forever(db, runtime, worker_id=WORKER, stop=stop)
    lines = [(record.getMessage(), record.__dict__) for record in caplog.records]
    messages = [message for message, _ in lines]
    assert messages[0] == "dispatcher started"
    assert lines[0][1]["worker"] == WORKER and lines[0][1]["poll_seconds"] == 0.5
    failed = [extra for message, extra in lines if message == "dispatcher round failed"]
    # Failures are counted in a row: a round that works starts the count again.
    counts = [(extra["worker"], extra["failures"]) for extra in failed]
    assert counts == [(WORKER, 1), (WORKER, 2), (WORKER, 1)]
    # The wait after a failure grows with the failures in a row; a quiet round waits the poll.
    assert waits[:3] == [0.5, 1.0, 0.5]
    rounds = [extra for message, extra in lines if message == "dispatcher round"]
    assert len(rounds) == 1 and rounds[0]["claimed"] == 1
    assert messages[-1] == "dispatcher stopped"
    assert lines[-1][1]["worker"] == WORKER and lines[-1][1]["offered"] == 0
    assert lines[-1][1]["signal"] is None


def test_the_board_holds_active_agents_in_follow_up_with_their_open_offers(db: Database) -> None:
    busy = make_agent(db)
    idle = make_agent(db)
    away = make_agent(db, state=AgentState.READY)
    gone = make_agent(db)
    force_agent(db, gone, active=False)
    account = make_account(db)
    make_callbacks(db, account_id=account, due_at=db.clock.now(), status=CallbackStatus.OFFERED)
    # Callbacks the agents took on long ago are not open offers.
    later = db.clock.now() + timedelta(days=1)
    make_callbacks(db, account_id=account, due_at=later, count=3)
    with db.uow() as uow, uow.atomic():
        first = uow.session.scalars(select(Callback.id).order_by(Callback.id)).all()
        uow.session.execute(
            update(Callback).where(Callback.id == first[0]).values(offered_to_agent_id=busy)
        )
        uow.session.execute(
            update(Callback).where(Callback.id.in_(first[1:])).values(offered_to_agent_id=idle)
        )
    [claim] = _claim(db)
    with db.uow() as uow:
        board = AgentBoard.load(uow)
    # The idle agent has no open offer (its three are scheduled), so it comes first.
    assert board.candidates(claim) == [idle, busy]
    assert away not in board.candidates(claim) and gone not in board.candidates(claim)


def test_an_owned_callback_has_no_candidate_but_its_owner() -> None:
    board = AgentBoard({1: "care", 2: "care"}, {})
    owned = CallbackClaim(
        id=5,
        lease_owner=WORKER,
        lease_token="t",
        lease_expires_at=T_ANY,
        due_at=T_ANY,
        line_of_business="care",
        owner_agent_id=9,
        in_assignment_pool=False,
    )
    assert board.candidates(owned) == []
    assert AgentBoard({9: "care"}, {}).candidates(owned) == [9]


def test_offers_go_round_the_agents_fewest_open_offers_first(db: Database) -> None:
    first_agent = make_agent(db)
    second_agent = make_agent(db)
    account = make_account(db)
    [open_offer] = make_callbacks(
        db, account_id=account, due_at=db.clock.now(), status=CallbackStatus.OFFERED
    )
    with db.uow() as uow, uow.atomic():
        uow.session.execute(
            update(Callback)
            .where(Callback.id == open_offer)
            .values(offered_to_agent_id=second_agent)
        )
    claims = _claim(db, count=3)
    report = DispatchReport(worker=WORKER, batch=10)
    offer_claims(db, claims, now=db.clock.now(), offer_seconds=60, report=report)
    offered_to = [callback(db, claim.id).offered_to_agent_id for claim in claims]
    # 0 against 1 open offer, then 1 against 1 (the lower id first), then 2 against 1.
    assert offered_to == [first_agent, first_agent, second_agent]


def test_a_lost_lease_leaves_the_agent_free_for_the_next_callback(db: Database) -> None:
    agent = make_agent(db)
    lost, kept = _claim(db, count=2)
    with db.uow() as uow, uow.atomic():
        uow.session.execute(
            update(Callback).where(Callback.id == lost.id).values(lease_token="taken-over")
        )
    report = DispatchReport(worker=WORKER, batch=10)
    offer_claims(db, [lost, kept], now=db.clock.now(), offer_seconds=60, report=report)
    assert (report.lease_lost, report.offered, report.no_agent) == (1, 1, 0)
    assert callback(db, kept.id).offered_to_agent_id == agent


def test_an_agent_gone_since_the_board_was_read_passes_the_offer_to_the_next(
    db: Database,
) -> None:
    left, stayed = make_agent(db), make_agent(db)
    [claim] = _claim(db)
    with db.uow() as uow:
        board = AgentBoard.load(uow)
    force_agent(db, left, state=AgentState.READY)
    with db.uow() as uow, uow.atomic():
        outcome = _offer_one(uow, claim, board, now=db.clock.now(), offer_seconds=60)
    assert outcome == ("offered", stayed)


def test_a_cancelled_callback_is_not_given_back_to_the_schedule(db: Database) -> None:
    make_agent(db)
    [claim] = _claim(db)
    with db.uow() as uow, uow.atomic():
        uow.session.execute(
            update(Callback)
            .where(Callback.id == claim.id)
            .values(status=CallbackStatus.CANCELLED.value)
        )
    with db.uow() as uow, uow.atomic():
        assert release_claim(uow, claim) is False
    row = callback(db, claim.id)
    assert (row.status, row.lease_token) == ("cancelled", claim.lease_token)


def test_the_wait_after_failures_stops_growing_at_ten_polls(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    from caredesk.callbacks.dispatch import worker

    stop = threading.Event()
    waits: list[float] = []

    def failing_round(*_args: object, **_kwargs: object) -> DispatchReport:
        raise RuntimeError("database away")

    def wait(seconds: float | None = None) -> bool:
        waits.append(seconds or 0.0)
        if len(waits) == 12:
            stop.set()
        return stop.is_set()

    monkeypatch.setattr(worker, "run_once", failing_round)
    monkeypatch.setattr(stop, "wait", wait)
    run_forever(db, make_runtime(db, dispatcher_poll_seconds=0.5), worker_id=WORKER, stop=stop)
    assert waits == [0.5 * n for n in range(1, 11)] + [5.0, 5.0]


@pytest.mark.parametrize(
    ("name", "function"),
    [
        ("deliver", "deliver_due"),
        ("advance", "advance_after_notifications"),
        ("expire", "expire_offers"),
        ("pool", "pool_overdue_owned"),
        ("tidy", "prune_oldest"),
        ("dispatch", "claim_due_callbacks"),
    ],
)
def test_a_failing_step_is_named_logged_and_the_others_still_run(
    db: Database,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    function: str,
) -> None:
    from caredesk.callbacks.dispatch import worker

    def broken(*_args: object, **_kwargs: object) -> object:
        raise RuntimeError(f"{name} broke")

    monkeypatch.setattr(worker, function, broken)
    with caplog.at_level(logging.ERROR, logger="caredesk.callbacks.dispatcher"):
        report = run_once(db, make_runtime(db), worker_id=WORKER)
    assert report.failed_steps == [name]
    [failed] = [record for record in caplog.records if record.getMessage() != "dispatcher round"]
    assert failed.getMessage() == "dispatcher step failed"
    assert (failed.__dict__["step"], failed.__dict__["worker"]) == (name, WORKER)
    # The round is still counted, its failed step with it.
    with db.uow() as uow:
        assert dispatcher_totals(uow).failed_steps == 1


def test_a_round_that_cannot_be_counted_is_logged_and_its_work_stands(
    db: Database, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from caredesk.callbacks.dispatch import worker

    agent = make_agent(db)
    [due] = make_callbacks(db, account_id=make_account(db), due_at=db.clock.now())

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("figures away")

    monkeypatch.setattr(worker, "record_round", broken)
    with caplog.at_level(logging.ERROR, logger="caredesk.callbacks.dispatcher"):
        report = run_once(db, make_runtime(db), worker_id=WORKER)
    assert report.offered_ids == [due] and report.worker == WORKER
    assert callback(db, due).offered_to_agent_id == agent
    [failed] = caplog.records
    assert failed.getMessage() == "dispatcher round not counted"
    assert failed.__dict__["worker"] == WORKER


def test_an_expired_offer_goes_back_with_its_facts_and_audit(
    db: Database, clock: FixedClock
) -> None:
    agent = make_agent(db)
    [claim] = _claim(db)
    offered_at = clock.now()
    with db.uow() as uow, uow.atomic():
        assert offer_under_lease(uow, claim, agent, now=offered_at, offer_seconds=60) == "offered"
    clock.advance(timedelta(seconds=61))
    assert expire_offers(db, now=clock.now(), batch=10, worker_id="sweeper") == 1
    row = callback(db, claim.id)
    assert (row.status, row.offered_to_agent_id, row.lease_token) == ("scheduled", None, None)
    [expired] = [event for event in events(db, claim.id) if event.kind == "offer_expired"]
    facts = {
        "agent_id": agent,
        "offered_at": offered_at.isoformat(),
        "lease_expired_at": (offered_at + timedelta(seconds=60)).isoformat(),
        "worker": "sweeper",
    }
    assert expired.facts == facts
    assert expired.detail == (
        "The agent did not start the call before the offer ran out; "
        "the callback is back in the schedule."
    )
    assert (expired.from_status, expired.to_status, expired.at) == (
        "offered",
        "scheduled",
        clock.now(),
    )
    with db.uow() as uow:
        audit = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "callback.offer_expired")
        ).one()
        assert audit.details == facts
        assert audit.before == {"status": "offered", "offered_to_agent_id": agent}
        assert audit.after == {"status": "scheduled"}
        assert audit.actor == expired.actor


def test_an_owned_callback_overdue_goes_to_the_pool_with_its_reason(
    db: Database, clock: FixedClock
) -> None:
    owner = make_agent(db)
    due_at = clock.now() - timedelta(minutes=45, seconds=30)
    [owned] = make_callbacks(db, account_id=make_account(db), due_at=due_at, owner_agent_id=owner)
    assert pool_overdue_owned(db, now=clock.now(), overdue_minutes=30, worker_id="pool-1") == 1
    assert callback(db, owned).in_assignment_pool is True
    [pooled] = [event for event in events(db, owned) if event.kind == "pooled"]
    facts = {
        "owner_agent_id": owner,
        "due_at": due_at.isoformat(),
        "minutes_overdue": 45.5,
        "limit_minutes": 30,
        "worker": "pool-1",
    }
    reason = (
        f"Owner (agent {owner}) had not reached it 46 minutes after it was due (limit 30); "
        "moved to the line of business's assignment pool."
    )
    assert (pooled.facts, pooled.detail, pooled.rule_ids) == (facts, reason, ["OB-SA-OWNERSHIP"])
    assert pooled.at == clock.now()
    with db.uow() as uow:
        audit = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "callback.pooled")
        ).one()
        assert audit.before == {"in_assignment_pool": False}
        assert audit.after == {"in_assignment_pool": True}
        assert audit.details == {**facts, "reason": reason}
        assert audit.actor == pooled.actor
    # Within the limit, nothing moves.
    [recent] = make_callbacks(
        db, account_id=make_account(db), due_at=clock.now(), owner_agent_id=owner
    )
    assert pool_overdue_owned(db, now=clock.now(), overdue_minutes=30, worker_id="pool-1") == 0
    assert callback(db, recent).in_assignment_pool is False


def test_a_batch_that_cannot_be_written_is_offered_one_by_one(
    db: Database, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from caredesk.callbacks.dispatch import offers

    make_agent(db)
    claims = _claim(db, count=4)
    broken_batch = {"left": 1}
    real_load = offers.AgentBoard.load

    def load_once_broken(uow: object) -> AgentBoard:
        if broken_batch["left"]:
            broken_batch["left"] -= 1
            raise RuntimeError("batch write failed")
        return real_load(uow)  # type: ignore[arg-type]

    real_offer_one = offers._offer_one
    unwritable = {claims[1].id, claims[2].id}

    def offer_one(uow: object, claim: CallbackClaim, *args: object, **kwargs: object) -> object:
        if claim.id in unwritable:
            raise RuntimeError("row cannot be written")
        return real_offer_one(uow, claim, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(offers.AgentBoard, "load", staticmethod(load_once_broken))
    monkeypatch.setattr(offers, "_offer_one", offer_one)
    report = DispatchReport(worker=WORKER, batch=10)
    with caplog.at_level(logging.WARNING, logger="caredesk.callbacks.dispatcher"):
        offer_claims(db, claims, now=db.clock.now(), offer_seconds=60, report=report)
    assert (report.offered, report.failed) == (2, 2)
    assert report.offered_ids == [claims[0].id, claims[3].id]
    lines = [(record.getMessage(), record.__dict__) for record in caplog.records]
    assert lines[0][0] == "offering a batch failed; offering one by one"
    assert (lines[0][1]["worker"], lines[0][1]["claims"]) == (WORKER, 4)
    failed = [
        extra["callback_id"] for message, extra in lines if message == "offering a callback failed"
    ]
    assert failed == [claims[1].id, claims[2].id]


def test_lost_leases_are_counted_and_logged_each(
    db: Database, caplog: pytest.LogCaptureFixture
) -> None:
    make_agent(db)
    claims = _claim(db, count=2)
    with db.uow() as uow, uow.atomic():
        uow.session.execute(
            update(Callback)
            .where(Callback.id.in_([claim.id for claim in claims]))
            .values(lease_token="taken-over")
        )
    report = DispatchReport(worker=WORKER, batch=10)
    with caplog.at_level(logging.WARNING, logger="caredesk.callbacks.dispatcher"):
        offer_claims(db, claims, now=db.clock.now(), offer_seconds=60, report=report)
    assert report.lease_lost == 2
    logged = [
        (record.__dict__["callback_id"], record.__dict__["worker"])
        for record in caplog.records
        if record.getMessage() == "callback lease lost before the offer"
    ]
    assert logged == [(claim.id, WORKER) for claim in claims]
