"""The caller hangs up: the call's interaction ends now, and a walk still going ends with it.

Hanging up while waiting in a queue (the walk ended there, no agent yet) is an abandonment,
recorded with its time: the interaction's disposition is `abandoned` and its end is when the
caller gave up, so the time waited is `ended_at - queued_at`. Hanging up in the menus, at an
offer or during a voicemail is `customer_disconnected`. A call already ended is not the
caller's to end again (Conflict). The hang-up is the walk's last step. A caller
offered to an agent who has not yet answered is still waiting: the offer is withdrawn and the
agent is Ready again. Hanging up on an agent who has answered ends the call as
`customer_disconnected`, and the agent goes to After-Call Work (`wrapup`).

`refuse_plain_end`: an inbound call is ended on this path only (the caller's hang-up here, the
agent's end in `wrapup`), never as a bare interaction (`PATCH /v1/interactions/{id}`), which
would leave an answered call's agent Talking with no After-Call Work, or a waiting caller
neither answered nor abandoned in their queue."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from caredesk.audit.service import Actor
from caredesk.db.session import UnitOfWork
from caredesk.errors import Conflict
from caredesk.inbound.models import IvrWalk, WalkOutcome, WalkPhase
from caredesk.inbound.offers import end_in
from caredesk.inbound.reservations import withdraw_offer
from caredesk.inbound.walks import add_step, load_walk
from caredesk.inbound.wrapup import finish_connected
from caredesk.interactions.models import Disposition, Interaction
from caredesk.interactions.service import end_interaction
from caredesk.routing.config import RoutingConfig

HANGUP = "hangup"


def hang_up(
    uow: UnitOfWork,
    *,
    actor: Actor,
    routing: RoutingConfig,
    call_id: int,
    within_account: int | None = None,
) -> IvrWalk:
    with uow.atomic():
        walk = load_walk(uow, call_id=call_id, within_account=within_account, for_update=True)
        interaction = uow.session.get(Interaction, walk.interaction_id)
        assert interaction is not None
        if interaction.ended_at is not None:
            raise Conflict("this call has already ended", field="call_id")
        if interaction.agent_id is not None:
            uow.session.refresh(interaction, with_for_update=True)
            finish_connected(
                uow,
                actor=actor,
                routing=routing,
                walk=walk,
                interaction=interaction,
                disposition=Disposition.CUSTOMER_DISCONNECTED,
                kind=HANGUP,
                ended_by="caller",
            )
            return walk
        now = uow.clock.now()
        waiting = walk.phase == WalkPhase.ENDED.value and walk.outcome == WalkOutcome.QUEUED.value
        menu = walk.menu if walk.phase == WalkPhase.MENU.value else walk.phase
        if walk.phase != WalkPhase.ENDED.value:
            end_in(walk, WalkOutcome.HUNG_UP, now)
        if waiting:
            # Offered to an agent and not yet answered: the agent is free again.
            withdraw_offer(uow, actor=actor, walk=walk)
        try:
            add_step(uow, walk, menu=menu, kind=HANGUP, value="", accepted=True, said=())
        except StaleDataError:
            raise Conflict(
                "an input to this call was taken at the same moment; send it again",
                field="call_id",
            ) from None
        end_interaction(
            uow,
            actor=actor,
            interaction=interaction,
            disposition=Disposition.ABANDONED if waiting else Disposition.CUSTOMER_DISCONNECTED,
            ended_at=now,
        )
        return walk


def refuse_plain_end(uow: UnitOfWork, *, interaction_id: int) -> None:
    """Conflict, naming the endpoint that ends it, when interaction `interaction_id` is an
    inbound call still going; nothing when it is no IVR walk's call (or has ended: ending it
    again is refused as for any interaction)."""
    row = uow.session.execute(
        select(Interaction.agent_id)
        .join(IvrWalk, IvrWalk.interaction_id == Interaction.id)
        .where(Interaction.id == interaction_id, Interaction.ended_at.is_(None))
    ).first()
    if row is None:
        return
    calls = f"/v1/ivr/calls/{interaction_id}"
    if row.agent_id is not None:
        endpoint = f"{calls}/end"
        detail = (
            f"an answered inbound call is ended by its agent with POST {endpoint} (a "
            f"disposition, then the queue's After-Call Work), or by the caller hanging up "
            f"(POST {calls}/hangup)"
        )
    else:
        endpoint = f"{calls}/hangup"
        detail = (
            f"an inbound call no agent has answered ends when the caller hangs up: POST "
            f"{endpoint} (an abandonment in its queue when it was waiting)"
        )
    raise Conflict(detail, field="interaction_id", extra={"endpoint": endpoint})
