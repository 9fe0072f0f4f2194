"""Use cases for accounts: opening one (with its people and lines), finding, listing, and
changing its status."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from caredesk.accounts import checks, values
from caredesk.accounts.models import (
    ACCOUNT_TRANSITIONS,
    Account,
    AccountStatus,
    AccountType,
    Line,
    LineStatus,
    Person,
    PersonRole,
)
from caredesk.accounts.people import check_person, new_person, person_snapshot
from caredesk.accounts.queries import accounts_query as accounts_query
from caredesk.accounts.queries import list_accounts as list_accounts
from caredesk.accounts.values import LineSpec, PersonSpec, ServiceAddress
from caredesk.audit.service import Actor, record
from caredesk.db.session import UnitOfWork
from caredesk.errors import Conflict, InvalidTransition, NotFound, ValidationFailed


def _check_address(address: ServiceAddress) -> ServiceAddress:
    prefix = "service_address."
    country = checks.optional_text(f"{prefix}country", address.country, max_length=2)
    zone = checks.optional_text(f"{prefix}time_zone", address.time_zone, max_length=64)
    return ServiceAddress(
        street=checks.optional_text(f"{prefix}street", address.street, max_length=200),
        city=checks.optional_text(f"{prefix}city", address.city, max_length=100),
        region=checks.optional_text(f"{prefix}region", address.region, max_length=100),
        postal_code=checks.optional_text(
            f"{prefix}postal_code", address.postal_code, max_length=20
        ),
        country=checks.valid(f"{prefix}country", values.check_country, country)
        if country
        else None,
        time_zone=checks.valid(f"{prefix}time_zone", values.check_time_zone, zone)
        if zone
        else None,
    )


def _check_lines(uow: UnitOfWork, specs: Sequence[LineSpec]) -> list[tuple[str, str]]:
    checked: list[tuple[str, str]] = []
    for index, spec in enumerate(specs):
        prefix = f"lines[{index}]."
        msisdn = checks.valid(f"{prefix}msisdn", values.normalise_phone, spec.msisdn)
        status = checks.choice(f"{prefix}status", LineStatus, spec.status)
        if any(existing == msisdn for existing, _ in checked) or msisdn_in_use(uow, msisdn):
            raise Conflict("the number is already a line", field=f"{prefix}msisdn")
        checked.append((msisdn, status.value))
    return checked


def number_taken(uow: UnitOfWork, number: str) -> bool:
    return uow.session.scalar(select(Account.id).where(Account.number == number)) is not None


def msisdn_in_use(uow: UnitOfWork, msisdn: str) -> bool:
    return uow.session.scalar(select(Line.id).where(Line.msisdn == msisdn)) is not None


def account_snapshot(account: Account) -> dict[str, Any]:
    return {
        "number": account.number,
        "status": account.status,
        "type": account.type,
        "business_name": account.business_name,
        "account_manager_id": account.account_manager_id,
        "plan_name": account.plan_name,
        "past_due": account.past_due,
        "balance": str(account.balance),
        "service_address": {
            "street": account.address_street,
            "city": account.address_city,
            "region": account.address_region,
            "postal_code": account.address_postal_code,
            "country": account.address_country,
            "time_zone": account.time_zone,
        },
    }


def create_account(
    uow: UnitOfWork,
    *,
    actor: Actor,
    number: str,
    type: AccountType | str = AccountType.CONSUMER,
    business_name: str | None = None,
    account_manager_id: int | None = None,
    plan_name: str | None = None,
    past_due: bool = False,
    balance: Decimal | int | str = Decimal("0.00"),
    service_address: ServiceAddress | None = None,
    people: Sequence[PersonSpec] = (),
    lines: Sequence[LineSpec] = (),
) -> Account:
    """Opens an account with its people, their contact points and its lines: all or nothing."""
    with checks.conflicts_named(), uow.atomic():
        number = checks.valid("number", values.check_account_number, number)
        account_type = checks.choice("type", AccountType, type)
        business_name = checks.optional_text("business_name", business_name, max_length=200)
        if account_type != AccountType.BUSINESS:
            if business_name is not None:
                raise ValidationFailed("only business accounts have one", field="business_name")
            if account_manager_id is not None:
                raise ValidationFailed(
                    "only business accounts have an account manager", field="account_manager_id"
                )
        checks.require_row(uow, "agents", account_manager_id, "account_manager_id")
        plan_name = checks.optional_text("plan_name", plan_name, max_length=100)
        amount = checks.money("balance", balance, allow_negative=True)
        address = _check_address(service_address or ServiceAddress())
        now = uow.clock.now()
        checked_people = [check_person(spec, f"people[{i}].", now) for i, spec in enumerate(people)]
        holders = sum(1 for p in checked_people if p.role == PersonRole.ACCOUNT_HOLDER)
        if checked_people and holders != 1:
            raise ValidationFailed(
                f"exactly one person must be the account holder, not {holders}", field="people"
            )
        checked_lines = _check_lines(uow, lines)
        if number_taken(uow, number):
            raise Conflict(f"account number {number} is taken", field="number")

        account = Account(
            number=number,
            status=AccountStatus.ACTIVE.value,
            type=account_type.value,
            business_name=business_name,
            account_manager_id=account_manager_id,
            plan_name=plan_name,
            past_due=past_due,
            balance=amount,
            address_street=address.street,
            address_city=address.city,
            address_region=address.region,
            address_postal_code=address.postal_code,
            address_country=address.country,
            time_zone=address.time_zone,
            created_at=now,
        )
        uow.session.add(account)
        # The account row first: a concurrent request for the same number stops here, before the
        # people and lines are written.
        checks.flush(uow)
        account.people = [new_person(account.id, p, now) for p in checked_people]
        account.lines = [
            Line(account_id=account.id, msisdn=msisdn, status=status, created_at=now)
            for msisdn, status in checked_lines
        ]
        checks.flush(uow)
        record(
            uow,
            actor=actor,
            action="account.created",
            subject_type="account",
            subject_id=account.id,
            after=account_snapshot(account),
            details={
                "people": [person_snapshot(p) for p in account.people],
                "lines": [{"id": line.id, "msisdn": line.msisdn} for line in account.lines],
            },
        )
        return account


# The whole account in two queries: the account with its lines (a few rows), then its people
# with their contact points. Each query costs the server more than the rows it returns.
WHOLE_ACCOUNT = (
    joinedload(Account.lines),
    selectinload(Account.people).joinedload(Person.contact_points),
)


def get_account(uow: UnitOfWork, *, account_id: int) -> Account:
    """The account with its lines, people and their contact points."""
    return checks.load_account(uow, account_id, options=WHOLE_ACCOUNT)


def get_account_by_number(uow: UnitOfWork, *, number: str) -> Account:
    account = uow.session.scalar(select(Account).where(Account.number == number.strip().upper()))
    if account is None:
        raise NotFound(f"no account with number {number!r}", field="number")
    return account


def change_account_status(
    uow: UnitOfWork,
    *,
    actor: Actor,
    account_id: int,
    status: AccountStatus | str,
    reason: str,
) -> Account:
    with checks.conflicts_named(), uow.atomic():
        target = checks.choice("status", AccountStatus, status)
        reason_text = checks.required_text("reason", reason, max_length=500)
        # Locked so that two leaders changing the status at once cannot both pass the check.
        account = checks.load_account(uow, account_id, for_update=True)
        current = AccountStatus(account.status)
        if target not in ACCOUNT_TRANSITIONS[current]:
            allowed = ", ".join(sorted(ACCOUNT_TRANSITIONS[current])) or "none (closed is final)"
            raise InvalidTransition(
                f"an account that is {current} cannot become {target}; allowed: {allowed}",
                field="status",
            )
        account.status = target.value
        record(
            uow,
            actor=actor,
            action="account.status_changed",
            subject_type="account",
            subject_id=account.id,
            before={"status": current.value},
            after={"status": target.value},
            details={"reason": reason_text},
        )
        return account
