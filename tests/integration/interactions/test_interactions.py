"""Interactions through their service: recording, ending, addresses and references."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.errors import Conflict, NotFound, ValidationFailed
from caredesk.interactions import service
from caredesk.interactions.models import Channel, Direction, Disposition
from tests.integration.tickets.factories import (
    STAFF,
    counts,
    make_account,
    make_agent,
    make_ticket,
)


def test_record_and_end(db: Database, clock: FixedClock) -> None:
    agent = make_agent(db)
    account = make_account(db)
    with db.uow() as uow:
        call = service.create_interaction(
            uow,
            actor=STAFF,
            channel=Channel.VOICE,
            direction=Direction.OUTBOUND,
            agent_id=agent,
            account_id=account,
            from_address="+1 415 555 0123".replace(" ", ""),
            to_address="+442071838750",
        )
    assert call.started_at == clock.now() and call.ended_at is None
    clock.advance(timedelta(minutes=7))
    with db.uow() as uow:
        ended = service.end_interaction(
            uow,
            actor=STAFF,
            interaction=service.get_interaction(uow, interaction_id=call.id),
            disposition=Disposition.RESOLVED,
        )
    assert ended.ended_at == clock.now()
    assert ended.disposition == "resolved"
    before = counts(db)
    with db.uow() as uow, pytest.raises(Conflict) as refused:
        service.end_interaction(
            uow,
            actor=STAFF,
            interaction=service.get_interaction(uow, interaction_id=call.id),
            disposition=Disposition.DROPPED,
        )
    assert refused.value.field == "ended_at"
    assert counts(db) == before


def test_case_gives_its_account(db: Database) -> None:
    account = make_account(db)
    ticket = make_ticket(db, account)
    with db.uow() as uow:
        chat = service.create_interaction(
            uow, actor=STAFF, channel=Channel.CHAT, direction=Direction.INBOUND, ticket_id=ticket.id
        )
    assert chat.account_id == account


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"ended_at": -11, "disposition": Disposition.RESOLVED}, "ended_at", ValidationFailed),
        ({"ended_at": 1}, "disposition", ValidationFailed),
        ({"disposition": Disposition.RESOLVED}, "ended_at", ValidationFailed),
        ({"started_at": 60}, "started_at", ValidationFailed),
        ({"from_address": "4155550123"}, "from_address", ValidationFailed),
        ({"from_address": "+1555"}, "from_address", ValidationFailed),
        ({"to_address": "someone@example.com"}, "to_address", ValidationFailed),
        ({"agent_id": 999}, "agent_id", NotFound),
        ({"account_id": 999}, "account_id", NotFound),
        ({"ticket_id": 999}, "ticket_id", NotFound),
    ],
)
def test_refusals_write_nothing(
    db: Database, clock: FixedClock, fields: dict[str, object], field: str, error: type[Exception]
) -> None:
    # Times are given as minutes from now; a call that ends is taken to start ten minutes ago.
    now = clock.now()
    values = dict(fields)
    if "ended_at" in values:
        values["started_at"] = now - timedelta(minutes=10)
    for key in ("started_at", "ended_at"):
        if key in fields:
            values[key] = now + timedelta(minutes=int(fields[key]))  # type: ignore[call-overload]
    before = counts(db)
    with db.uow() as uow, pytest.raises(error) as refused:
        service.create_interaction(
            uow,
            actor=STAFF,
            channel=Channel.VOICE,
            direction=Direction.INBOUND,
            **values,  # type: ignore[arg-type]
        )
    assert getattr(refused.value, "field", None) == field
    assert counts(db) == before


def test_email_channel_takes_email_addresses(db: Database) -> None:
    with db.uow() as uow:
        email = service.create_interaction(
            uow,
            actor=STAFF,
            channel=Channel.EMAIL,
            direction=Direction.INBOUND,
            from_address="Pat@Example.com",
        )
    assert email.from_address == "pat@example.com"
    with db.uow() as uow, pytest.raises(ValidationFailed) as refused:
        service.create_interaction(
            uow,
            actor=STAFF,
            channel=Channel.EMAIL,
            direction=Direction.INBOUND,
            from_address="+14155550123",
        )
    assert refused.value.field == "from_address"


def test_case_on_another_account_refused(db: Database) -> None:
    ticket = make_ticket(db, make_account(db))
    with db.uow() as uow, pytest.raises(ValidationFailed) as refused:
        service.create_interaction(
            uow,
            actor=STAFF,
            channel=Channel.VOICE,
            direction=Direction.INBOUND,
            account_id=make_account(db),
            ticket_id=ticket.id,
        )
    assert refused.value.field == "ticket_id"
