"""Lines, devices, bills, consent windows, proof facts and zone candidates, on both engines."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from caredesk.accounts import consent, facts, holdings, zones
from caredesk.accounts.models import Bill, ConsentWindow, Device
from caredesk.accounts.values import LineSpec, ServiceAddress
from caredesk.clock import FixedClock
from caredesk.db.registry import load_all_models
from caredesk.db.session import Database
from caredesk.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from caredesk.memos import service as memos
from caredesk.memos.models import MemoKind
from tests.integration.accounts.builders import ACTOR, AccountMaker
from tests.integration.tickets.factories import make_agent


def _count(db: Database, model: type) -> int:
    with db.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(model)) or 0


def test_device_needs_a_line_of_the_same_account_and_only_imei_last4(
    db: Database, make_account: AccountMaker
) -> None:
    account = make_account()
    other = make_account(number="ACC-0002222", lines=[], people=[])
    line_id = account.lines[0].id
    with db.uow() as uow, pytest.raises(ValidationFailed) as full_imei:
        holdings.add_device(
            uow,
            actor=ACTOR,
            account_id=account.id,
            make="Pixel",
            model="9",
            line_id=line_id,
            imei_last4="356938035643809",
        )
    assert full_imei.value.field == "imei_last4"
    assert "356938035643809" not in full_imei.value.detail
    with db.uow() as uow, pytest.raises(NotFound) as foreign_line:
        holdings.add_device(
            uow, actor=ACTOR, account_id=other.id, make="Pixel", model="9", line_id=line_id
        )
    assert foreign_line.value.field == "line_id"
    assert _count(db, Device) == 0
    with db.uow() as uow:
        device = holdings.add_device(
            uow,
            actor=ACTOR,
            account_id=account.id,
            make="Google",
            model="Pixel 9",
            line_id=line_id,
            imei_last4="3809",
        )
    assert (device.imei_last4, device.line_id) == ("3809", line_id)


def test_line_numbers_are_stored_as_e164_and_unique(
    db: Database, make_account: AccountMaker
) -> None:
    account = make_account(lines=[])
    with db.uow() as uow:
        line = holdings.add_line(uow, actor=ACTOR, account_id=account.id, msisdn="212.555.0199")
    assert line.msisdn == "+12125550199"
    with db.uow() as uow, pytest.raises(Conflict) as taken:
        holdings.add_line(uow, actor=ACTOR, account_id=account.id, msisdn="+12125550199")
    assert taken.value.field == "msisdn"


def test_bills_validate_periods_amounts_and_duplicates(
    db: Database, make_account: AccountMaker
) -> None:
    account = make_account()

    def add(**kwargs: object) -> Bill:
        fields: dict[str, object] = {
            "period_start": date(2026, 1, 1),
            "period_end": date(2026, 1, 31),
            "amount": "85.20",
            "due_date": date(2026, 2, 20),
        }
        fields.update(kwargs)
        with db.uow() as uow:
            return holdings.add_bill(uow, actor=ACTOR, account_id=account.id, **fields)  # type: ignore[arg-type]

    bill = add()
    assert (bill.amount, bill.paid) == (Decimal("85.20"), False)
    for kwargs, field in [
        ({"period_start": date(2026, 2, 1), "period_end": date(2026, 1, 1)}, "period_end"),
        (
            {"period_start": date(2026, 2, 1), "period_end": date(2026, 2, 28), "amount": "-1"},
            "amount",
        ),
        (
            {"period_start": date(2026, 2, 1), "period_end": date(2026, 2, 28), "amount": "1.001"},
            "amount",
        ),
        (
            {
                "period_start": date(2026, 2, 1),
                "period_end": date(2026, 2, 28),
                "due_date": date(2026, 1, 1),
            },
            "due_date",
        ),
        (
            {
                "period_start": date(2026, 2, 1),
                "period_end": date(2026, 2, 28),
                "paid_at": datetime(2099, 1, 1, tzinfo=UTC),
            },
            "paid_at",
        ),
        ({"period_start": date(1, 2, 1), "period_end": date(2026, 2, 28)}, "period_start"),
    ]:
        with pytest.raises(ValidationFailed) as refused:
            add(**kwargs)
        assert refused.value.field == field, kwargs
    with pytest.raises(Conflict) as duplicate:
        add()
    assert duplicate.value.field == "period_start"
    assert _count(db, Bill) == 1


def test_consent_windows_are_recorded_listed_and_closed(
    db: Database, make_account: AccountMaker, clock: FixedClock
) -> None:
    account = make_account()
    person_id = account.people[0].id
    now = clock.now()
    start, end = now + timedelta(hours=26), now + timedelta(hours=27)
    with db.uow() as uow:
        window = consent.record_consent(
            uow,
            actor=ACTOR,
            account_id=account.id,
            person_id=person_id,
            window_start=start,
            window_end=end,
            channel="voice",
            callback_id=12,
            time_zone="America/New_York",
        )
    assert window.expires_at == end and window.given_at == now
    assert window.recorded_by == str(ACTOR)
    with db.uow() as uow:
        listed = consent.list_consents(uow, account_id=account.id, in_force_at=now)
        assert [c.id for c in listed] == [window.id]
        assert consent.list_consents(uow, account_id=account.id, in_force_at=end) == []
        assert consent.list_consents(uow, account_id=account.id, callback_id=99) == []
    clock.advance(timedelta(minutes=5))
    with db.uow() as uow:
        closed = consent.close_consent(
            uow, actor=ACTOR, account_id=account.id, consent_id=window.id
        )
    assert closed.closed_at == clock.now()
    with db.uow() as uow:
        assert consent.list_consents(uow, account_id=account.id, in_force_at=clock.now()) == []
    with db.uow() as uow, pytest.raises(InvalidTransition):
        consent.close_consent(uow, actor=ACTOR, account_id=account.id, consent_id=window.id)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"window_end": "start"}, "window_end"),
        ({"window_start": "past", "window_end": "past"}, "window_end"),
        ({"given_at": "future"}, "given_at"),
        ({"time_zone": "Nowhere/Land"}, "time_zone"),
        ({"channel": "pigeon"}, "channel"),
        ({"person_id": 999}, "person_id"),
        ({"window_start": "naive"}, "window_start"),
    ],
)
def test_bad_consent_names_the_field_and_writes_nothing(
    db: Database, make_account: AccountMaker, clock: FixedClock, change: dict, field: str
) -> None:
    account = make_account()
    now = clock.now()
    instants = {
        "start": now + timedelta(hours=2),
        "past": now - timedelta(hours=2),
        "future": now + timedelta(days=1),
        "naive": datetime(2026, 3, 11, 9, 0),
    }
    fields: dict[str, object] = {
        "person_id": account.people[0].id,
        "window_start": now + timedelta(hours=2),
        "window_end": now + timedelta(hours=3),
        "channel": "chat",
    }
    fields.update({k: instants.get(v, v) if isinstance(v, str) else v for k, v in change.items()})
    with db.uow() as uow, pytest.raises((ValidationFailed, NotFound)) as refused:
        consent.record_consent(uow, actor=ACTOR, account_id=account.id, **fields)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert _count(db, ConsentWindow) == 0


def _add_memo(
    db: Database, clock: FixedClock, account_id: int, kind: MemoKind, at: datetime
) -> None:
    """A memo written through the memos domain at `at` (the clock stands there meanwhile)."""
    before = clock.now()
    clock.set(at)
    try:
        with db.uow() as uow:
            memos.create_memo(
                uow,
                actor=ACTOR,
                account_id=account_id,
                kind=kind,
                reason="Dropped call follow-up",
                summary="Walked the customer through the network reset; calls work again.",
                customer_response="Confirmed calls work and has no further concerns.",
                author_agent_id=make_agent(db),
            )
    finally:
        clock.set(before)


def test_proof_facts_are_exactly_three(
    db: Database, make_account: AccountMaker, clock: FixedClock
) -> None:
    account = make_account()
    other = make_account("ACC-0005678", lines=[LineSpec(msisdn="+12125550199")])
    line_id = account.lines[0].id
    with db.uow() as uow:
        holdings.add_bill(
            uow,
            actor=ACTOR,
            account_id=account.id,
            period_start=date(2026, 1, 1),
            period_end=date(2026, 1, 31),
            amount="70.00",
            due_date=date(2026, 2, 20),
        )
        holdings.add_bill(
            uow,
            actor=ACTOR,
            account_id=account.id,
            period_start=date(2026, 2, 1),
            period_end=date(2026, 2, 28),
            amount="72.15",
            due_date=date(2026, 3, 20),
        )
        holdings.add_device(
            uow,
            actor=ACTOR,
            account_id=account.id,
            make="Apple",
            model="iPhone 16",
            line_id=line_id,
        )
        holdings.add_device(
            uow, actor=ACTOR, account_id=account.id, make="Nokia", model="3310 (spare)"
        )
        uow.commit()
    # 02:30 UTC on 5 March is still 4 March in New York, the account's zone; the later memos are
    # not care calls, or on another account.
    _add_memo(db, clock, account.id, MemoKind.CARE_CALL, datetime(2026, 3, 5, 2, 30, tzinfo=UTC))
    _add_memo(db, clock, account.id, MemoKind.CARE_CALL, datetime(2026, 2, 1, 15, 0, tzinfo=UTC))
    _add_memo(
        db, clock, account.id, MemoKind.OUTBOUND_CALL, datetime(2026, 3, 9, 15, 0, tzinfo=UTC)
    )
    _add_memo(db, clock, other.id, MemoKind.CARE_CALL, datetime(2026, 3, 9, 15, 0, tzinfo=UTC))
    with db.uow() as uow:
        proof = facts.proof_facts(uow, account_id=account.id)
    assert proof.last_bill_amount == Decimal("72.15")
    assert proof.devices_in_use == ["Apple iPhone 16"]
    assert proof.last_care_call_date == date(2026, 3, 4)
    assert set(vars(proof)) == {"last_bill_amount", "devices_in_use", "last_care_call_date"}


def test_proof_facts_without_a_memos_table_or_history(
    db: Database, make_account: AccountMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    account = make_account()
    with db.uow() as uow:
        # Against the memos domain's own table, when it is there: no memo yet, no date.
        assert facts.proof_facts(uow, account_id=account.id).last_care_call_date is None
    monkeypatch.setattr(facts, "_memos_table", lambda: None)
    with db.uow() as uow:
        proof = facts.proof_facts(uow, account_id=account.id)
    assert (proof.last_bill_amount, proof.devices_in_use, proof.last_care_call_date) == (
        None,
        [],
        None,
    )
    with db.uow() as uow, pytest.raises(NotFound) as missing:
        facts.proof_facts(uow, account_id=account.id + 1)
    assert missing.value.field == "account_id"


def test_zone_candidates_come_from_the_account_then_the_number(
    db: Database, make_account: AccountMaker
) -> None:
    with_zone = make_account()
    without = make_account(
        number="ACC-0003333", lines=[], people=[], service_address=ServiceAddress(city="Reno")
    )
    with db.uow() as uow:
        account_zone = zones.zones_for_account(uow, account_id=with_zone.id, phone="+16502530000")
        by_line = zones.zones_for_account(uow, account_id=with_zone.id)
        by_phone = zones.zones_for_account(uow, account_id=without.id, phone="650 253 0000")
        unknown = zones.zones_for_account(uow, account_id=without.id)
        with pytest.raises(ValidationFailed) as bad:
            zones.zones_for_account(uow, account_id=without.id, phone="12")
    resolved = account_zone.resolution
    assert (resolved.zones, resolved.source) == (("America/New_York",), "account_address")
    assert by_line.resolution.source == "account_address"
    assert by_phone.number == "+16502530000"
    assert (by_phone.resolution.zones, by_phone.resolution.source) == (
        ("America/Los_Angeles",),
        "phone_number",
    )
    assert (unknown.resolution.zones, unknown.resolution.source) == ((), None)
    assert bad.value.field == "phone"


def test_the_memos_table_still_has_what_proof_facts_reads() -> None:
    load_all_models()
    table = facts._memos_table()
    if table is None:
        pytest.skip("the memos domain has no table yet")
    assert {"account_id", "kind", "created_at"} <= set(table.c.keys())
