"""`/v1/interactions`: staff record and end contacts; a customer reads their own account's. An
interaction out of the caller's reach is a 404, the same as a missing one. An inbound call is
not ended here but on its own path (`inbound.hangup.refuse_plain_end` says where)."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query, status

from caredesk.inbound.hangup import refuse_plain_end
from caredesk.interactions import service
from caredesk.interactions.models import Channel, Direction, Interaction
from caredesk.interactions.schemas import InteractionCreate, InteractionEnd, InteractionRead
from caredesk.schemas import MAX_ID
from caredesk.web.deps import AnyUser, Staff, UoW
from caredesk.web.pagination import Page

router = APIRouter(tags=["interactions"])


@router.post(
    "/v1/interactions", response_model=InteractionRead, status_code=status.HTTP_201_CREATED
)
def create_interaction(body: InteractionCreate, principal: Staff, uow: UoW) -> Interaction:
    """Record a contact on any channel; send `ended_at` with `disposition` if it is over."""
    return service.create_interaction(uow, actor=principal.actor, **body.model_dump())


@router.get("/v1/interactions", response_model=Page[InteractionRead])
def list_interactions(
    principal: AnyUser,
    uow: UoW,
    account_id: int | None = Query(default=None, ge=1, le=MAX_ID),
    agent_id: int | None = Query(default=None, ge=1, le=MAX_ID),
    ticket_id: int | None = Query(default=None, ge=1, le=MAX_ID),
    channel: Channel | None = None,
    direction: Direction | None = None,
    ongoing: bool | None = Query(default=None, description="true: not ended yet."),
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[InteractionRead]:
    """Interactions, oldest first; customers always see only their own account's."""
    if not principal.is_staff:
        if account_id is not None:
            principal.require_account(account_id)
        account_id = principal.account_id or 0
    rows, next_cursor = service.list_interactions(
        uow,
        account_id=account_id,
        agent_id=agent_id,
        ticket_id=ticket_id,
        channel=channel,
        direction=direction,
        ongoing=ongoing,
        limit=limit,
        cursor=cursor,
    )
    return Page[InteractionRead](
        items=[InteractionRead.model_validate(row) for row in rows], next_cursor=next_cursor
    )


@router.get("/v1/interactions/{interaction_id}", response_model=InteractionRead)
def get_interaction(
    principal: AnyUser, uow: UoW, interaction_id: int = Path(ge=1, le=MAX_ID)
) -> Interaction:
    # Another account's contact, or one tied to no account, is not found, as a missing one.
    return service.get_interaction(
        uow, interaction_id=interaction_id, within_account=principal.account_scope
    )


@router.patch("/v1/interactions/{interaction_id}", response_model=InteractionRead)
def end_interaction(
    body: InteractionEnd, principal: Staff, uow: UoW, interaction_id: int = Path(ge=1, le=MAX_ID)
) -> Interaction:
    """End an interaction: its disposition and, if not now, when it ended. An inbound call
    still going is refused (409) with the endpoint that ends it: `POST
    /v1/ivr/calls/{id}/end` once answered (the agent goes to After-Call Work), `POST
    /v1/ivr/calls/{id}/hangup` for the caller."""
    refuse_plain_end(uow, interaction_id=interaction_id)
    return service.end_interaction(
        uow,
        actor=principal.actor,
        interaction=service.get_interaction(uow, interaction_id=interaction_id),
        disposition=body.disposition,
        ended_at=body.ended_at,
    )
