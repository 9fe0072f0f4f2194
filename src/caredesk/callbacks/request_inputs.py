"""Checking a callback request's inputs before anything is written: each refusal names the
field at fault."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from caredesk.accounts import values as account_values
from caredesk.accounts.models import ContactKind, Person, PersonRole
from caredesk.accounts.models import ContactPoint as ContactRow
from caredesk.accounts.people import get_person
from caredesk.agents.models import Agent as AgentRow
from caredesk.agents.service import get_agent
from caredesk.callbacks.inputs import Slots
from caredesk.callbacks.models import Callback, CallbackEvent
from caredesk.callbacks.records import Event
from caredesk.db.idempotency_keys import HEADER as IDEMPOTENCY_FIELD
from caredesk.db.session import UnitOfWork
from caredesk.errors import Conflict, NotFound, ValidationFailed
from caredesk.policy import CallbackOrigin

MAX_POLICY_REFERENCE = 200
MAX_SLOTS = 10


def check_choice(kind: Any, value: Any, field: str) -> Any:
    try:
        return kind(value)
    except ValueError:
        names = ", ".join(member.value for member in kind)
        raise ValidationFailed(f"must be one of: {names}", field=field) from None


def person_to_call(uow: UnitOfWork, account_id: int, person_id: int | None) -> Person:
    if person_id is not None:
        return get_person(uow, account_id=account_id, person_id=person_id)
    people = list(uow.session.scalars(select(Person).where(Person.account_id == account_id)))
    holders = [p for p in people if p.role == PersonRole.ACCOUNT_HOLDER.value]
    chosen = next(iter(holders or sorted(people, key=lambda p: p.id)), None)
    if chosen is None:
        raise ValidationFailed("the account has nobody on it to call", field="person_id")
    return chosen


def number_to_call(uow: UnitOfWork, account_id: int, person: Person, number: str | None) -> str:
    if number is not None:
        try:
            return account_values.normalise_phone(number)
        except ValueError as exc:
            raise ValidationFailed(str(exc), field="number") from None
    phones = uow.session.execute(
        select(ContactRow.person_id, ContactRow.value)
        .join(Person, Person.id == ContactRow.person_id)
        .where(Person.account_id == account_id, ContactRow.kind == ContactKind.PHONE.value)
        .order_by(ContactRow.id)
    ).all()
    own = [value for person_id, value in phones if person_id == person.id]
    found = next(iter(own or [value for _, value in phones]), None)
    if found is None:
        raise ValidationFailed("the account has no phone number to call", field="number")
    return str(found)


def check_slots(
    slots: Slots | None, origin: CallbackOrigin, now: datetime
) -> list[tuple[Any, Any]]:
    if slots is None:
        return []
    if origin is not CallbackOrigin.SA_EMAIL_REQUEST:
        raise ValidationFailed("only an email request offers times by email", field="slots")
    if not 1 <= len(slots) <= MAX_SLOTS:
        raise ValidationFailed(f"offer 1 to {MAX_SLOTS} times", field="slots")
    checked = []
    for index, (start, end) in enumerate(slots):
        where = f"slots[{index}]"
        if start.tzinfo is None or end.tzinfo is None:
            raise ValidationFailed("must include a UTC offset", field=where)
        if start <= now:
            raise ValidationFailed("must be in the future", field=where)
        if not timedelta(minutes=5) <= end - start <= timedelta(hours=12):
            raise ValidationFailed("a time ends 5 minutes to 12 hours after it starts", field=where)
        checked.append((start, end))
    if len({start for start, _ in checked}) != len(checked):
        raise ValidationFailed("two times start at the same moment", field="slots")
    return sorted(checked)


def agent_or_none(uow: UnitOfWork, agent_id: int | None, field: str) -> AgentRow | None:
    if agent_id is None:
        return None
    try:
        return get_agent(uow, agent_id=agent_id)
    except NotFound:
        raise NotFound(f"no agent with id {agent_id}", field=field) from None


@dataclass(frozen=True)
class Submitted:
    callback: Callback
    created: bool
    """False when an earlier request with the same idempotency key made it."""


def find_by_idempotency_key(uow: UnitOfWork, key: str) -> Callback | None:
    return uow.session.scalar(select(Callback).where(Callback.idempotency_key == key))


def replay(uow: UnitOfWork, existing: Callback, fingerprint: str) -> Submitted:
    first = uow.session.scalar(
        select(CallbackEvent)
        .where(CallbackEvent.callback_id == existing.id, CallbackEvent.kind == Event.REQUESTED)
        .order_by(CallbackEvent.id)
        .limit(1)
    )
    stored = (first.facts or {}).get("request_fingerprint") if first else None
    if stored != fingerprint:
        raise Conflict(
            f"this key was already used for a different request (callback {existing.id}); "
            "send a new key for a new request",
            field=IDEMPOTENCY_FIELD,
            extra={"callback_id": existing.id},
        )
    return Submitted(existing, False)
