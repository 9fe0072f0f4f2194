"""Escalation of a live call: the agent who has the caller (or a leader for them) sends the call
to a supervisor or a specialised department, with a reason.

The caller does not start again: the call goes to the other queue keeping the place it had (its
first arrival), so the next routing round offers it to that queue's agents before callers who
came later, and the offer shows the way the caller came, the escalation and its reason. The
agent who had the call goes to After-Call Work to write it up, timed by the queue the call
left (`wrapup`). The first answer's wait stays
the one the estimate's accuracy is measured on. A caller asks for a supervisor from the menu
("supervisor", "manager") or through the agent, who escalates here; a case escalates on its own
(`caredesk ticket escalate`, `POST /v1/tickets/{ref}/escalate`)."""

from __future__ import annotations

from caredesk.agents import presence
from caredesk.audit.service import Actor, record
from caredesk.db.session import UnitOfWork
from caredesk.errors import ValidationFailed
from caredesk.inbound.models import IvrWalk
from caredesk.inbound.walks import add_step, held_call
from caredesk.inbound.wrapup import time_wrap_up
from caredesk.live import Audience, publish
from caredesk.policy import AgentState
from caredesk.privacy import refuse_secrets
from caredesk.routing.config import RoutingConfig

ESCALATE = "escalate"
MAX_REASON = 300


def _reason(text: str) -> str:
    reason = " ".join(text.split())
    if not reason:
        raise ValidationFailed("say why the call is escalated", field="reason")
    if len(reason) > MAX_REASON:
        raise ValidationFailed(f"must be at most {MAX_REASON} characters", field="reason")
    refuse_secrets({"reason": reason})
    return reason


def escalate_call(
    uow: UnitOfWork,
    *,
    actor: Actor,
    routing: RoutingConfig,
    call_id: int,
    to_queue: str,
    reason: str,
    by_agent: int | None,
) -> IvrWalk:
    """Sends connected call `call_id` to `to_queue`. `by_agent` is the agent acting, who must
    have the call; None when a leader acts for the agent who has it."""
    reason = _reason(reason)
    queue = routing.queues.get(to_queue)
    if queue is None:
        names = ", ".join(sorted(routing.queues))
        raise ValidationFailed(f"no queue {to_queue[:64]!r}; one of {names}", field="queue")
    with uow.atomic():
        held = held_call(
            uow,
            call_id=call_id,
            by_agent=by_agent,
            unanswered="only a call an agent has answered is escalated",
        )
        walk, interaction, holder = held.walk, held.interaction, held.agent_id
        from_queue = walk.queue
        if from_queue == to_queue:
            raise ValidationFailed(f"the call is already in {queue.title}", field="queue")
        interaction.agent_id = None
        walk.queue = to_queue
        add_step(
            uow,
            walk,
            menu=from_queue or walk.menu,
            kind=ESCALATE,
            value=f"{to_queue}: {reason}",
            accepted=True,
            said=(routing.ivr.connect_prompt[walk.language],),
        )
        agent = presence.change_state(
            uow,
            actor=actor,
            agent_id=holder,
            state=AgentState.AFTER_CALL_WORK,
            reason=f"escalated call {call_id} to {to_queue}",
        )
        time_wrap_up(uow, routing=routing, agent=agent, call_id=call_id, queue=from_queue)
        record(
            uow,
            actor=actor,
            action="inbound.escalated",
            subject_type="interaction",
            subject_id=call_id,
            before={"queue": from_queue, "agent_id": holder},
            after={"queue": to_queue, "agent_id": None},
            details={"reason": reason},
        )
        publish(
            uow,
            "agent.call_escalated",
            audience=Audience(agent_id=holder, leaders=True),
            payload={
                "call_id": call_id,
                "agent_id": holder,
                "from_queue": from_queue,
                "queue": to_queue,
            },
        )
        uow.flush()
        return walk
