"""`/v1/accounts`: staff read and write; a customer reads only their own account."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status
from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from caredesk.accounts import consent, facts, holdings, people, service, zones
from caredesk.accounts.models import (
    Account,
    AccountStatus,
    AccountType,
    Bill,
    ConfirmedZone,
    ConsentWindow,
    ContactPoint,
    Device,
    Line,
    Person,
)
from caredesk.accounts.schemas import (
    AccountCreate,
    AccountDetail,
    AccountRead,
    AccountStatusChange,
    BillCreate,
    BillRead,
    ConsentCreate,
    ConsentRead,
    ContactPointCreate,
    ContactPointRead,
    DeviceCreate,
    DeviceRead,
    LineCreate,
    LineRead,
    PersonCreate,
    PersonRead,
    ProofFactsRead,
    ZoneConfirmationCreate,
    ZoneConfirmationRead,
    ZonesRead,
)
from caredesk.accounts.values import MAX_ID, ProofFacts
from caredesk.db.paging import MAX_LIMIT, fetch_page
from caredesk.db.session import UnitOfWork
from caredesk.web.deps import AnyUser, Principal, Staff, UoW
from caredesk.web.pagination import Page

router = APIRouter(prefix="/v1/accounts", tags=["accounts"])

AccountId = Annotated[int, Path(ge=1, le=MAX_ID, description="The account's id.")]
PersonId = Annotated[int, Path(ge=1, le=MAX_ID)]
ConsentId = Annotated[int, Path(ge=1, le=MAX_ID)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=200, description="next_cursor of a page.")]
CREATED = status.HTTP_201_CREATED


def _page(
    uow: UnitOfWork,
    query: Select[Any],
    id_column: InstrumentedAttribute[Any],
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    items, next_cursor = fetch_page(uow, query, id_column, limit=limit, cursor=cursor)
    return {"items": items, "next_cursor": next_cursor}


def _readable(principal: Principal, uow: UnitOfWork, account_id: int) -> Account:
    # Scope first: another account's answer is the very 404 of a missing one.
    principal.require_account(account_id)
    return service.get_account(uow, account_id=account_id)


@router.post("", response_model=AccountDetail, status_code=CREATED)
def create_account(body: AccountCreate, principal: Staff, uow: UoW) -> Account:
    """Open an account, optionally with its people, their contact points and its lines, in
    one step: if any part is refused, nothing is written."""
    return service.create_account(uow, actor=principal.actor, **body.service_arguments())


@router.get("", response_model=Page[AccountRead])
def list_accounts(
    principal: Staff,
    uow: UoW,
    status: AccountStatus | None = None,
    type: AccountType | None = None,
    past_due: bool | None = None,
    q: Annotated[
        str | None,
        Query(max_length=100, description="Part of the number, business or person name."),
    ] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    query = service.accounts_query(status=status, type=type, past_due=past_due, text=q)
    return _page(uow, query, Account.id, limit, cursor)


@router.get("/{account_id}", response_model=AccountDetail)
def get_account(account_id: AccountId, principal: AnyUser, uow: UoW) -> Account | AccountDetail:
    account = _readable(principal, uow, account_id)
    return account if principal.is_staff else AccountDetail.model_validate(account).for_customer()


@router.post("/{account_id}/status", response_model=AccountRead)
def change_status(
    account_id: AccountId, body: AccountStatusChange, principal: Staff, uow: UoW
) -> Account:
    """Suspend, reactivate or close an account; the reason is kept in the audit trail."""
    return service.change_account_status(
        uow, actor=principal.actor, account_id=account_id, status=body.status, reason=body.reason
    )


@router.post("/{account_id}/people", response_model=PersonRead, status_code=CREATED)
def add_person(account_id: AccountId, body: PersonCreate, principal: Staff, uow: UoW) -> Person:
    spec = body.to_spec()
    return people.add_person(
        uow,
        actor=principal.actor,
        account_id=account_id,
        first_name=spec.first_name,
        last_name=spec.last_name,
        role=spec.role,
        pin=spec.pin,
        ssn_last4=spec.ssn_last4,
        contact_points=spec.contact_points,
    )


@router.get("/{account_id}/people", response_model=Page[PersonRead])
def list_people(
    account_id: AccountId, principal: AnyUser, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> dict[str, Any]:
    account = _readable(principal, uow, account_id)
    page = _page(uow, people.people_query(account_id=account.id), Person.id, limit, cursor)
    if not principal.is_staff:
        page["items"] = [PersonRead.model_validate(p).for_customer() for p in page["items"]]
    return page


@router.post(
    "/{account_id}/people/{person_id}/contact-points",
    response_model=ContactPointRead,
    status_code=CREATED,
)
def add_contact_point(
    account_id: AccountId,
    person_id: PersonId,
    body: ContactPointCreate,
    principal: Staff,
    uow: UoW,
) -> ContactPoint:
    """Add a phone number or email address to a person, with where it came from."""
    return people.add_contact_point(
        uow,
        actor=principal.actor,
        account_id=account_id,
        person_id=person_id,
        **body.model_dump(),
    )


@router.post("/{account_id}/lines", response_model=LineRead, status_code=CREATED)
def add_line(account_id: AccountId, body: LineCreate, principal: Staff, uow: UoW) -> Line:
    return holdings.add_line(
        uow, actor=principal.actor, account_id=account_id, msisdn=body.msisdn, status=body.status
    )


@router.get("/{account_id}/lines", response_model=Page[LineRead])
def list_lines(
    account_id: AccountId, principal: AnyUser, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> dict[str, Any]:
    account = _readable(principal, uow, account_id)
    return _page(uow, holdings.lines_query(account_id=account.id), Line.id, limit, cursor)


@router.post("/{account_id}/devices", response_model=DeviceRead, status_code=CREATED)
def add_device(account_id: AccountId, body: DeviceCreate, principal: Staff, uow: UoW) -> Device:
    return holdings.add_device(
        uow, actor=principal.actor, account_id=account_id, **body.model_dump()
    )


@router.get("/{account_id}/devices", response_model=Page[DeviceRead])
def list_devices(
    account_id: AccountId, principal: AnyUser, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> dict[str, Any]:
    account = _readable(principal, uow, account_id)
    return _page(uow, holdings.devices_query(account_id=account.id), Device.id, limit, cursor)


@router.post("/{account_id}/bills", response_model=BillRead, status_code=CREATED)
def add_bill(account_id: AccountId, body: BillCreate, principal: Staff, uow: UoW) -> Bill:
    return holdings.add_bill(uow, actor=principal.actor, account_id=account_id, **body.model_dump())


@router.get("/{account_id}/bills", response_model=Page[BillRead])
def list_bills(
    account_id: AccountId, principal: AnyUser, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> dict[str, Any]:
    account = _readable(principal, uow, account_id)
    return _page(uow, holdings.bills_query(account_id=account.id), Bill.id, limit, cursor)


@router.post("/{account_id}/consents", response_model=ConsentRead, status_code=CREATED)
def record_consent(
    account_id: AccountId, body: ConsentCreate, principal: Staff, uow: UoW
) -> ConsentWindow:
    """Record a customer's agreement to be called inside a window (it replaces the default
    calling hours for that callback)."""
    return consent.record_consent(
        uow, actor=principal.actor, account_id=account_id, **body.model_dump()
    )


@router.get("/{account_id}/consents", response_model=Page[ConsentRead])
def list_consents(
    account_id: AccountId,
    principal: AnyUser,
    uow: UoW,
    person_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    callback_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    in_force: Annotated[bool, Query(description="Only those neither closed nor expired.")] = False,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> dict[str, Any]:
    account = _readable(principal, uow, account_id)
    query = consent.consents_query(
        account_id=account.id,
        person_id=person_id,
        callback_id=callback_id,
        in_force_at=uow.clock.now() if in_force else None,
    )
    return _page(uow, query, ConsentWindow.id, limit, cursor)


@router.post("/{account_id}/consents/{consent_id}/close", response_model=ConsentRead)
def close_consent(
    account_id: AccountId, consent_id: ConsentId, principal: Staff, uow: UoW
) -> ConsentWindow:
    return consent.close_consent(
        uow, actor=principal.actor, account_id=account_id, consent_id=consent_id
    )


@router.get("/{account_id}/proof-facts", response_model=ProofFactsRead)
def proof_facts(account_id: AccountId, principal: Staff, uow: UoW) -> ProofFacts:
    """OB-PROOF: the three facts an agent may give a customer who asks for proof that the call
    is from the carrier, once the account is verified."""
    return facts.proof_facts(uow, account_id=account_id)


@router.get("/{account_id}/zones", response_model=ZonesRead)
def get_zones(
    account_id: AccountId,
    principal: Staff,
    uow: UoW,
    phone: Annotated[
        str | None, Query(max_length=32, description="The number to be called.")
    ] = None,
) -> dict[str, Any]:
    """The time zones calling hours are read in, exactly as the policy reads them: the service
    address's zone when known, else a zone a person confirmed for the number (or the account),
    else those of the number (the account's first line when no number is given)."""
    answer = zones.zones_for_account(uow, account_id=account_id, phone=phone)
    resolution, confirmation = answer.resolution, answer.confirmation
    return {
        "number": answer.number,
        "zones": list(resolution.zones),
        "source": resolution.source.value if resolution.source else "unknown",
        "problem": resolution.problem or None,
        "confirmed_by": confirmation.confirmed_by if confirmation else None,
        "confirmed_at": confirmation.confirmed_at if confirmation else None,
    }


@router.post(
    "/{account_id}/zone-confirmations", response_model=ZoneConfirmationRead, status_code=CREATED
)
def confirm_zone(
    account_id: AccountId, body: ZoneConfirmationCreate, principal: Staff, uow: UoW
) -> ConfirmedZone:
    """A person confirms the time zone of the account, or of one of its numbers (OB-WINDOW's
    "confirm zone" step). Audited with who and when; the policy uses it from then on where the
    service address gives no zone."""
    return zones.confirm_zone(
        uow, actor=principal.actor, account_id=account_id, **body.model_dump()
    )


@router.get("/{account_id}/zone-confirmations", response_model=Page[ZoneConfirmationRead])
def list_zone_confirmations(
    account_id: AccountId, principal: Staff, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> dict[str, Any]:
    account = _readable(principal, uow, account_id)
    query = zones.confirmations_query(account_id=account.id)
    return _page(uow, query, ConfirmedZone.id, limit, cursor)
