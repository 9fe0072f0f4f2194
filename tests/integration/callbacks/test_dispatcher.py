"""The dispatcher on one database: leases, who is offered what, expiry, the pool fallback."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from caredesk.audit.models import AuditEvent
from caredesk.callbacks.dispatch import offers as offers_module
from caredesk.callbacks.dispatch import worker as worker_module
from caredesk.callbacks.dispatch.claims import CallbackClaim, claim_due_callbacks
from caredesk.callbacks.dispatch.offers import NO_AGENT_NOTE_EVERY, expire_offers, offer_claims
from caredesk.callbacks.dispatch.pooling import pool_overdue_owned
from caredesk.callbacks.dispatch.report import DispatchReport
from caredesk.callbacks.dispatch.worker import run_once
from caredesk.callbacks.models import Callback, CallbackEvent, CallbackStatus
from caredesk.channels import outbox
from caredesk.channels.models import OutboxMessage, OutboxStatus
from caredesk.channels.ports import Channel, OutboundMessage
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.errors import ValidationFailed
from caredesk.policy import AgentState, LineOfBusiness
from tests.integration.callbacks.dispatch_support import (
    audit_actions,
    callback,
    event_kinds,
    events,
    force_agent,
    make_account,
    make_agent,
    make_callbacks,
    make_runtime,
    offers_per_callback,
    set_state,
    statuses,
)

S = CallbackStatus


def one_due(db: Database, clock: FixedClock, **fields: object) -> int:
    [callback_id] = make_callbacks(
        db, account_id=make_account(db), due_at=clock.now() - timedelta(minutes=1), **fields
    )
    return callback_id


def offer(db: Database, claims: list, now: object, seconds: float = 120) -> DispatchReport:
    report = DispatchReport(worker="test", batch=50)
    offer_claims(db, claims, now=now, offer_seconds=seconds, report=report)  # type: ignore[arg-type]
    return report


def test_a_claim_leases_and_a_second_claim_waits_for_expiry(
    db: Database, clock: FixedClock
) -> None:
    make_agent(db)
    callback_id = one_due(db, clock)
    [claim] = claim_due_callbacks(db, now=clock.now(), lease_seconds=60, worker_id="a")
    leased = callback(db, callback_id)
    assert leased.status == S.SCHEDULED
    assert leased.lease_owner == "a" and leased.lease_token == claim.lease_token
    assert re.fullmatch(r"[0-9a-f]{32}", claim.lease_token)
    assert leased.lease_expires_at == clock.now() + timedelta(seconds=60)
    assert leased.version == 0  # a claim is not a change of the callback itself

    assert claim_due_callbacks(db, now=clock.now(), worker_id="b") == []
    clock.advance(timedelta(seconds=60))
    assert claim_due_callbacks(db, now=clock.now(), worker_id="b") == []  # expires, not expired
    clock.advance(timedelta(seconds=1))
    [again] = claim_due_callbacks(db, now=clock.now(), worker_id="b")
    assert again.id == callback_id and again.lease_token != claim.lease_token
    assert callback(db, callback_id).lease_owner == "b"


def test_only_due_scheduled_callbacks_are_claimed_earliest_first(
    db: Database, clock: FixedClock
) -> None:
    make_agent(db)
    account_id = make_account(db)
    now = clock.now()
    late = make_callbacks(db, account_id=account_id, due_at=now - timedelta(hours=2))
    on_time = make_callbacks(db, account_id=account_id, due_at=now)
    early = make_callbacks(db, account_id=account_id, due_at=now - timedelta(hours=3), count=2)
    make_callbacks(db, account_id=account_id, due_at=now + timedelta(seconds=1))
    for status in (S.OFFERED, S.DIALING, S.IN_CALL, S.WRAP_UP, S.AWAITING_NOTIFICATION):
        make_callbacks(db, account_id=account_id, due_at=now - timedelta(days=1), status=status)
    claims = claim_due_callbacks(db, now=now, batch=3, worker_id="a")
    assert [claim.id for claim in claims] == early + late
    claims = claim_due_callbacks(db, now=now, batch=3, worker_id="a")
    assert [claim.id for claim in claims] == on_time
    with db.uow() as uow:
        leased = uow.session.scalar(select(func.count()).where(Callback.lease_token.is_not(None)))
    assert leased == 4


def test_a_full_batch_of_a_thousand(db: Database, clock: FixedClock) -> None:
    make_agent(db)
    make_callbacks(
        db, account_id=make_account(db), due_at=clock.now() - timedelta(minutes=5), count=1005
    )
    claims = claim_due_callbacks(db, now=clock.now(), batch=1000, worker_id="a")
    assert len(claims) == 1000 and len({claim.id for claim in claims}) == 1000
    assert len(claim_due_callbacks(db, now=clock.now(), batch=1000, worker_id="b")) == 5


def test_the_owner_is_offered_an_owned_callback(db: Database, clock: FixedClock) -> None:
    pool_agent = make_agent(db)  # lower id, no offers: would win in the pool
    owner = make_agent(db)
    callback_id = one_due(db, clock, owner_agent_id=owner)
    report = run_once(db, make_runtime(db), now=clock.now(), worker_id="w")
    assert (report.claimed, report.offered, report.offered_ids) == (1, 1, [callback_id])
    offered = callback(db, callback_id)
    assert offered.status == S.OFFERED and offered.offered_to_agent_id == owner != pool_agent
    assert offered.offered_at == clock.now()
    assert offered.lease_expires_at == clock.now() + timedelta(seconds=120)
    assert offered.version == 1 and not offered.in_assignment_pool
    [event] = events(db, callback_id)
    assert (event.kind, event.from_status, event.to_status) == ("offered", "scheduled", "offered")
    assert event.facts is not None
    assert event.facts["agent_id"] == owner and event.facts["lateness_seconds"] == 60.0
    assert event.facts["to_owner"] is True and event.facts["from_pool"] is False
    assert audit_actions(db, callback_id) == ["callback.offered"]
    assert report.lateness_seconds == [60.0]


def test_an_owned_callback_waits_for_its_owner_then_falls_back_to_the_pool(
    db: Database, clock: FixedClock
) -> None:
    pool_agent = make_agent(db)
    owner = make_agent(db, state=AgentState.NOT_READY_BREAK)
    [callback_id] = make_callbacks(
        db, account_id=make_account(db), due_at=clock.now(), owner_agent_id=owner
    )
    runtime = make_runtime(db, owned_overdue_to_pool_minutes=30)

    report = run_once(db, runtime, now=clock.now(), worker_id="w")
    assert (report.claimed, report.offered, report.pooled) == (0, 0, 0)
    clock.advance(timedelta(minutes=30))  # overdue by exactly the limit: still the owner's
    assert run_once(db, runtime, now=clock.now(), worker_id="w").pooled == 0
    waiting = callback(db, callback_id)
    assert waiting.status == S.SCHEDULED and waiting.lease_token is None
    assert event_kinds(db, callback_id) == []

    clock.advance(timedelta(seconds=1))
    report = run_once(db, runtime, now=clock.now(), worker_id="w")
    assert (report.pooled, report.offered) == (1, 1)
    pooled = callback(db, callback_id)
    assert pooled.in_assignment_pool and pooled.pooled_at == clock.now()
    assert pooled.owner_agent_id == owner  # who owned it stays on the record
    assert pooled.status == S.OFFERED and pooled.offered_to_agent_id == pool_agent
    assert pooled.version == 2
    first, second = events(db, callback_id)
    assert first.kind == "pooled" and first.rule_ids == ["OB-SA-OWNERSHIP"]
    assert first.facts is not None and first.facts["owner_agent_id"] == owner
    assert first.detail is not None and "30" in first.detail
    assert second.kind == "offered" and second.facts is not None
    assert second.facts["from_pool"] is True and second.facts["to_owner"] is False
    assert audit_actions(db, callback_id) == ["callback.pooled", "callback.offered"]


def test_a_pooled_callback_may_still_go_to_its_owner(db: Database, clock: FixedClock) -> None:
    owner = make_agent(db, state=AgentState.NOT_READY_MEETING)
    callback_id = one_due(db, clock, owner_agent_id=owner)
    clock.advance(timedelta(hours=1))
    assert pool_overdue_owned(db, now=clock.now(), overdue_minutes=30, worker_id="w") == 1
    assert pool_overdue_owned(db, now=clock.now(), overdue_minutes=30, worker_id="w") == 0
    set_state(db, owner, AgentState.NOT_READY_FOLLOW_UP)
    assert run_once(db, make_runtime(db), now=clock.now(), worker_id="w").offered == 1
    assert callback(db, callback_id).offered_to_agent_id == owner


def test_the_pool_goes_to_the_agent_with_fewest_offers_ties_by_id(
    db: Database, clock: FixedClock
) -> None:
    first = make_agent(db)
    second = make_agent(db)
    make_agent(db, lob=LineOfBusiness.GLOBAL_CARE)  # another line of business
    make_agent(db, state=AgentState.READY)  # ready for inbound, not for callbacks
    make_agent(db, state=AgentState.NOT_READY_BREAK)
    force_agent(db, make_agent(db), active=False)
    account_id = make_account(db)
    due = clock.now() - timedelta(minutes=1)
    # ``second`` already holds an offer from an earlier round.
    [held] = make_callbacks(db, account_id=account_id, due_at=due)
    run_once(db, make_runtime(db), now=clock.now(), worker_id="w", batch=1)
    assert callback(db, held).offered_to_agent_id == first
    ids = make_callbacks(db, account_id=account_id, due_at=due, count=3)
    run_once(db, make_runtime(db), now=clock.now(), worker_id="w")
    assert [callback(db, i).offered_to_agent_id for i in ids] == [second, first, second]


def test_with_no_eligible_agent_the_callback_stays_scheduled(
    db: Database, clock: FixedClock
) -> None:
    make_agent(db, state=AgentState.READY)
    make_agent(db, lob=LineOfBusiness.EXPERT_ASSIST)
    callback_id = one_due(db, clock)
    report = run_once(db, make_runtime(db), now=clock.now(), worker_id="w")
    assert (report.claimed, report.offered) == (0, 0)
    waiting = callback(db, callback_id)
    assert waiting.status == S.SCHEDULED and waiting.lease_owner is None
    assert waiting.version == 0 and event_kinds(db, callback_id) == []


def test_an_agent_who_leaves_follow_up_between_claim_and_offer(
    db: Database, clock: FixedClock
) -> None:
    leaving = make_agent(db)
    callback_id = one_due(db, clock)
    claims = claim_due_callbacks(db, now=clock.now(), worker_id="w")
    set_state(db, leaving, AgentState.TALKING)
    report = offer(db, claims, clock.now())
    assert (report.offered, report.no_agent, report.lease_lost) == (0, 1, 0)
    released = callback(db, callback_id)
    assert released.status == S.SCHEDULED and released.lease_token is None
    assert released.lease_expires_at is None and released.offered_to_agent_id is None
    [note] = events(db, callback_id)
    assert note.kind == "no_agent" and note.detail is not None and "care" in note.detail
    assert claim_due_callbacks(db, now=clock.now(), worker_id="w") == []  # nobody to take it

    def race() -> DispatchReport:
        force_agent(db, leaving, state=AgentState.NOT_READY_FOLLOW_UP)
        claims = claim_due_callbacks(db, now=clock.now(), worker_id="w")
        force_agent(db, leaving, active=False)
        try:
            return offer(db, claims, clock.now())
        finally:
            force_agent(db, leaving, active=True, state=AgentState.READY)

    # Noted once per interval, not once per round.
    assert race().no_agent == 1
    assert event_kinds(db, callback_id) == ["no_agent"]
    clock.advance(NO_AGENT_NOTE_EVERY + timedelta(seconds=1))
    assert race().no_agent == 1
    assert event_kinds(db, callback_id) == ["no_agent", "no_agent"]
    assert audit_actions(db, callback_id) == []  # a note on the timeline, not a state change


def test_the_next_agent_is_tried_when_the_first_one_left(db: Database, clock: FixedClock) -> None:
    first = make_agent(db)
    second = make_agent(db)
    callback_id = one_due(db, clock)
    claims = claim_due_callbacks(db, now=clock.now(), worker_id="w")
    set_state(db, first, AgentState.NOT_READY_BREAK)
    assert offer(db, claims, clock.now()).offered == 1
    assert callback(db, callback_id).offered_to_agent_id == second


def test_an_offer_nobody_started_returns_to_the_schedule(db: Database, clock: FixedClock) -> None:
    agent = make_agent(db)
    callback_id = one_due(db, clock)
    runtime = make_runtime(db, dispatcher_lease_seconds=90)
    assert run_once(db, runtime, now=clock.now(), worker_id="w").offered == 1
    set_state(db, agent, AgentState.NOT_READY_BREAK)

    clock.advance(timedelta(seconds=90))
    assert expire_offers(db, now=clock.now(), worker_id="w") == 0
    clock.advance(timedelta(seconds=1))
    report = run_once(db, runtime, now=clock.now(), worker_id="w")
    assert (report.offers_expired, report.claimed) == (1, 0)
    back = callback(db, callback_id)
    assert back.status == S.SCHEDULED and back.offered_to_agent_id is None
    assert back.lease_token is None and back.lease_owner is None and back.version == 2
    _, expired = events(db, callback_id)
    assert (expired.kind, expired.from_status, expired.to_status) == (
        "offer_expired",
        "offered",
        "scheduled",
    )
    assert expired.facts is not None and expired.facts["agent_id"] == agent
    assert audit_actions(db, callback_id) == ["callback.offered", "callback.offer_expired"]

    # Claimable again: offered to whoever is in Not Ready - Follow-Up now.
    other = make_agent(db)
    assert run_once(db, runtime, now=clock.now(), worker_id="w").offered == 1
    assert callback(db, callback_id).offered_to_agent_id == other
    assert offers_per_callback(db)[callback_id] == 2


def test_an_offer_under_a_stale_lease_is_refused(db: Database, clock: FixedClock) -> None:
    make_agent(db)
    callback_id = one_due(db, clock)
    stale = claim_due_callbacks(db, now=clock.now(), lease_seconds=30, worker_id="a")
    clock.advance(timedelta(seconds=31))
    fresh = claim_due_callbacks(db, now=clock.now(), lease_seconds=30, worker_id="b")
    # "a" wakes up after its lease was taken over: nothing it does is written.
    late = offer(db, stale, clock.now())
    assert (late.offered, late.no_agent, late.lease_lost) == (0, 0, 1)
    still = callback(db, callback_id)
    assert still.status == S.SCHEDULED and still.lease_owner == "b" and still.version == 0
    assert event_kinds(db, callback_id) == []
    assert offer(db, fresh, clock.now()).offered == 1
    assert offer(db, stale, clock.now()).lease_lost == 1
    assert offers_per_callback(db) == {callback_id: 1}
    assert callback(db, callback_id).lease_owner == "b"


def test_callbacks_an_agent_started_are_never_touched(db: Database, clock: FixedClock) -> None:
    agent = make_agent(db)
    callback_id = one_due(db, clock)
    claims = claim_due_callbacks(db, now=clock.now(), worker_id="w")
    # The agent dials it directly meanwhile; the service takes it over and clears the lease.
    with db.uow() as uow:
        uow.session.execute(
            update(Callback)
            .where(Callback.id == callback_id)
            .values(
                status=S.DIALING.value,
                lease_owner=None,
                lease_token=None,
                lease_expires_at=None,
                version=Callback.version + 1,
            )
        )
        uow.commit()
    assert offer(db, claims, clock.now()).lease_lost == 1
    clock.advance(timedelta(days=1))
    report = run_once(db, make_runtime(db), now=clock.now(), worker_id="w")
    assert (report.claimed, report.offers_expired, report.pooled) == (0, 0, 0)
    dialing = callback(db, callback_id)
    assert dialing.status == S.DIALING and dialing.offered_to_agent_id is None
    assert dialing.version == 1 and event_kinds(db, callback_id) == []
    assert agent


def test_a_round_delivers_due_messages(db: Database, clock: FixedClock) -> None:
    message = OutboundMessage(
        channel=Channel.EMAIL, to="ana@example.com", subject="Hi", text="Body", idempotency_key="k"
    )
    with db.uow() as uow:
        message_id = outbox.enqueue_message(uow, kind="test", message=message).id
        uow.commit()
    runtime = make_runtime(db)
    report = run_once(db, runtime, now=clock.now(), worker_id="w")
    assert report.messages_sent == 1
    with db.uow() as uow:
        stored = uow.session.get(OutboxMessage, message_id)
        assert stored is not None and stored.status == OutboxStatus.SENT


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"worker_id": ""}, "worker_id"),
        ({"worker_id": "x" * 81}, "worker_id"),
        ({"worker_id": "bad\nname"}, "worker_id"),
        ({"batch": 0}, "batch"),
        ({"batch": 1001}, "batch"),
        ({"lease_seconds": 0}, "lease_seconds"),
        ({"lease_seconds": 86_401}, "lease_seconds"),
        ({"naive": True}, "now"),
    ],
)
def test_bad_claim_arguments_are_refused_and_nothing_is_leased(
    db: Database, clock: FixedClock, arguments: dict, field: str
) -> None:
    make_agent(db)
    one_due(db, clock)
    values = {"worker_id": "w", **arguments}
    now = clock.now().replace(tzinfo=None) if values.pop("naive", False) else clock.now()
    with pytest.raises(ValidationFailed) as refused:
        claim_due_callbacks(db, now=now, **values)
    assert refused.value.field == field
    with db.uow() as uow:
        assert (
            uow.session.scalar(select(func.count()).where(Callback.lease_token.is_not(None))) == 0
        )


callback_audits = (
    select(func.count()).select_from(AuditEvent).where(AuditEvent.subject_type == "callback")
)


def test_bad_round_arguments_are_refused_before_anything_happens(
    db: Database, clock: FixedClock
) -> None:
    make_agent(db)
    one_due(db, clock)
    runtime = make_runtime(db)
    for arguments, field in (
        ({"worker_id": ""}, "worker_id"),
        ({"worker_id": "w", "batch": 5000}, "batch"),
        ({"worker_id": "w", "now": clock.now().replace(tzinfo=None)}, "now"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            run_once(db, runtime, **{"now": clock.now(), **arguments})  # type: ignore[arg-type]
        assert refused.value.field == field
    assert statuses(db) == {"scheduled": 1}
    with db.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(CallbackEvent)) == 0
        assert uow.session.scalar(callback_audits) == 0
        assert uow.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def test_one_callback_that_cannot_be_written_does_not_hold_back_the_batch(
    db: Database, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_agent(db)
    ids = make_callbacks(
        db, account_id=make_account(db), due_at=clock.now() - timedelta(minutes=1), count=4
    )
    broken = ids[1]
    original = offers_module._record_offer

    def record(uow: object, claim: CallbackClaim, *args: object, **kwargs: object) -> None:
        if claim.id == broken:
            raise RuntimeError("disk full")
        original(uow, claim, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(offers_module, "_record_offer", record)
    report = run_once(db, make_runtime(db), now=clock.now(), worker_id="w")
    assert (report.claimed, report.offered, report.failed) == (4, 3, 1)
    assert sorted(report.offered_ids) == sorted(set(ids) - {broken})
    stuck = callback(db, broken)
    # Nothing of it was written; its claim runs out and it is claimed again.
    assert stuck.status == S.SCHEDULED and stuck.lease_owner == "w" and stuck.version == 0
    assert event_kinds(db, broken) == [] and audit_actions(db, broken) == []

    monkeypatch.undo()
    clock.advance(timedelta(seconds=121))
    report = run_once(db, make_runtime(db), now=clock.now(), worker_id="w")
    # (The other three offers ran out at the same time and were offered again.)
    assert broken in report.offered_ids and report.failed == 0
    assert offers_per_callback(db)[broken] == 1


def test_a_failing_step_does_not_stop_the_others(
    db: Database, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_agent(db)
    callback_id = one_due(db, clock)

    def broken(*args: object, **kwargs: object) -> None:
        raise ConnectionError("the mail relay is unreachable")

    monkeypatch.setattr(worker_module, "deliver_due", broken)
    report = run_once(db, make_runtime(db), now=clock.now(), worker_id="w")
    assert report.failed_steps == ["deliver"]
    assert report.offered_ids == [callback_id]
    assert report.summary()["failed_steps"] == "deliver"
