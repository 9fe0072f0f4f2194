"""Escalating a live call to a supervisor or a specialised department (`escalation`)."""

from __future__ import annotations

from fastapi import APIRouter

from caredesk.errors import PermissionDenied
from caredesk.inbound.api import CallId, Routing
from caredesk.inbound.escalation import escalate_call
from caredesk.inbound.schemas import CallEscalation, CallRead
from caredesk.inbound.views import call_view
from caredesk.web.deps import Staff, UoW

router = APIRouter(tags=["ivr"])


@router.post("/v1/ivr/calls/{call_id}/escalate", response_model=CallRead)
def escalate(
    call_id: CallId, body: CallEscalation, principal: Staff, uow: UoW, routing: Routing
) -> CallRead:
    """The agent who has the call (or a leader) sends it to another queue with a reason: the
    caller keeps their place there and the agent goes to After-Call Work. 409 when no agent has
    the call or it ended; 403 when it is another agent's."""
    if not principal.is_leader and principal.agent_id is None:
        raise PermissionDenied(
            "only the agent who has the call, or a leader, escalates it", field="call_id"
        )
    walk = escalate_call(
        uow,
        actor=principal.actor,
        routing=routing,
        call_id=call_id,
        to_queue=body.queue,
        reason=body.reason,
        by_agent=None if principal.is_leader else principal.agent_id,
    )
    return call_view(uow, routing, walk)
