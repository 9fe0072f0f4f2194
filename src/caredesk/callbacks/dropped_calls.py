"""Dropped calls become "Dropped Call" callbacks, one per dropped call."""

from __future__ import annotations

from sqlalchemy import select

from caredesk.accounts.models import ContactPoint as ContactRow
from caredesk.accounts.models import Person
from caredesk.audit.service import Actor
from caredesk.callbacks.inputs import CallbackRequest
from caredesk.callbacks.request_inputs import Submitted, agent_or_none
from caredesk.callbacks.requests import submit_callback_request
from caredesk.callbacks.runtime import CallbackRuntime
from caredesk.db.session import UnitOfWork
from caredesk.errors import ValidationFailed
from caredesk.interactions.models import Direction, Disposition
from caredesk.interactions.service import get_interaction
from caredesk.policy import (
    CallbackOrigin,
    CallbackReason,
    CallEnd,
    CallerRole,
    LineOfBusiness,
)


def request_dropped_call_callback(
    uow: UnitOfWork,
    *,
    actor: Actor,
    runtime: CallbackRuntime,
    interaction_id: int,
    line_of_business: LineOfBusiness | str | None = None,
    caller_role: CallerRole | str = CallerRole.AGENT,
    owner_agent_id: int | None = None,
    requested_by_agent_id: int | None = None,
    idempotency_key: str | None = None,
) -> Submitted:
    """A dropped call becomes a "Dropped Call" callback to the number that called (when it is
    on the account). One per interaction unless another idempotency key is given."""
    interaction = get_interaction(uow, interaction_id=interaction_id)
    if interaction.disposition != Disposition.DROPPED.value:
        ended = interaction.disposition or "not ended yet"
        raise ValidationFailed(
            f"only a dropped call is called back as one; this interaction is {ended}",
            field="interaction_id",
        )
    if interaction.account_id is None:
        raise ValidationFailed("the interaction is not tied to an account", field="interaction_id")
    customer_side = (
        interaction.from_address
        if interaction.direction == Direction.INBOUND.value
        else interaction.to_address
    )
    number = None
    if customer_side:
        known = uow.session.scalar(
            select(ContactRow.value)
            .join(Person, Person.id == ContactRow.person_id)
            .where(Person.account_id == interaction.account_id, ContactRow.value == customer_side)
            .limit(1)
        )
        number = known
    lob = line_of_business
    if lob is None:
        handler = agent_or_none(uow, interaction.agent_id, "interaction_id")
        lob = handler.line_of_business if handler else LineOfBusiness.CARE
    request = CallbackRequest(
        account_id=interaction.account_id,
        origin=CallbackOrigin.DROPPED_CALL,
        reason=CallbackReason.DROPPED_CALL,
        line_of_business=lob,
        caller_role=caller_role,
        number=number,
        ticket_ref=interaction.ticket_id,
        interaction_id=interaction.id,
        customer_spoken_to=interaction.agent_id is not None,
        last_call_end=CallEnd.DROPPED,
        owner_agent_id=owner_agent_id,
        requested_by_agent_id=requested_by_agent_id,
        idempotency_key=idempotency_key or f"interaction:{interaction.id}:dropped-call",
    )
    return submit_callback_request(uow, request, actor=actor, runtime=runtime)
