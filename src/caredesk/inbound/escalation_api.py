"""What the agent who has a live call (or a leader for them) does with it from the desktop:
escalate it to a supervisor or a specialised department (`escalation`), or end it with a
disposition (`wrapup`)."""

from __future__ import annotations

from fastapi import APIRouter

from caredesk.errors import PermissionDenied
from caredesk.inbound.api import CallId, Routing
from caredesk.inbound.escalation import escalate_call
from caredesk.inbound.schemas import CallEnd, CallEscalation, CallRead
from caredesk.inbound.views import call_view
from caredesk.inbound.wrapup import end_call
from caredesk.web.deps import Principal, Staff, UoW

router = APIRouter(tags=["ivr"])


def _acting_agent(principal: Principal, verb: str) -> int | None:
    """The agent who must have the call, or None for a leader acting for them."""
    if principal.is_leader:
        return None
    if principal.agent_id is None:
        raise PermissionDenied(
            f"only the agent who has the call, or a leader, {verb} it", field="call_id"
        )
    return principal.agent_id


@router.post("/v1/ivr/calls/{call_id}/escalate", response_model=CallRead)
def escalate(
    call_id: CallId, body: CallEscalation, principal: Staff, uow: UoW, routing: Routing
) -> CallRead:
    """The agent who has the call (or a leader) sends it to another queue with a reason: the
    caller keeps their place there and the agent goes to After-Call Work. 409 when no agent has
    the call or it ended; 403 when it is another agent's."""
    walk = escalate_call(
        uow,
        actor=principal.actor,
        routing=routing,
        call_id=call_id,
        to_queue=body.queue,
        reason=body.reason,
        by_agent=_acting_agent(principal, "escalates"),
    )
    return call_view(uow, routing, walk)


@router.post("/v1/ivr/calls/{call_id}/end", response_model=CallRead)
def end(call_id: CallId, body: CallEnd, principal: Staff, uow: UoW, routing: Routing) -> CallRead:
    """The agent who has the call (or a leader) ends it with a disposition: the call's walk
    records it, and the agent goes to After-Call Work for the queue's `wrap_up_seconds`, after
    which the dispatcher puts them back to Ready. 409 when no agent has the call or it ended;
    403 when it is another agent's."""
    walk = end_call(
        uow,
        actor=principal.actor,
        routing=routing,
        call_id=call_id,
        disposition=body.disposition,
        by_agent=_acting_agent(principal, "ends"),
    )
    return call_view(uow, routing, walk)
