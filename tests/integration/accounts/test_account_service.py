"""Accounts, people and contact points through the service layer, on both engines."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from caredesk.accounts import people, service
from caredesk.accounts.models import Account, Person
from caredesk.accounts.values import ContactPointSpec, LineSpec, PersonSpec, ServiceAddress
from caredesk.audit.models import AuditEvent
from caredesk.db.session import Database
from caredesk.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from caredesk.security import PEPPERED_PREFIX
from tests.integration.accounts.builders import (
    ACTOR,
    PIN,
    SSN_LAST4,
    AccountMaker,
    counts,
    holder,
)


def test_create_account_with_people_contacts_and_lines(
    db: Database, make_account: AccountMaker
) -> None:
    account = make_account(balance="12.5", past_due=True, plan_name="Unlimited Plus")
    with db.uow() as uow:
        stored = service.get_account(uow, account_id=account.id)
        assert stored.number == "ACC-0001234"
        assert stored.status == "active"
        assert stored.balance == Decimal("12.50")
        assert stored.past_due is True
        assert stored.service_address.country == "US"
        assert stored.priority_handling is False
        (person,) = stored.people
        assert person.role == "account_holder"
        assert person.has_pin and person.has_ssn_last4
        assert [c.value for c in person.contact_points] == [
            "+12125550123",
            "ana.lopez@example.com",
        ]
        phone = person.contact_points[0]
        assert phone.given_by == "customer"
        assert phone.given_at == db.clock.now()
        assert [line.msisdn for line in stored.lines] == ["+12125550123"]
        events = list(uow.session.scalars(select(AuditEvent)))
        assert [e.action for e in events] == ["account.created"]
        assert events[0].details is not None
        assert events[0].details["people"][0]["verification_on_file"] == ["pin", "ssn_last4"]


def test_invalid_phone_in_second_contact_point_writes_nothing(db: Database) -> None:
    before = counts(db)
    person = holder(
        contact_points=(
            ContactPointSpec(kind="phone", value="+12125550123"),
            ContactPointSpec(kind="phone", value="555-0000-not-a-number"),
        )
    )
    with db.uow() as uow, pytest.raises(ValidationFailed) as refused:
        service.create_account(uow, actor=ACTOR, number="ACC-0000001", people=[person])
    assert refused.value.field == "people[0].contact_points[1].value"
    assert counts(db) == before


def test_account_needs_exactly_one_holder_when_people_are_given(db: Database) -> None:
    before = counts(db)
    user = holder(role="authorised_user")
    with db.uow() as uow, pytest.raises(ValidationFailed) as none:
        service.create_account(uow, actor=ACTOR, number="ACC-0000002", people=[user])
    with db.uow() as uow, pytest.raises(ValidationFailed) as two:
        service.create_account(uow, actor=ACTOR, number="ACC-0000002", people=[holder(), holder()])
    assert none.value.field == two.value.field == "people"
    assert counts(db) == before


def test_duplicate_number_is_a_conflict(db: Database, make_account: AccountMaker) -> None:
    make_account()
    before = counts(db)
    with pytest.raises(Conflict) as refused:
        make_account(number="acc-0001234", lines=[])
    assert refused.value.field == "number"
    assert counts(db) == before


def test_number_taken_between_check_and_insert_is_a_conflict(
    db: Database, make_account: AccountMaker, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_account()
    before = counts(db)
    # As if another request inserted the number after this one checked: the unique index is
    # what refuses it, and that must still be a Conflict naming the number.
    monkeypatch.setattr(service, "number_taken", lambda uow, number: False)
    with pytest.raises(Conflict) as refused:
        make_account(lines=[])
    assert refused.value.field == "number"
    assert counts(db) == before


def test_concurrent_creation_of_one_number_lets_exactly_one_through(db: Database) -> None:
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(first_name: str) -> None:
        barrier.wait()
        try:
            with db.uow() as uow:
                service.create_account(
                    uow, actor=ACTOR, number="ACC-0005555", people=[holder(first_name=first_name)]
                )
            outcomes.append("created")
        except Conflict as exc:
            outcomes.append(f"conflict:{exc.field}")

    threads = [threading.Thread(target=attempt, args=(name,)) for name in ("Ana", "Bea")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict:number", "created"]
    with db.uow() as uow:
        accounts = list(uow.session.scalars(select(Account)))
        assert len(accounts) == 1
        assert len(list(uow.session.scalars(select(Person)))) == 1


def test_unknown_zone_is_refused_naming_the_field(db: Database) -> None:
    before = counts(db)
    with db.uow() as uow, pytest.raises(ValidationFailed) as refused:
        service.create_account(
            uow,
            actor=ACTOR,
            number="ACC-0000003",
            service_address=ServiceAddress(time_zone="Mars/Olympus_Mons"),
        )
    assert refused.value.field == "service_address.time_zone"
    assert counts(db) == before


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"number": "1234"}, "number"),
        ({"number": "ACC-1234", "type": "charity"}, "type"),
        ({"number": "ACC-1234", "business_name": "Acme"}, "business_name"),
        ({"number": "ACC-1234", "balance": "1.005"}, "balance"),
        ({"number": "ACC-1234", "balance": "NaN"}, "balance"),
        ({"number": "ACC-1234", "plan_name": "x" * 101}, "plan_name"),
        (
            {"number": "ACC-1234", "service_address": ServiceAddress(country="USA")},
            "service_address.country",
        ),
        (
            {"number": "ACC-1234", "service_address": ServiceAddress(city="a\x00b")},
            "service_address.city",
        ),
        ({"number": "ACC-1234", "lines": [LineSpec(msisdn="12")]}, "lines[0].msisdn"),
        ({"number": "ACC-1234", "people": [holder(pin="12")]}, "people[0].pin"),
        ({"number": "ACC-1234", "people": [holder(pin="")]}, "people[0].pin"),
        (
            {
                "number": "ACC-1234",
                "people": [
                    holder(
                        contact_points=(
                            ContactPointSpec(
                                kind="phone",
                                value="+12125550123",
                                given_at=datetime(2099, 1, 1, tzinfo=UTC),
                            ),
                        )
                    )
                ],
            },
            "people[0].contact_points[0].given_at",
        ),
        ({"number": "ACC-1234", "people": [holder(ssn_last4="123456789")]}, "people[0].ssn_last4"),
    ],
)
def test_bad_inputs_name_the_field_and_write_nothing(
    db: Database, kwargs: dict[str, object], field: str
) -> None:
    before = counts(db)
    with db.uow() as uow, pytest.raises(ValidationFailed) as refused:
        service.create_account(uow, actor=ACTOR, **kwargs)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert PIN not in refused.value.detail
    assert counts(db) == before


def test_account_manager_only_for_business_and_must_exist(db: Database) -> None:
    before = counts(db)
    with db.uow() as uow, pytest.raises(ValidationFailed) as consumer:
        service.create_account(uow, actor=ACTOR, number="ACC-0000004", account_manager_id=1)
    with db.uow() as uow, pytest.raises(NotFound) as missing:
        service.create_account(
            uow, actor=ACTOR, number="ACC-0000004", type="business", account_manager_id=999
        )
    assert consumer.value.field == missing.value.field == "account_manager_id"
    assert counts(db) == before
    with db.uow() as uow:
        business = service.create_account(
            uow, actor=ACTOR, number="ACC-0000004", type="business", business_name="Acme Ltd"
        )
    assert business.priority_handling is True


def test_line_already_in_use_is_a_conflict(db: Database, make_account: AccountMaker) -> None:
    make_account()
    before = counts(db)
    with pytest.raises(Conflict) as refused:
        make_account(
            number="ACC-0009999", lines=[LineSpec(msisdn="212-555-0124"), LineSpec("+12125550123")]
        )
    assert refused.value.field == "lines[1].msisdn"
    assert counts(db) == before


def test_status_changes_follow_the_rules_and_are_audited(
    db: Database, make_account: AccountMaker
) -> None:
    account = make_account()
    with db.uow() as uow:
        service.change_account_status(
            uow, actor=ACTOR, account_id=account.id, status="suspended", reason="fraud review"
        )
    with db.uow() as uow:
        service.change_account_status(
            uow, actor=ACTOR, account_id=account.id, status="closed", reason="customer left"
        )
    with db.uow() as uow, pytest.raises(InvalidTransition) as refused:
        service.change_account_status(
            uow, actor=ACTOR, account_id=account.id, status="active", reason="changed mind"
        )
    assert refused.value.field == "status"
    with db.uow() as uow:
        events = list(
            uow.session.scalars(
                select(AuditEvent)
                .where(AuditEvent.action == "account.status_changed")
                .order_by(AuditEvent.id)
            )
        )
        assert service.get_account(uow, account_id=account.id).status == "closed"
        assert [(e.before, e.after) for e in events] == [
            ({"status": "active"}, {"status": "suspended"}),
            ({"status": "suspended"}, {"status": "closed"}),
        ]
        assert events[0].details == {"reason": "fraud review"}


def test_missing_account_is_not_found_naming_account_id(db: Database) -> None:
    with db.uow() as uow, pytest.raises(NotFound) as refused:
        service.get_account(uow, account_id=42)
    assert refused.value.field == "account_id"


def test_second_account_holder_is_refused(db: Database, make_account: AccountMaker) -> None:
    account = make_account()
    before = counts(db)
    with db.uow() as uow, pytest.raises(Conflict) as refused:
        people.add_person(
            uow,
            actor=ACTOR,
            account_id=account.id,
            first_name="Bo",
            last_name="Li",
            role="account_holder",
        )
    assert refused.value.field == "role"
    assert counts(db) == before
    with db.uow() as uow:
        user = people.add_person(
            uow, actor=ACTOR, account_id=account.id, first_name="Bo", last_name="Li"
        )
    assert user.role == "authorised_user"
    assert not user.has_pin


def test_one_holder_is_kept_by_the_database_too(db: Database, make_account: AccountMaker) -> None:
    from caredesk.accounts import checks

    account = make_account()
    with db.uow() as uow:
        uow.session.add(
            Person(
                account_id=account.id,
                first_name="Bo",
                last_name="Li",
                role="account_holder",
                created_at=uow.clock.now(),
            )
        )
        with pytest.raises(Conflict) as refused:
            checks.flush(uow)
    assert refused.value.field == "role"


def test_contact_point_provenance_and_duplicates(db: Database, make_account: AccountMaker) -> None:
    account = make_account()
    person_id = account.people[0].id
    with db.uow() as uow:
        alternate = people.add_contact_point(
            uow,
            actor=ACTOR,
            account_id=account.id,
            person_id=person_id,
            kind="phone",
            value="+1 650 253 0000",
            label="alternate",
            given_by="agent:7",
            interaction_id=31,
            note="customer troubleshooting the handset being called",
        )
    assert alternate.value == "+16502530000"
    assert (alternate.given_by, alternate.interaction_id) == ("agent:7", 31)
    before = counts(db)
    with db.uow() as uow, pytest.raises(Conflict) as duplicate:
        people.add_contact_point(
            uow,
            actor=ACTOR,
            account_id=account.id,
            person_id=person_id,
            kind="phone",
            value="650-253-0000",
        )
    assert duplicate.value.field == "value"
    with db.uow() as uow, pytest.raises(ValidationFailed) as bad_email:
        people.add_contact_point(
            uow,
            actor=ACTOR,
            account_id=account.id,
            person_id=person_id,
            kind="email",
            value="not an email",
        )
    assert bad_email.value.field == "value"
    with db.uow() as uow, pytest.raises(ValidationFailed) as bad_source:
        people.add_contact_point(
            uow,
            actor=ACTOR,
            account_id=account.id,
            person_id=person_id,
            kind="phone",
            value="+16502530001",
            given_by="neighbour",
        )
    assert bad_source.value.field == "given_by"
    with db.uow() as uow, pytest.raises(NotFound) as stranger:
        people.add_contact_point(
            uow,
            actor=ACTOR,
            account_id=account.id,
            person_id=person_id + 100,
            kind="phone",
            value="+16502530001",
        )
    assert stranger.value.field == "person_id"
    assert counts(db) == before
    with db.uow() as uow:
        found = people.find_contact_point(uow, account_id=account.id, phone="(650) 253-0000")
        assert found is not None and found.id == alternate.id
        assert people.find_contact_point(uow, account_id=account.id, phone="+442071838750") is None


def test_pin_is_verified_against_its_hash_and_never_stored_plain(
    db: Database, make_account: AccountMaker
) -> None:
    account = make_account()
    person_id = account.people[0].id
    with db.uow() as uow:
        assert people.verify_person_pin(uow, person_id=person_id, pin=PIN) is True
        assert people.verify_person_pin(uow, person_id=person_id, pin="000000") is False
        person = uow.session.get(Person, person_id)
        assert person is not None and person.pin_hash and person.ssn_last4_hash
        assert PIN not in person.pin_hash and person.pin_hash.startswith(
            PEPPERED_PREFIX + "$argon2"
        )
        hashes = (person.pin_hash, person.ssn_last4_hash)
        audit_text = json.dumps(
            [[e.before, e.after, e.details] for e in uow.session.scalars(select(AuditEvent))]
        )
    for secret in (PIN, SSN_LAST4, *hashes):
        assert secret not in audit_text
    with db.uow() as uow, pytest.raises(NotFound):
        people.verify_person_pin(uow, person_id=999, pin=PIN)


def test_closed_account_takes_no_new_people(db: Database, make_account: AccountMaker) -> None:
    account = make_account()
    with db.uow() as uow:
        service.change_account_status(
            uow, actor=ACTOR, account_id=account.id, status="closed", reason="moved away"
        )
    with db.uow() as uow, pytest.raises(Conflict) as refused:
        people.add_person(uow, actor=ACTOR, account_id=account.id, first_name="Bo", last_name="Li")
    assert refused.value.field == "account_id"


def test_text_search_matches_number_and_names(db: Database, make_account: AccountMaker) -> None:
    make_account()
    make_account(
        number="ACC-0007777",
        lines=[],
        people=[PersonSpec(first_name="Wei", last_name="Zhang_%", role="account_holder")],
    )
    with db.uow() as uow:

        def numbers(text: str) -> list[str]:
            query = service.accounts_query(text=text).order_by(Account.id)
            return [a.number for a in uow.session.scalars(query)]

        assert numbers("0001234") == ["ACC-0001234"]
        assert numbers("ana lopez") == ["ACC-0001234"]
        assert numbers("zhang_%") == ["ACC-0007777"]
        assert numbers("%") == ["ACC-0007777"]
        assert numbers("nobody") == []
