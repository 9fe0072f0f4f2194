"""The agent's state follows the call: Talking from the dial until the call ends, After-Call Work
while it is written up (and on the handbook's alternate-number path, from where the alternate
number is dialled), then back to the state the policy names (Not Ready - Follow-Up or Ready).

Every move goes through the agents' own state service, in the caller's transaction: the state
history records it and a change that raced another one is not applied. The call is never held
up by the agent's state: a move the state machine refuses (the agent went on a break meanwhile,
a leader moved them) leaves the state as it is and says so in the callback event's facts.
"""

from __future__ import annotations

from collections.abc import Sequence

from caredesk.agents.models import Agent
from caredesk.agents.presence import change_state
from caredesk.audit.service import Actor
from caredesk.callbacks.models import Callback
from caredesk.db.session import UnitOfWork
from caredesk.errors import DomainError
from caredesk.policy import AgentState

MAX_NOTE = 200


def move_agent(
    uow: UnitOfWork,
    *,
    actor: Actor,
    agent_id: int | None,
    states: Sequence[AgentState],
    callback: Callback,
) -> str:
    """Moves the agent through ``states`` in order (a state they are in already is skipped),
    in the caller's transaction; returns what became of it, for the callback event's facts.
    A move the state service refuses wrote nothing, so the caller's transaction goes on."""
    if agent_id is None:
        return "no agent"
    reached: str | None = None
    for state in states:
        agent = uow.session.get(Agent, agent_id)
        if agent is not None:
            uow.session.refresh(agent)
            if agent.state == state.value:
                reached = state.value
                continue
        try:
            change_state(
                uow,
                actor=actor,
                agent_id=agent_id,
                state=state,
                reason=f"callback {callback.id}",
            )
        except DomainError as exc:
            return f"unchanged ({exc.detail})"[:MAX_NOTE] if reached is None else reached
        reached = state.value
    return reached or "unchanged"
