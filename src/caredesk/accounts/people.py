"""Use cases for the people on an account and their contact points. PINs/passcodes and SSN
last-4 are hashed as soon as they are checked and are never returned, logged or audited."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from caredesk.accounts import checks, values
from caredesk.accounts.models import (
    ContactKind,
    ContactLabel,
    ContactPoint,
    Person,
    PersonRole,
)
from caredesk.accounts.values import ContactPointSpec, PersonSpec
from caredesk.audit.service import Actor, record
from caredesk.db.session import UnitOfWork
from caredesk.errors import Conflict, NotFound, ValidationFailed
from caredesk.security import hash_account_secret, verify_account_secret


@dataclass
class _CheckedContact:
    kind: str
    value: str
    label: str | None
    verified: bool
    given_by: str
    given_at: datetime | None
    interaction_id: int | None
    note: str | None


@dataclass
class CheckedPerson:
    first_name: str
    last_name: str
    role: str
    pin_hash: str | None = field(repr=False)
    ssn_last4_hash: str | None = field(repr=False)
    contacts: list[_CheckedContact]


def _check_contact(spec: ContactPointSpec, prefix: str, now: datetime) -> _CheckedContact:
    kind = checks.choice(f"{prefix}kind", ContactKind, spec.kind)
    if len(spec.value) > 254:
        raise ValidationFailed("must be at most 254 characters", field=f"{prefix}value")
    value = checks.valid(
        f"{prefix}value", lambda raw: values.normalise_contact_value(kind, raw), spec.value
    )
    label = checks.choice(f"{prefix}label", ContactLabel, spec.label) if spec.label else None
    given_at = checks.instant(f"{prefix}given_at", spec.given_at)
    if given_at is not None and given_at > now:
        raise ValidationFailed("must not be in the future", field=f"{prefix}given_at")
    return _CheckedContact(
        kind=kind.value,
        value=value,
        label=label.value if label else None,
        verified=spec.verified,
        given_by=checks.valid(f"{prefix}given_by", values.check_given_by, spec.given_by),
        given_at=given_at,
        interaction_id=checks.identifier(f"{prefix}interaction_id", spec.interaction_id),
        note=checks.optional_text(f"{prefix}note", spec.note, max_length=500),
    )


def _check_contacts(
    specs: Sequence[ContactPointSpec], prefix: str, now: datetime
) -> list[_CheckedContact]:
    checked: list[_CheckedContact] = []
    for index, spec in enumerate(specs):
        contact = _check_contact(spec, f"{prefix}contact_points[{index}].", now)
        if any((c.kind, c.value) == (contact.kind, contact.value) for c in checked):
            raise Conflict(
                "the same contact point is given twice",
                field=f"{prefix}contact_points[{index}].value",
            )
        checked.append(contact)
    return checked


def check_person(spec: PersonSpec, prefix: str, now: datetime) -> CheckedPerson:
    first = checks.required_text(f"{prefix}first_name", spec.first_name, max_length=100)
    last = checks.required_text(f"{prefix}last_name", spec.last_name, max_length=100)
    role = checks.choice(f"{prefix}role", PersonRole, spec.role)
    contacts = _check_contacts(spec.contact_points, prefix, now)
    pin = None if spec.pin is None else checks.valid(f"{prefix}pin", values.check_pin, spec.pin)
    ssn = (
        None
        if spec.ssn_last4 is None
        else checks.valid(f"{prefix}ssn_last4", values.check_ssn_last4, spec.ssn_last4)
    )
    # Hashed here, while checking, so the plain values go no further than this function.
    return CheckedPerson(
        first_name=first,
        last_name=last,
        role=role.value,
        pin_hash=None if pin is None else hash_account_secret(pin),
        ssn_last4_hash=None if ssn is None else hash_account_secret(ssn),
        contacts=contacts,
    )


def new_person(account_id: int, checked: CheckedPerson, now: datetime) -> Person:
    person = Person(
        account_id=account_id,
        first_name=checked.first_name,
        last_name=checked.last_name,
        role=checked.role,
        pin_hash=checked.pin_hash,
        ssn_last4_hash=checked.ssn_last4_hash,
        created_at=now,
    )
    person.contact_points = [_new_contact(c, now) for c in checked.contacts]
    return person


def _new_contact(checked: _CheckedContact, now: datetime) -> ContactPoint:
    return ContactPoint(
        kind=checked.kind,
        value=checked.value,
        label=checked.label,
        verified=checked.verified,
        given_by=checked.given_by,
        given_at=checked.given_at or now,
        interaction_id=checked.interaction_id,
        note=checked.note,
        created_at=now,
    )


def _contact_snapshot(contact: ContactPoint) -> dict[str, Any]:
    return {
        "id": contact.id,
        "kind": contact.kind,
        "value": contact.value,
        "label": contact.label,
        "verified": contact.verified,
        "given_by": contact.given_by,
        "interaction_id": contact.interaction_id,
    }


def person_snapshot(person: Person) -> dict[str, Any]:
    # Which secrets are on file is a fact worth auditing; the secrets themselves never are.
    on_file = (("pin", person.has_pin), ("ssn_last4", person.has_ssn_last4))
    return {
        "id": person.id,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "role": person.role,
        "verification_on_file": [name for name, present in on_file if present],
        "contact_points": [_contact_snapshot(c) for c in person.contact_points],
    }


def add_person(
    uow: UnitOfWork,
    *,
    actor: Actor,
    account_id: int,
    first_name: str,
    last_name: str,
    role: PersonRole | str = PersonRole.AUTHORISED_USER,
    pin: str | None = None,
    ssn_last4: str | None = None,
    contact_points: Sequence[ContactPointSpec] = (),
) -> Person:
    with checks.conflicts_named(), uow.atomic():
        now = uow.clock.now()
        spec = PersonSpec(first_name, last_name, str(role), pin, ssn_last4, tuple(contact_points))
        checked = check_person(spec, "", now)
        account = checks.open_account(uow, account_id)
        if checked.role == PersonRole.ACCOUNT_HOLDER and any(
            p.role == PersonRole.ACCOUNT_HOLDER for p in account.people
        ):
            raise Conflict("the account already has an account holder", field="role")
        person = new_person(account.id, checked, now)
        uow.session.add(person)
        checks.flush(uow)
        record(
            uow,
            actor=actor,
            action="account.person_added",
            subject_type="account",
            subject_id=account.id,
            after=person_snapshot(person),
        )
        return person


def get_person(uow: UnitOfWork, *, account_id: int, person_id: int) -> Person:
    person = uow.session.get(Person, person_id) if 1 <= person_id <= values.MAX_ID else None
    if person is None or person.account_id != account_id:
        raise NotFound(f"no person {person_id} on account {account_id}", field="person_id")
    return person


def people_query(*, account_id: int) -> Select[Person]:
    return select(Person).where(Person.account_id == account_id)


def add_contact_point(
    uow: UnitOfWork,
    *,
    actor: Actor,
    account_id: int,
    person_id: int,
    kind: ContactKind | str,
    value: str,
    label: ContactLabel | str | None = None,
    verified: bool = False,
    given_by: str = "customer",
    given_at: datetime | None = None,
    interaction_id: int | None = None,
    note: str | None = None,
) -> ContactPoint:
    """Adds a number or address to a person, with where it came from (OB-SCOPE-CUSTOMER)."""
    with checks.conflicts_named(), uow.atomic():
        spec = ContactPointSpec(
            str(kind),
            value,
            str(label) if label else None,
            verified,
            given_by,
            given_at,
            interaction_id,
            note,
        )
        now = uow.clock.now()
        checked = _check_contact(spec, "", now)
        checks.open_account(uow, account_id)
        person = get_person(uow, account_id=account_id, person_id=person_id)
        if any((c.kind, c.value) == (checked.kind, checked.value) for c in person.contact_points):
            raise Conflict("the person already has this contact point", field="value")
        contact = _new_contact(checked, now)
        contact.person_id = person.id
        uow.session.add(contact)
        checks.flush(uow)
        record(
            uow,
            actor=actor,
            action="account.contact_point_added",
            subject_type="account",
            subject_id=account_id,
            after={"person_id": person.id, **_contact_snapshot(contact)},
        )
        return contact


def find_contact_point(uow: UnitOfWork, *, account_id: int, phone: str) -> ContactPoint | None:
    """The account's contact point for this number, if it is one (numbers we may call)."""
    try:
        e164 = values.normalise_phone(phone)
    except ValueError:
        return None
    return uow.session.scalar(
        select(ContactPoint)
        .join(Person, Person.id == ContactPoint.person_id)
        .where(
            Person.account_id == account_id,
            ContactPoint.kind == ContactKind.PHONE,
            ContactPoint.value == e164,
        )
        .order_by(ContactPoint.id)
        .limit(1)
    )


def verify_person_pin(uow: UnitOfWork, *, person_id: int, pin: str) -> bool:
    """True when ``pin`` matches the person's PIN/passcode; False when none is on file."""
    person = uow.session.get(Person, person_id) if 1 <= person_id <= values.MAX_ID else None
    if person is None:
        raise NotFound(f"no person with id {person_id}", field="person_id")
    if person.pin_hash is None:
        return False
    return verify_account_secret(person.pin_hash, pin)
