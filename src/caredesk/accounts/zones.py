"""Which time zone an account's calls are judged in (OB-WINDOW), and a person confirming it.

The facts are read here once (`zone_facts`: the service address's zone and the zones people
confirmed) and the answer is the policy core's `zones_for`: the account's zones endpoint and the
policy view (callbacks/policy_view.py) both go through these two, so they cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, or_, select

from caredesk.accounts import checks, values
from caredesk.accounts.models import (
    Account,
    ConfirmedZone,
    ContactKind,
    ContactPoint,
    Line,
    LineStatus,
    Person,
)
from caredesk.audit.service import Actor, record
from caredesk.db.session import UnitOfWork
from caredesk.errors import Conflict, ValidationFailed
from caredesk.policy import ZoneConfirmation, ZoneResolution, ZoneSource, zones_for
from caredesk.policy.zones import zone_info


@dataclass(frozen=True)
class ZoneFacts:
    """What the zone of an account's calls is decided from."""

    account_zone: str | None
    confirmations: tuple[ZoneConfirmation, ...]


@dataclass(frozen=True)
class ZoneAnswer:
    """The zones endpoint's answer: the same resolution the policy makes, and its inputs."""

    number: str | None
    resolution: ZoneResolution
    confirmation: ConfirmedZone | None


def zone_facts(uow: UnitOfWork, account: Account) -> ZoneFacts:
    rows = uow.session.scalars(
        select(ConfirmedZone)
        .where(ConfirmedZone.account_id == account.id)
        .order_by(ConfirmedZone.id)
    )
    confirmations = tuple(
        ZoneConfirmation(
            zone=row.zone,
            number=row.number,
            confirmed_by=row.confirmed_by,
            confirmed_at=row.confirmed_at,
        )
        for row in rows
    )
    return ZoneFacts(account.time_zone, confirmations)


def zones_of(uow: UnitOfWork, account: Account, number: str | None) -> ZoneResolution:
    """The zones calling ``number`` on ``account`` is judged in (what the policy uses)."""
    if account.time_zone and zone_info(account.time_zone) is not None:
        # The service address's zone wins over any confirmation: none needs reading.
        return zones_for(number, account.time_zone)
    facts = zone_facts(uow, account)
    return zones_for(number, facts.account_zone, facts.confirmations)


def first_line(account: Account) -> str | None:
    """The account's first line still connected (its lines are loaded with it, in order)."""
    return next(
        (line.msisdn for line in account.lines if line.status != LineStatus.DISCONNECTED), None
    )


def _on_account(uow: UnitOfWork, account: Account, number: str) -> bool:
    contact = (
        select(ContactPoint.id)
        .join(Person, Person.id == ContactPoint.person_id)
        .where(
            Person.account_id == account.id,
            ContactPoint.kind == ContactKind.PHONE.value,
            ContactPoint.value == number,
        )
    )
    line = select(Line.id).where(Line.account_id == account.id, Line.msisdn == number)
    found = uow.session.execute(select(or_(contact.exists(), line.exists()))).scalar()
    return bool(found)


def _latest_confirmation(
    uow: UnitOfWork, account: Account, number: str | None
) -> ConfirmedZone | None:
    def newest(query: Select[ConfirmedZone]) -> ConfirmedZone | None:
        return uow.session.scalar(query.order_by(ConfirmedZone.id.desc()).limit(1))

    base = select(ConfirmedZone).where(ConfirmedZone.account_id == account.id)
    found = newest(base.where(ConfirmedZone.number == number)) if number else None
    return found or newest(base.where(ConfirmedZone.number.is_(None)))


def zones_for_account(uow: UnitOfWork, *, account_id: int, phone: str | None = None) -> ZoneAnswer:
    """The zones calling ``phone`` (default: the account's first working line) is judged in."""
    account = checks.load_account(uow, account_id)
    number = checks.valid("phone", values.normalise_phone, phone) if phone else None
    number = number or first_line(account)
    resolution = zones_of(uow, account, number)
    confirmation = None
    if resolution.source is ZoneSource.CONFIRMED:
        confirmation = _latest_confirmation(uow, account, number)
    return ZoneAnswer(number, resolution, confirmation)


def confirm_zone(
    uow: UnitOfWork,
    *,
    actor: Actor,
    account_id: int,
    zone: str,
    number: str | None = None,
    note: str | None = None,
) -> ConfirmedZone:
    """A person confirms the zone of the account, or of one of its numbers: stored, audited
    (who and when), and used by the policy from then on where the service address gives none.
    """
    with checks.conflicts_named(), uow.atomic():
        zone = checks.valid("zone", values.check_time_zone, zone.strip())
        phone = checks.valid("number", values.normalise_phone, number) if number else None
        note = checks.optional_text("note", note, max_length=500)
        account = checks.load_account(uow, account_id, for_update=True)
        if account.time_zone:
            raise Conflict(
                f"the service address gives this account's zone ({account.time_zone}); "
                "change the address instead",
                field="zone",
            )
        if phone is not None and not _on_account(uow, account, phone):
            raise ValidationFailed("is not a line or contact point of this account", field="number")
        row = ConfirmedZone(
            account_id=account.id,
            number=phone,
            zone=zone,
            note=note,
            confirmed_by=str(actor),
            confirmed_at=uow.clock.now(),
        )
        uow.session.add(row)
        checks.flush(uow)
        record(
            uow,
            actor=actor,
            action="account.zone_confirmed",
            subject_type="account",
            subject_id=account.id,
            after={"zone": zone, "number": phone},
            details={"confirmation_id": row.id, "note": note},
        )
        return row


def confirmations_query(*, account_id: int) -> Select[ConfirmedZone]:
    return select(ConfirmedZone).where(ConfirmedZone.account_id == account_id)
