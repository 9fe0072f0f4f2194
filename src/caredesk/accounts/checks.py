"""Input checks for the account use cases: each names the field at fault, and storage conflicts
found only by the database (two requests racing) become the same Conflict a pre-check gives."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.interfaces import ORMOption

from caredesk.accounts import values
from caredesk.accounts.models import Account, AccountStatus
from caredesk.db.base import Base
from caredesk.db.session import UnitOfWork
from caredesk.errors import Conflict, NotFound, ValidationFailed

EnumT = TypeVar("EnumT", bound=StrEnum)
MONEY_LIMIT = Decimal("10000000000")  # Numeric(12, 2)

# (what the engine names in its message, the field to blame, the sentence).
_UNIQUE_RULES = (
    (("uq_accounts_number", "accounts.number"), "number", "the account number is taken"),
    (("uq_lines_msisdn", "lines.msisdn"), "msisdn", "the number is already a line"),
    (
        ("uq_contact_points_person_value", "contact_points.person_id"),
        "value",
        "the person already has this contact point",
    ),
    (("uq_people_one_holder", "people.account_id"), "role", "the account has an account holder"),
    (
        ("uq_bills_account_period", "bills.account_id"),
        "period_start",
        "the account has a bill for this period",
    ),
)


def valid(field: str, check: Callable[[str], str], value: str) -> str:
    try:
        return check(value)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field=field) from None


def required_text(field: str, value: str | None, *, max_length: int) -> str:
    text = optional_text(field, value, max_length=max_length)
    if text is None:
        raise ValidationFailed("must not be blank", field=field)
    return text


def optional_text(field: str, value: str | None, *, max_length: int) -> str | None:
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    if len(value) > max_length:
        raise ValidationFailed(f"must be at most {max_length} characters", field=field)
    return valid(field, values.check_text, value)


def choice(field: str, enum: type[EnumT], value: str) -> EnumT:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise ValidationFailed(f"must be one of: {allowed}", field=field) from None


def identifier(field: str, value: int | None) -> int | None:
    if value is not None and not 1 <= value <= values.MAX_ID:
        raise ValidationFailed(f"must be between 1 and {values.MAX_ID}", field=field)
    return value


def instant(field: str, value: datetime | None) -> datetime | None:
    if value is None:
        return None
    try:
        return values.check_instant(value)
    except ValueError as exc:
        raise ValidationFailed(str(exc), field=field) from None


def required_instant(field: str, value: datetime) -> datetime:
    checked = instant(field, value)
    if checked is None:
        raise ValidationFailed("is required", field=field)
    return checked


def money(field: str, value: Decimal | int | str, *, allow_negative: bool) -> Decimal:
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed("must be an amount such as 42.50", field=field) from None
    if not amount.is_finite() or amount != amount.quantize(Decimal("0.01")):
        raise ValidationFailed("must be an amount with at most 2 decimal places", field=field)
    if abs(amount) >= MONEY_LIMIT:
        raise ValidationFailed("is too large", field=field)
    if amount < 0 and not allow_negative:
        raise ValidationFailed("must not be negative", field=field)
    return amount.quantize(Decimal("0.01"))


def require_row(uow: UnitOfWork, table: str, value: int | None, field: str) -> None:
    """A foreign key into another domain's table, checked without importing its models."""
    if value is None:
        return
    identifier(field, value)
    other = Base.metadata.tables[table]
    if uow.session.execute(select(other.c.id).where(other.c.id == value)).first() is None:
        raise NotFound(f"no {table.removesuffix('s')} with id {value}", field=field)


def load_account(
    uow: UnitOfWork,
    account_id: int,
    *,
    for_update: bool = False,
    options: Sequence[ORMOption] = (),
) -> Account:
    """The account (``options``: how its relationships are loaded with it)."""
    if not 1 <= account_id <= values.MAX_ID:
        raise NotFound(f"no account with id {account_id}", field="account_id")
    query = select(Account).where(Account.id == account_id).options(*options)
    if for_update:
        query = query.with_for_update()
    # unique(): a collection loaded by a join repeats the account's row once per item.
    account = uow.session.execute(query).unique().scalar_one_or_none()
    if account is None:
        raise NotFound(f"no account with id {account_id}", field="account_id")
    return account


def open_account(uow: UnitOfWork, account_id: int) -> Account:
    """An account that still takes new people, lines and devices."""
    account = load_account(uow, account_id)
    if account.status == AccountStatus.CLOSED:
        raise Conflict("the account is closed", field="account_id")
    return account


def conflict_from(exc: IntegrityError) -> Conflict | None:
    message = str(exc.orig)
    for markers, field, sentence in _UNIQUE_RULES:
        if any(marker in message for marker in markers):
            return Conflict(sentence, field=field)
    return None


def flush(uow: UnitOfWork) -> None:
    """Flushes; a unique rule broken by a concurrent request is a Conflict, not a crash."""
    try:
        uow.flush()
    except IntegrityError as exc:
        uow.session.rollback()
        conflict = conflict_from(exc)
        if conflict is None:
            raise
        raise conflict from None


@contextmanager
def conflicts_named() -> Iterator[None]:
    """Around a use case's ``uow.atomic()`` block: a unique rule a concurrent request broke
    first, found only when the transaction commits, is the Conflict naming the field."""
    try:
        yield
    except IntegrityError as exc:
        conflict = conflict_from(exc)
        if conflict is None:
            raise
        raise conflict from None
