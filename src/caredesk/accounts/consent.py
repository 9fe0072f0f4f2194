"""Consent windows: a customer's agreement to be called at a time outside the default calling
hours (OB-WINDOW). Who agreed, when, to which window and through which channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, or_, select

from caredesk.accounts import checks, values
from caredesk.accounts.models import ConsentChannel, ConsentWindow
from caredesk.accounts.people import get_person
from caredesk.audit.service import Actor, record
from caredesk.db.session import UnitOfWork
from caredesk.errors import InvalidTransition, NotFound, ValidationFailed


def _consent_snapshot(consent: ConsentWindow) -> dict[str, object]:
    return {
        "consent_id": consent.id,
        "person_id": consent.person_id,
        "given_at": consent.given_at.isoformat(),
        "window_start": consent.window_start.isoformat(),
        "window_end": consent.window_end.isoformat(),
        "channel": consent.channel,
        "callback_id": consent.callback_id,
        "time_zone": consent.time_zone,
        "expires_at": consent.expires_at.isoformat() if consent.expires_at else None,
    }


def record_consent(
    uow: UnitOfWork,
    *,
    actor: Actor,
    account_id: int,
    person_id: int,
    window_start: datetime,
    window_end: datetime,
    channel: ConsentChannel | str,
    given_at: datetime | None = None,
    callback_id: int | None = None,
    time_zone: str | None = None,
    expires_at: datetime | None = None,
) -> ConsentWindow:
    """Records consent; unless told otherwise it expires when its window ends."""
    with checks.conflicts_named(), uow.atomic():
        now = uow.clock.now()
        start = checks.required_instant("window_start", window_start)
        end = checks.required_instant("window_end", window_end)
        if end <= start:
            raise ValidationFailed("must be after window_start", field="window_end")
        if end <= now:
            raise ValidationFailed("is already in the past", field="window_end")
        given = checks.instant("given_at", given_at) or now
        if given > now:
            raise ValidationFailed("must not be in the future", field="given_at")
        expires = checks.instant("expires_at", expires_at) or end
        if expires <= given:
            raise ValidationFailed("must be after given_at", field="expires_at")
        consent_channel = checks.choice("channel", ConsentChannel, channel)
        checks.identifier("callback_id", callback_id)
        zone = checks.optional_text("time_zone", time_zone, max_length=64)
        if zone is not None:
            zone = checks.valid("time_zone", values.check_time_zone, zone)
        account = checks.open_account(uow, account_id)
        person = get_person(uow, account_id=account.id, person_id=person_id)
        consent = ConsentWindow(
            account_id=account.id,
            person_id=person.id,
            given_at=given,
            window_start=start,
            window_end=end,
            channel=consent_channel.value,
            callback_id=callback_id,
            time_zone=zone,
            expires_at=expires,
            recorded_by=str(actor),
            created_at=now,
        )
        uow.session.add(consent)
        checks.flush(uow)
        record(
            uow,
            actor=actor,
            action="account.consent_recorded",
            subject_type="account",
            subject_id=account.id,
            after=_consent_snapshot(consent),
        )
        return consent


def consents_query(
    *,
    account_id: int,
    person_id: int | None = None,
    callback_id: int | None = None,
    in_force_at: datetime | None = None,
) -> Select[ConsentWindow]:
    """``in_force_at``: only consents neither closed nor expired at that instant."""
    query = select(ConsentWindow).where(ConsentWindow.account_id == account_id)
    if person_id is not None:
        query = query.where(ConsentWindow.person_id == person_id)
    if callback_id is not None:
        query = query.where(ConsentWindow.callback_id == callback_id)
    if in_force_at is not None:
        query = query.where(
            or_(ConsentWindow.closed_at.is_(None), ConsentWindow.closed_at > in_force_at),
            or_(ConsentWindow.expires_at.is_(None), ConsentWindow.expires_at > in_force_at),
        )
    return query


def list_consents(
    uow: UnitOfWork,
    *,
    account_id: int,
    person_id: int | None = None,
    callback_id: int | None = None,
    in_force_at: datetime | None = None,
) -> list[ConsentWindow]:
    """The account's consent windows, earliest window first."""
    query = consents_query(
        account_id=account_id,
        person_id=person_id,
        callback_id=callback_id,
        in_force_at=in_force_at,
    )
    return list(uow.session.scalars(query.order_by(ConsentWindow.window_start, ConsentWindow.id)))


def close_consent(
    uow: UnitOfWork, *, actor: Actor, account_id: int, consent_id: int
) -> ConsentWindow:
    """Ends a consent early: the callback it was for is done, or the customer withdrew it."""
    with checks.conflicts_named(), uow.atomic():
        consent = (
            uow.session.get(ConsentWindow, consent_id) if 1 <= consent_id <= values.MAX_ID else None
        )
        if consent is None or consent.account_id != account_id:
            raise NotFound(f"no consent {consent_id} on account {account_id}", field="consent_id")
        if consent.closed_at is not None:
            raise InvalidTransition("the consent is already closed", field="consent_id")
        consent.closed_at = uow.clock.now()
        record(
            uow,
            actor=actor,
            action="account.consent_closed",
            subject_type="account",
            subject_id=account_id,
            details={"consent_id": consent.id, "closed_at": consent.closed_at.isoformat()},
        )
        return consent
