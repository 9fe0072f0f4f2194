"""Finding accounts: by status, type, arrears, and by any text a person types for one (its
number, a name, a phone number however written, an email address in any case). Only the
accounts' tables: a list loads none of the audit or people-changing code."""

from __future__ import annotations

from sqlalchemy import ColumnElement, Select, exists, or_, select
from sqlalchemy.orm import lazyload, selectinload

from caredesk.accounts import checks, values
from caredesk.accounts.models import (
    Account,
    AccountStatus,
    AccountType,
    ContactKind,
    ContactPoint,
    Line,
    Person,
)
from caredesk.db.session import UnitOfWork

_PHONE_CHARACTERS = frozenset("0123456789+-.() ")


def _typed_phone(text: str) -> str | None:
    """The E.164 form of ``text`` when it is a phone number however it was written
    ("(313) 656-4363", "313.656.4363", "+1 313 656 4363", "1-313-656-4363"), else None."""
    if not set(text) <= _PHONE_CHARACTERS or sum(c.isdigit() for c in text) < 7:
        return None
    try:
        return values.normalise_phone(text)
    except ValueError:
        return None


def _typed_email(text: str) -> str | None:
    if "@" not in text:
        return None
    try:
        return values.normalise_email(text)
    except ValueError:
        return None


def _reached_at(kind: ContactKind, value: str) -> ColumnElement[bool]:
    """Accounts with someone reachable at ``value`` (stored normalised, so an equality on the
    indexed column finds it)."""
    holders = (
        select(Person.account_id)
        .join(ContactPoint, ContactPoint.person_id == Person.id)
        .where(ContactPoint.kind == kind.value, ContactPoint.value == value)
    )
    found: ColumnElement[bool] = Account.id.in_(holders)
    if kind is ContactKind.PHONE:
        found = or_(found, Account.id.in_(select(Line.account_id).where(Line.msisdn == value)))
    return found


def accounts_query(
    *,
    status: AccountStatus | str | None = None,
    type: AccountType | str | None = None,
    past_due: bool | None = None,
    text: str | None = None,
) -> Select[Account]:
    """Accounts matching every filter given; ``text`` matches the number, the business name or
    the name of anyone on the account, and, when it is a phone number (in any format a person
    types) or an email address (in any case), the accounts with a line or a contact point there.
    """
    query = select(Account)
    if status is not None:
        query = query.where(Account.status == checks.choice("status", AccountStatus, status))
    if type is not None:
        query = query.where(Account.type == checks.choice("type", AccountType, type))
    if past_due is not None:
        query = query.where(Account.past_due == past_due)
    needle = checks.optional_text("q", text, max_length=100)
    if needle:
        full_name = Person.first_name + " " + Person.last_name
        named = exists().where(
            Person.account_id == Account.id, full_name.icontains(needle, autoescape=True)
        )
        matches: list[ColumnElement[bool]] = [
            Account.number.icontains(needle, autoescape=True),
            Account.business_name.icontains(needle, autoescape=True),
            named,
        ]
        phone = _typed_phone(needle)
        if phone is not None:
            matches.append(_reached_at(ContactKind.PHONE, phone))
        email = _typed_email(needle)
        if email is not None:
            matches.append(_reached_at(ContactKind.EMAIL, email))
        query = query.where(or_(*matches))
    return query


def list_accounts(
    uow: UnitOfWork,
    *,
    status: AccountStatus | str | None = None,
    type: AccountType | str | None = None,
    text: str | None = None,
    limit: int = 50,
) -> list[Account]:
    """Accounts with their people; their lines and the people's contact points are read only
    when asked for (a list shows the holder, and two statements fewer at every start)."""
    query = accounts_query(status=status, type=type, text=text).order_by(Account.id).limit(limit)
    query = query.options(
        selectinload(Account.people).lazyload(Person.contact_points), lazyload(Account.lines)
    )
    return list(uow.session.scalars(query))
