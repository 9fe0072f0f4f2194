"""The live inbound call an outbound call belongs to (OB-STATE's exception, OB-ALT-NUMBER's
Consult path), read from the stored record every time it matters.

A dial names the inbound call by its interaction id (the call id of /v1/ivr/calls); the server
never takes the tie on the caller's word. What the record shows (the agent the call is connected
to, whether it has ended) goes to the policy as ``InboundCall`` facts, and the policy decides
whether the call is really tied to an active inbound call. The dial's timeline entry keeps the
id, so the call's later steps read the same inbound call again, as it is then."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from caredesk.audit.service import Actor, record
from caredesk.callbacks.models import Callback, CallbackEvent
from caredesk.callbacks.records import Event, plain
from caredesk.db.session import UnitOfWork
from caredesk.errors import NotFound, ValidationFailed
from caredesk.interactions.models import Channel, Direction, Interaction
from caredesk.policy import InboundCall
from caredesk.schemas import MAX_ID

FIELD = "inbound_call_id"


def load_inbound_call(
    uow: UnitOfWork, *, call_id: int, account_id: int, lock: bool = True
) -> Interaction:
    """The inbound phone call ``call_id``, as committed now, locked on PostgreSQL (unless only
    read for a page) so that a dial and line one's end are ordered. Not found, not an inbound
    phone call, or another account's call: a problem naming ``inbound_call_id``."""
    interaction = uow.session.get(Interaction, call_id) if 1 <= call_id <= MAX_ID else None
    if interaction is None:
        raise NotFound(f"no inbound call {call_id}", field=FIELD)
    uow.session.refresh(interaction, with_for_update=True if lock else None)
    if (
        interaction.channel != Channel.VOICE.value
        or interaction.direction != Direction.INBOUND.value
    ):
        raise ValidationFailed(
            f"interaction {call_id} is a {interaction.direction} {interaction.channel} contact, "
            "not an inbound phone call",
            field=FIELD,
        )
    if interaction.account_id is not None and interaction.account_id != account_id:
        raise ValidationFailed(
            f"inbound call {call_id} is on another account than the callback", field=FIELD
        )
    return interaction


def inbound_facts(interaction: Interaction) -> InboundCall:
    """What the policy reads of the inbound call: who it is connected to, when it ended."""
    agent = str(interaction.agent_id) if interaction.agent_id is not None else ""
    return InboundCall(str(interaction.id), agent, interaction.ended_at)


def live_inbound_call_id(uow: UnitOfWork, *, agent_id: int, account_id: int) -> int | None:
    """The live inbound phone call connected to the agent that a dial of a callback of this
    account may name (the caller's account unknown, or the same): what the desktop offers to
    Consult from. The dial still decides on its own reading."""
    found = uow.session.scalar(
        select(Interaction.id)
        .where(
            Interaction.agent_id == agent_id,
            Interaction.ended_at.is_(None),
            Interaction.channel == Channel.VOICE.value,
            Interaction.direction == Direction.INBOUND.value,
            or_(Interaction.account_id.is_(None), Interaction.account_id == account_id),
        )
        .order_by(Interaction.id.desc())
        .limit(1)
    )
    return found


def tied_call_id(uow: UnitOfWork, callback: Callback) -> int | None:
    """The inbound call the callback's latest dial named, if it named one."""
    facts = uow.session.scalar(
        select(CallbackEvent.facts)
        .where(CallbackEvent.callback_id == callback.id, CallbackEvent.kind == Event.DIALING)
        .order_by(CallbackEvent.id.desc())
        .limit(1)
    )
    value = (facts or {}).get(FIELD)
    return value if isinstance(value, int) else None


def tied_inbound(uow: UnitOfWork, callback: Callback) -> InboundCall | None:
    """The facts of the inbound call the current call is tied to, as they are now."""
    call_id = tied_call_id(uow, callback)
    if call_id is None:
        return None
    return inbound_facts(load_inbound_call(uow, call_id=call_id, account_id=callback.account_id))


def audit_on_inbound(
    uow: UnitOfWork, *, actor: Actor, action: str, call_id: int, details: dict[str, Any]
) -> None:
    """The step on the inbound call's own record, next to its offer, answer and end."""
    record(
        uow,
        actor=actor,
        action=action,
        subject_type="interaction",
        subject_id=call_id,
        details=plain(details),
    )
