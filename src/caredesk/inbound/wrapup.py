"""The end of a connected inbound call and the agent's After-Call Work after it.

- `end_call`: the agent who has the call (or a leader for them) ends it with a disposition.
- `finish_connected`: what every end of a connected call does, whoever ends it (the agent here,
  the caller in `hangup`): the walk's last step, the interaction ended, the agent to After-Call
  Work, an audit record and a live event.
- `time_wrap_up`: starts the clock on an agent's After-Call Work after a call (here, and when
  a call is escalated): the call's queue says how long (`wrap_up_seconds`).
- `end_wrap_ups` and `WrapUpTimer` (the dispatcher's round step): an agent still in that same
  After-Call Work spell when the time is over goes back to Ready, with the reason "wrap-up time
  over"; one who went Ready early or picked a Not Ready reason meanwhile is left as they chose.
  The spell's length is in the agent's state history like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from caredesk.agents import presence
from caredesk.agents.models import Agent
from caredesk.audit.service import Actor, record
from caredesk.db.leases import claim_rows
from caredesk.db.session import Database, UnitOfWork
from caredesk.errors import Conflict, InvalidTransition, ValidationFailed
from caredesk.inbound.models import InboundWrapUp, IvrWalk, WrapUpEnd
from caredesk.inbound.walks import add_step, held_call
from caredesk.interactions.models import Disposition, Interaction
from caredesk.interactions.service import end_interaction
from caredesk.live import Audience, publish
from caredesk.policy import AgentState
from caredesk.routing.config import RoutingConfig

END = "end"
WRAP_UP_OVER = "wrap-up time over"
# A queue taken out of the routing file since the call still gets a wrap-up of the default.
DEFAULT_WRAP_UP_SECONDS = 60.0
# What an agent may say a call they end came to. The others are the system's to record
# (abandoned, no answer, busy, voicemail, time restriction).
AGENT_DISPOSITIONS = (
    Disposition.RESOLVED,
    Disposition.TRANSFERRED,
    Disposition.CUSTOMER_DISCONNECTED,
    Disposition.DROPPED,
)


def check_disposition(value: str) -> Disposition:
    if value not in {item.value for item in AGENT_DISPOSITIONS}:
        names = ", ".join(item.value for item in AGENT_DISPOSITIONS)
        raise ValidationFailed(f"disposition must be one of: {names}", field="disposition")
    return Disposition(value)


def time_wrap_up(
    uow: UnitOfWork, *, routing: RoutingConfig, agent: Agent, call_id: int, queue: str | None
) -> InboundWrapUp:
    """Times the After-Call Work `agent` has just entered after call `call_id` of `queue`."""
    config = routing.queues.get(queue) if queue is not None else None
    seconds = config.wrap_up_seconds if config is not None else DEFAULT_WRAP_UP_SECONDS
    wrap = InboundWrapUp(
        agent_id=agent.id,
        call_id=call_id,
        queue=queue or "",
        state_version=agent.state_version,
        started_at=agent.state_since,
        due_at=agent.state_since + timedelta(seconds=seconds),
    )
    uow.session.add(wrap)
    uow.flush()
    return wrap


def finish_connected(
    uow: UnitOfWork,
    *,
    actor: Actor,
    routing: RoutingConfig,
    walk: IvrWalk,
    interaction: Interaction,
    disposition: Disposition,
    kind: str,
    ended_by: str,
) -> None:
    """Ends connected call `interaction` (its walk and row locked by the caller) as
    `disposition`; its agent goes to After-Call Work, timed. An agent no longer Talking (a
    leader moved them, a consult call took over) stays as they are."""
    holder = interaction.agent_id
    assert holder is not None
    now = uow.clock.now()
    try:
        add_step(
            uow,
            walk,
            menu=walk.queue or walk.menu,
            kind=kind,
            value=disposition.value,
            accepted=True,
            said=(),
        )
    except StaleDataError:
        raise Conflict(
            "this call changed at the same moment; look at it again", field="call_id"
        ) from None
    end_interaction(
        uow, actor=actor, interaction=interaction, disposition=disposition, ended_at=now
    )
    due: datetime | None = None
    try:
        agent = presence.change_state(
            uow,
            actor=actor,
            agent_id=holder,
            state=AgentState.AFTER_CALL_WORK,
            reason=f"call {interaction.id} ended",
        )
    except (Conflict, InvalidTransition):
        agent = None
    if agent is not None:
        due = time_wrap_up(
            uow, routing=routing, agent=agent, call_id=interaction.id, queue=walk.queue
        ).due_at
    record(
        uow,
        actor=actor,
        action="inbound.call_ended",
        subject_type="interaction",
        subject_id=interaction.id,
        after={"disposition": disposition.value, "agent_id": holder},
        details={
            "ended_by": ended_by,
            "queue": walk.queue,
            "wrap_up_until": due.isoformat() if due is not None else None,
        },
    )
    publish(
        uow,
        "agent.call_ended",
        audience=Audience(agent_id=holder, leaders=True),
        payload={
            "call_id": interaction.id,
            "agent_id": holder,
            "queue": walk.queue,
            "disposition": disposition.value,
            "wrap_up_until": due,
        },
    )


def end_call(
    uow: UnitOfWork,
    *,
    actor: Actor,
    routing: RoutingConfig,
    call_id: int,
    disposition: str,
    by_agent: int | None,
) -> IvrWalk:
    """Ends connected call `call_id` as `disposition`. `by_agent` is the agent acting, who must
    have the call; None when a leader acts for the agent who has it."""
    chosen = check_disposition(disposition)
    with uow.atomic():
        held = held_call(
            uow,
            call_id=call_id,
            by_agent=by_agent,
            unanswered="a caller not yet answered ends it by hanging up",
        )
        walk, interaction = held.walk, held.interaction
        finish_connected(
            uow,
            actor=actor,
            routing=routing,
            walk=walk,
            interaction=interaction,
            disposition=chosen,
            kind=END,
            ended_by="agent" if by_agent is not None else "leader",
        )
        uow.flush()
        return walk


@dataclass(frozen=True)
class WrapUpsEnded:
    claimed: int
    """Wrap-ups whose time was over."""
    ready: int
    """Agents put back to Ready (the others had left that After-Call Work already)."""


def end_wrap_ups(uow: UnitOfWork, *, now: datetime, batch: int) -> WrapUpsEnded:
    """Ends up to `batch` wrap-ups due at or before `now` (one transaction)."""
    actor = Actor.system("router")
    with uow.atomic():
        claimed = claim_rows(
            uow,
            InboundWrapUp,
            candidates=(InboundWrapUp.ended_at.is_(None), InboundWrapUp.due_at <= now),
            order_by=(InboundWrapUp.due_at, InboundWrapUp.id),
            values={"ended_at": now, "outcome": WrapUpEnd.MOVED_ON.value},
            batch=batch,
        )
        ready = 0
        for row in claimed:
            wrap = uow.session.get(InboundWrapUp, row.id)
            assert wrap is not None
            uow.session.refresh(wrap)
            try:
                presence.change_state(
                    uow,
                    actor=actor,
                    agent_id=wrap.agent_id,
                    state=AgentState.READY,
                    reason=WRAP_UP_OVER,
                    expected_version=wrap.state_version,
                )
            except (Conflict, InvalidTransition):
                continue
            wrap.outcome = WrapUpEnd.READY.value
            ready += 1
        uow.flush()
        return WrapUpsEnded(claimed=len(claimed), ready=ready)


@dataclass(frozen=True)
class WrapUpTimer:
    """The dispatcher's round step that ends After-Call Work whose time is over. It runs before
    inbound routing, so an agent back to Ready is offered the next caller in the same round."""

    name: str = "wrap_up"

    def __call__(self, db: Database, *, now: datetime, batch: int) -> dict[str, int]:
        ready = 0
        while True:
            with db.uow() as uow:
                done = end_wrap_ups(uow, now=now, batch=batch)
            ready += done.ready
            if done.claimed < batch:
                break
        return {"agents_ready_after_wrap_up": ready}


def open_wrap_up(uow: UnitOfWork, *, agent: Agent) -> InboundWrapUp | None:
    """The timed After-Call Work `agent` is in now, if any (for the desktop)."""
    if agent.state != AgentState.AFTER_CALL_WORK.value:
        return None
    return uow.session.scalar(
        select(InboundWrapUp)
        .where(
            InboundWrapUp.agent_id == agent.id,
            InboundWrapUp.state_version == agent.state_version,
            InboundWrapUp.ended_at.is_(None),
        )
        .limit(1)
    )
