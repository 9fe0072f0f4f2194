"""Changing an agent's state: validated against the transition table, kept in the history, and
safe when two changes race (the desktop, the dispatcher and a leader may all act at once)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select, update

from caredesk.agents.models import Agent, AgentStateChange
from caredesk.agents.service import get_agent
from caredesk.agents.states import StateEntry, check_transition, time_in_state
from caredesk.agents.values import check_text
from caredesk.audit.service import Actor, record
from caredesk.db.session import UnitOfWork
from caredesk.errors import Conflict, ValidationFailed
from caredesk.live import Audience, publish
from caredesk.policy import AgentState
from caredesk.privacy import scrub_text


def _current_state(agent: Agent) -> AgentState:
    try:
        return AgentState(agent.state)
    except ValueError:  # a value no release ever wrote; say so rather than guess
        raise Conflict(f"the stored state {agent.state!r} is not known", field="state") from None


def change_state(
    uow: UnitOfWork,
    *,
    actor: Actor,
    agent_id: int,
    state: AgentState | str,
    reason: str | None = None,
    expected_version: int | None = None,
) -> Agent:
    """Moves the agent to ``state``. Refused with InvalidTransition (409, field ``state``) when
    the table does not allow it, and with Conflict (409, field ``state``) when another change
    got there first; either way nothing is written.

    Every refusal is raised outside the transaction's block, after nothing was written: a
    caller inside its own transaction (a callback moving its agent along) may catch it and go
    on, and its transaction stays whole."""
    try:
        target = AgentState(state)
    except ValueError:
        names = ", ".join(member.value for member in AgentState)
        raise ValidationFailed(f"state must be one of: {names}", field="state") from None
    if reason is not None:
        try:
            reason = scrub_text(check_text(reason.strip()))
        except ValueError as exc:
            raise ValidationFailed(f"reason {exc}", field="reason") from None
        if len(reason) > 200:
            raise ValidationFailed("reason must be at most 200 characters", field="reason")
        reason = reason or None

    agent = get_agent(uow, agent_id=agent_id)
    # Read what is committed now, not what this session may have cached earlier.
    uow.session.refresh(agent)
    if not agent.active:
        raise Conflict("the agent is deactivated; reactivate them first", field="active")
    if expected_version is not None and expected_version != agent.state_version:
        raise Conflict(
            f"the agent's state changed since version {expected_version}; it is now "
            f"{agent.state} (version {agent.state_version})",
            field="state",
            extra={"state": agent.state, "state_version": agent.state_version},
        )
    current = _current_state(agent)
    check_transition(current, target)

    with uow.atomic():
        moved = _move(uow, actor=actor, agent=agent, current=current, target=target, reason=reason)
    if not moved:
        raise Conflict(
            f"another change to this agent's state was made at the same moment; it was no longer "
            f"{current.value}, so {target.value} was not applied",
            field="state",
        )
    return agent


def _move(
    uow: UnitOfWork,
    *,
    actor: Actor,
    agent: Agent,
    current: AgentState,
    target: AgentState,
    reason: str | None,
) -> bool:
    """Writes the move, its history row and audit record; False (nothing written) when another
    change moved the agent since it was read."""
    now = uow.clock.now()
    prior_version, prior_since = agent.state_version, agent.state_since
    # The version in the WHERE makes the read-check-write atomic on every engine: a change that
    # read the same prior state finds the version moved on and updates nothing.
    result = uow.session.execute(
        update(Agent)
        .where(Agent.id == agent.id, Agent.state_version == prior_version)
        .values(state=target.value, state_since=now, state_version=prior_version + 1)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return False
    uow.session.add(
        AgentStateChange(
            agent_id=agent.id,
            from_state=current.value,
            to_state=target.value,
            from_since=prior_since,
            reason=reason,
            at=now,
            actor=str(actor),
        )
    )
    record(
        uow,
        actor=actor,
        action="agent.state_changed",
        subject_type="agent",
        subject_id=agent.id,
        before={"state": current.value, "state_version": prior_version},
        after={"state": target.value, "state_version": prior_version + 1},
        details={"reason": reason} if reason else None,
    )
    # The agent's desktop and the leaders' dashboard follow the change live.
    publish(
        uow,
        "agent.state_changed",
        audience=Audience(agent_id=agent.id, leaders=True),
        payload={
            "agent_id": agent.id,
            "from_state": current.value,
            "state": target.value,
            "state_version": prior_version + 1,
            "since": now,
        },
    )
    uow.flush()
    uow.session.refresh(agent)
    return True


def state_history_query(*, agent_id: int) -> Select[AgentStateChange]:
    """The agent's state changes, oldest first once ordered by id."""
    return select(AgentStateChange).where(AgentStateChange.agent_id == agent_id)


def state_totals(
    uow: UnitOfWork, *, agent_id: int, start: datetime, end: datetime
) -> dict[AgentState, float]:
    """Seconds spent in each state between ``start`` and ``end``."""
    get_agent(uow, agent_id=agent_id)
    if start.tzinfo is None or end.tzinfo is None or end <= start:
        raise ValidationFailed("end must be an aware instant after start", field="end")
    # The last change before the period says what state it opened in.
    opening = uow.session.scalar(
        state_history_query(agent_id=agent_id)
        .where(AgentStateChange.at <= start)
        .order_by(AgentStateChange.at.desc(), AgentStateChange.id.desc())
        .limit(1)
    )
    changes = uow.session.scalars(
        state_history_query(agent_id=agent_id)
        .where(AgentStateChange.at > start, AgentStateChange.at < end)
        .order_by(AgentStateChange.at, AgentStateChange.id)
    )
    entries = [StateEntry(AgentState(opening.to_state), start)] if opening is not None else []
    entries += [StateEntry(AgentState(change.to_state), change.at) for change in changes]
    totals = time_in_state(entries, until=end)
    return {state: spent.total_seconds() for state, spent in totals.items()}
