"""`caredesk account ...`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from caredesk.accounts.kinds import AccountStatus, AccountType, PersonRole
from caredesk.accounts.values import ContactPointSpec, PersonSpec, ServiceAddress
from caredesk.audit.actor import Actor
from caredesk.cli_support import (
    console,
    lazy_module,
    listing,
    open_database,
    run_command,
    show_listing,
)
from caredesk.errors import DomainError, ValidationFailed

if TYPE_CHECKING:
    from caredesk.accounts import queries, service, zones
    from caredesk.accounts.models import Account
else:
    queries = lazy_module("caredesk.accounts.queries")
    service = lazy_module("caredesk.accounts.service")
    zones = lazy_module("caredesk.accounts.zones")

app = typer.Typer(
    help="Customer accounts, the people on them and their numbers.", no_args_is_help=True
)
OPERATOR = Actor.system("cli")
# Errors name the option to change, not the field of the nested request it became.
_CREATE_OPTIONS = {
    "number": "--number",
    "plan_name": "--plan",
    "people[0].first_name": "--holder-first",
    "people[0].last_name": "--holder-last",
    "people[0].contact_points[0].value": "--phone",
    "service_address.time_zone": "--zone",
}


def _holder_name(account: Account) -> str:
    for person in account.people:
        if person.role == PersonRole.ACCOUNT_HOLDER:
            return f"{person.first_name} {person.last_name}"
    return ""


@app.command("show")
def show(number: str = typer.Argument(..., help="Account number, e.g. ACC-0001234.")) -> None:
    """Show an account, its people, their contact points and its lines (never secrets)."""
    from rich.text import Text

    with run_command(), open_database() as db, db.uow() as uow:
        account = service.get_account_by_number(uow, number=number)
        address = account.service_address
        where = ", ".join(
            part
            for part in (
                address.street,
                address.city,
                address.region,
                address.postal_code,
                address.country,
            )
            if part
        )
        console.print(
            Text.assemble((account.number, "bold"), f" (id {account.id})"), highlight=False
        )
        facts = [
            ("status", account.status),
            ("type", account.type + (" - priority handling" if account.priority_handling else "")),
            ("business", account.business_name or ""),
            ("plan", account.plan_name or ""),
            ("balance", f"{account.balance}" + (" (past due)" if account.past_due else "")),
            ("service address", where),
            ("time zone", address.time_zone or "unknown"),
        ]
        for label, value in facts:
            if value:
                console.print(f"  {label}: {value}", markup=False, highlight=False)
        for person in account.people:
            console.print(
                f"  {person.role}: {person.first_name} {person.last_name}",
                markup=False,
                highlight=False,
            )
            for contact in person.contact_points:
                label = f" ({contact.label})" if contact.label else ""
                console.print(
                    f"    {contact.kind}{label}: {contact.value}  given by {contact.given_by}",
                    markup=False,
                    highlight=False,
                )
        for line in account.lines:
            console.print(f"  line: {line.msisdn} ({line.status})", markup=False, highlight=False)


def _print_accounts(accounts: list[Account], *, none: str = "no accounts") -> None:
    table = listing(
        "id",
        "number",
        "status",
        "type",
        "holder",
        "plan",
        "balance",
        "past due",
        whole=("id", "number", "status", "type"),
    )
    for account in accounts:
        table.add_row(
            str(account.id),
            account.number,
            account.status,
            account.type,
            _holder_name(account),
            account.plan_name or "",
            str(account.balance),
            "yes" if account.past_due else "",
        )
    show_listing(console, table, none=none)


@app.command("search")
def search(
    text: str = typer.Argument(
        ...,
        help="A phone number however written, an email address, part of the account number, "
        "business or person name.",
    ),
    limit: int = typer.Option(50, min=1, max=1000, help="At most this many accounts."),
) -> None:
    """Find accounts by phone number, email address, account number or name."""
    with run_command(), open_database() as db, db.uow() as uow:
        try:
            found = queries.list_accounts(uow, text=text, limit=limit)
        except DomainError as exc:
            exc.field = "TEXT"
            raise
        _print_accounts(found, none=f"no account matches {text!r}")


@app.command("list")
def list_accounts(
    status: AccountStatus = typer.Option(None, help="active, suspended or closed."),
    limit: int = typer.Option(50, min=1, max=1000, help="At most this many accounts."),
) -> None:
    """List accounts, oldest first."""
    with run_command(), open_database() as db, db.uow() as uow:
        _print_accounts(queries.list_accounts(uow, status=status, limit=limit))


@app.command("create")
def create(
    number: str = typer.Option(..., help="Account number, e.g. ACC-0001234."),
    holder_first: str = typer.Option(..., help="Account holder's first name."),
    holder_last: str = typer.Option(..., help="Account holder's last name."),
    phone: str = typer.Option(..., help="Account holder's phone (national numbers read as US)."),
    zone: str = typer.Option(None, help="IANA time zone of the service address."),
    account_type: AccountType = typer.Option(AccountType.CONSUMER, "--type"),
    plan: str = typer.Option(None, help="Plan name."),
) -> None:
    """Open an account with its holder and the holder's phone number."""
    with run_command(), open_database() as db, db.uow() as uow:
        holder = PersonSpec(
            first_name=holder_first,
            last_name=holder_last,
            role=PersonRole.ACCOUNT_HOLDER,
            contact_points=(
                ContactPointSpec(kind="phone", value=phone, label="mobile", given_by="import"),
            ),
        )
        try:
            account = service.create_account(
                uow,
                actor=OPERATOR,
                number=number,
                type=account_type,
                plan_name=plan,
                service_address=ServiceAddress(time_zone=zone),
                people=[holder],
            )
        except DomainError as exc:
            exc.field = _CREATE_OPTIONS.get(exc.field or "", exc.field)
            raise
        console.print(
            f"created account {account.number} (id {account.id})", markup=False, highlight=False
        )


@app.command("zones")
def show_zones(
    number: str = typer.Argument(..., help="Account number, e.g. ACC-0001234."),
    phone: str = typer.Option(None, help="The number to be called (default: the first line)."),
) -> None:
    """Which time zone(s) calling hours are read in, exactly as the policy reads them."""
    with run_command(), open_database() as db, db.uow() as uow:
        account = service.get_account_by_number(uow, number=number)
        try:
            answer = zones.zones_for_account(uow, account_id=account.id, phone=phone)
        except DomainError as exc:
            exc.field = "--phone" if exc.field == "phone" else exc.field
            raise
        resolution = answer.resolution
        source = resolution.source.value if resolution.source else "unknown"
        shown = ", ".join(resolution.zones) or "unknown"
        console.print(
            f"{account.number} {answer.number or '(no number)'}: {shown} ({source})",
            markup=False,
            highlight=False,
        )
        if resolution.problem:
            console.print(
                f"  {resolution.problem}; confirm it with `caredesk account confirm-zone`",
                markup=False,
                highlight=False,
            )
        if answer.confirmation is not None:
            confirmation = answer.confirmation
            console.print(
                f"  confirmed by {confirmation.confirmed_by} at "
                f"{confirmation.confirmed_at.isoformat()}",
                markup=False,
                highlight=False,
            )


_CONFIRM_OPTIONS = {"zone": "ZONE", "number": "--phone", "note": "--note"}


@app.command("confirm-zone")
def confirm_zone(
    number: str = typer.Argument(..., help="Account number, e.g. ACC-0001234."),
    zone: str = typer.Argument(..., help="IANA time zone, e.g. America/Chicago."),
    by: str = typer.Option(..., help="Who confirmed it (your login); kept in the audit trail."),
    phone: str = typer.Option(None, help="Confirm it for this number only (a line or contact)."),
    note: str = typer.Option(None, help="How it was confirmed, e.g. 'customer said Chicago'."),
) -> None:
    """Confirm the time zone of an account or one of its numbers (OB-WINDOW's "confirm zone"
    step): stored, audited with who and when, and used by the policy from then on."""
    with run_command(), open_database() as db, db.uow() as uow:
        who = by.strip()
        if not who or len(who) > 60 or not who.isprintable():
            raise ValidationFailed("must name who confirmed it (1 to 60 characters)", field="--by")
        account = service.get_account_by_number(uow, number=number)
        try:
            row = zones.confirm_zone(
                uow,
                actor=Actor.system(f"cli:{who}"),
                account_id=account.id,
                zone=zone,
                number=phone,
                note=note,
            )
        except DomainError as exc:
            exc.field = _CONFIRM_OPTIONS.get(exc.field or "", exc.field)
            raise
        console.print(
            f"confirmed {row.zone} for {account.number} {row.number or '(the account)'}",
            markup=False,
            highlight=False,
        )
