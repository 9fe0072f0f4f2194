"""Use cases for interactions: record a contact, end it with a disposition, find them."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import phonenumbers
from sqlalchemy import select

from caredesk.audit.service import Actor, record
from caredesk.db.paging import fetch_page
from caredesk.db.references import require_reference
from caredesk.db.session import UnitOfWork
from caredesk.errors import Conflict, NotFound, ValidationFailed
from caredesk.interactions.models import Channel, Direction, Disposition, Interaction
from caredesk.tickets.models import Ticket

# Clocks on phones and switches drift; a start a little ahead of ours is still believable.
CLOCK_SKEW = timedelta(minutes=5)
_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
# Bounded repeats and the length checked first: "a@" + "." * 20000 took seconds to refuse.
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,253}\.[^@\s]{2,63}$")
_PHONE_CHANNELS = frozenset({Channel.VOICE, Channel.SMS})


def normalise_address(value: str | None, *, channel: Channel, field: str) -> str | None:
    """A valid E.164 number or an email address, as the channel allows; None stays None."""
    if value is None:
        return None
    value = value.strip()
    if _E164.match(value):
        try:
            number = phonenumbers.parse(value, None)
        except phonenumbers.NumberParseException:
            number = None
        if number is None or not phonenumbers.is_valid_number(number):
            raise ValidationFailed("is not a valid phone number", field=field)
        if channel == Channel.EMAIL:
            raise ValidationFailed("an email interaction needs an email address", field=field)
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if len(value) <= 320 and _EMAIL.match(value):
        if channel in _PHONE_CHANNELS:
            raise ValidationFailed(
                f"a {channel.value} interaction needs a phone number in E.164", field=field
            )
        return value.lower()
    if channel in _PHONE_CHANNELS:
        raise ValidationFailed("must be a phone number in E.164 (+14155550123)", field=field)
    raise ValidationFailed(
        "must be a phone number in E.164 (+14155550123) or an email address", field=field
    )


def _check_end(
    uow: UnitOfWork, *, started_at: datetime, ended_at: datetime, field: str = "ended_at"
) -> None:
    if ended_at.tzinfo is None:
        raise ValidationFailed("must include a UTC offset", field=field)
    if ended_at < started_at:
        raise ValidationFailed("must not be before started_at", field=field)
    if ended_at > uow.clock.now() + CLOCK_SKEW:
        raise ValidationFailed("must not be in the future", field=field)


def _snapshot(interaction: Interaction) -> dict[str, object]:
    return {
        "channel": interaction.channel,
        "direction": interaction.direction,
        "started_at": interaction.started_at.isoformat(),
        "ended_at": interaction.ended_at.isoformat() if interaction.ended_at else None,
        "disposition": interaction.disposition,
        "agent_id": interaction.agent_id,
        "account_id": interaction.account_id,
        "ticket_id": interaction.ticket_id,
    }


def create_interaction(
    uow: UnitOfWork,
    *,
    actor: Actor,
    channel: Channel,
    direction: Direction,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
    disposition: Disposition | None = None,
    agent_id: int | None = None,
    account_id: int | None = None,
    ticket_id: int | None = None,
    from_address: str | None = None,
    to_address: str | None = None,
) -> Interaction:
    """Records a contact. One that already ended is given with ``ended_at`` and
    ``disposition`` together; a case's interaction takes the case's account."""
    with uow.atomic():
        now = uow.clock.now()
        started_at = started_at or now
        if started_at.tzinfo is None:
            raise ValidationFailed("must include a UTC offset", field="started_at")
        if started_at > now + CLOCK_SKEW:
            raise ValidationFailed("must not be in the future", field="started_at")
        if ended_at is not None:
            _check_end(uow, started_at=started_at, ended_at=ended_at)
            if disposition is None:
                raise ValidationFailed(
                    "an ended interaction needs a disposition", field="disposition"
                )
        elif disposition is not None:
            raise ValidationFailed(
                "a disposition is set when the interaction ends", field="ended_at"
            )
        from_address = normalise_address(from_address, channel=channel, field="from_address")
        to_address = normalise_address(to_address, channel=channel, field="to_address")
        require_reference(uow, "agents", agent_id, field="agent_id")
        require_reference(uow, "accounts", account_id, field="account_id")
        if ticket_id is not None:
            owner = uow.session.scalar(select(Ticket.account_id).where(Ticket.id == ticket_id))
            if owner is None:
                raise NotFound(f"no case with id {ticket_id}", field="ticket_id")
            if account_id is not None and owner != account_id:
                raise ValidationFailed("the case is on another account", field="ticket_id")
            account_id = owner
        interaction = Interaction(
            channel=channel.value,
            direction=direction.value,
            started_at=started_at,
            ended_at=ended_at,
            disposition=disposition.value if disposition else None,
            agent_id=agent_id,
            account_id=account_id,
            ticket_id=ticket_id,
            from_address=from_address,
            to_address=to_address,
            created_at=now,
        )
        uow.session.add(interaction)
        uow.flush()
        record(
            uow,
            actor=actor,
            action="interaction.recorded",
            subject_type="interaction",
            subject_id=interaction.id,
            after=_snapshot(interaction),
        )
        return interaction


def end_interaction(
    uow: UnitOfWork,
    *,
    actor: Actor,
    interaction: Interaction,
    disposition: Disposition,
    ended_at: datetime | None = None,
) -> Interaction:
    with uow.atomic():
        uow.session.refresh(interaction, with_for_update=True)
        if interaction.ended_at is not None:
            raise Conflict(
                f"this interaction already ended at {interaction.ended_at.isoformat()}",
                field="ended_at",
            )
        ended_at = ended_at or uow.clock.now()
        _check_end(uow, started_at=interaction.started_at, ended_at=ended_at)
        before = _snapshot(interaction)
        interaction.ended_at = ended_at
        interaction.disposition = disposition.value
        record(
            uow,
            actor=actor,
            action="interaction.ended",
            subject_type="interaction",
            subject_id=interaction.id,
            before=before,
            after=_snapshot(interaction),
        )
        return interaction


def get_interaction(
    uow: UnitOfWork, *, interaction_id: int, within_account: int | None = None
) -> Interaction:
    """With ``within_account``, an interaction of another account (or of none) is not found,
    exactly as a missing one."""
    interaction = uow.session.get(Interaction, interaction_id)
    if interaction is None or (
        within_account is not None and interaction.account_id != within_account
    ):
        raise NotFound(f"no interaction with id {interaction_id}", field="interaction_id")
    return interaction


def list_interactions(
    uow: UnitOfWork,
    *,
    account_id: int | None = None,
    agent_id: int | None = None,
    ticket_id: int | None = None,
    channel: Channel | None = None,
    direction: Direction | None = None,
    ongoing: bool | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[Interaction], str | None]:
    query = select(Interaction)
    if account_id is not None:
        query = query.where(Interaction.account_id == account_id)
    if agent_id is not None:
        query = query.where(Interaction.agent_id == agent_id)
    if ticket_id is not None:
        query = query.where(Interaction.ticket_id == ticket_id)
    if channel:
        query = query.where(Interaction.channel == channel.value)
    if direction:
        query = query.where(Interaction.direction == direction.value)
    if ongoing is not None:
        ended = Interaction.ended_at.is_(None)
        query = query.where(ended if ongoing else ~ended)
    return fetch_page(uow, query, Interaction.id, limit=limit, cursor=cursor)
