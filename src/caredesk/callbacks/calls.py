"""Placing the call: the dial gate and the attempt it starts (what became of the attempt is in
attempts.py).

The dial gate is the whole policy at the dial step, run the same way whether the agent accepts an
offer, dials a callback they own or picks one by hand: there is no path around it. The dial is
committed (DIALING, the attempt, the timeline) before the gateway is asked to place the call, and
the attempt's id is the gateway's call reference, so asking again never places a second call.
"""

from __future__ import annotations

import logging
from datetime import datetime

from caredesk.accounts import values as account_values
from caredesk.agents.models import Agent as AgentRow
from caredesk.agents.service import get_agent
from caredesk.audit.service import Actor
from caredesk.callbacks.attempts import apply_result
from caredesk.callbacks.context import attempts_of, build_context, caller_role_of
from caredesk.callbacks.models import CLOSED_STATUSES, Callback, CallbackAttempt, CallbackStatus
from caredesk.callbacks.policy import (
    AgentState,
    AttemptResult,
    CallerRole,
    DialStringError,
    DialTarget,
    PolicyConfig,
    Step,
    dial_string,
    evaluate,
)
from caredesk.callbacks.records import Event, change, load_callback, note, refuse
from caredesk.channels.ports import VoiceGateway
from caredesk.db.session import UnitOfWork
from caredesk.errors import Conflict, DomainError, InvalidTransition, NotFound, ValidationFailed
from caredesk.schemas import MAX_ID

log = logging.getLogger(__name__)

S = CallbackStatus
STARTABLE = frozenset({S.SCHEDULED.value, S.OFFERED.value})
ON_A_CALL = frozenset({S.DIALING.value, S.IN_CALL.value, S.WRAP_UP.value})


def _agent(uow: UnitOfWork, agent_id: int) -> AgentRow:
    agent = get_agent(uow, agent_id=agent_id) if 1 <= agent_id <= MAX_ID else None
    if agent is None:
        raise NotFound(f"no agent with id {agent_id}", field="agent_id")
    uow.session.refresh(agent)
    return agent


def _path(callback: Callback, agent: AgentRow) -> str:
    if callback.status == S.OFFERED.value:
        return "offered"
    return "owned" if callback.owner_agent_id == agent.id else "manual"


def _check_can_take(callback: Callback, agent: AgentRow, now: datetime) -> None:
    if callback.status in CLOSED_STATUSES or callback.status in ON_A_CALL:
        raise InvalidTransition(
            f"callback {callback.id} is {callback.status}; only a scheduled or offered callback "
            "is dialled",
            field="callback_id",
        )
    if not agent.active:
        raise Conflict("the agent is deactivated", field="agent_id")
    if (
        agent.line_of_business != callback.line_of_business
        and caller_role_of(agent) is not CallerRole.LEADER
    ):
        raise ValidationFailed(
            f"the callback belongs to {callback.line_of_business} and the agent works in "
            f"{agent.line_of_business}",
            field="agent_id",
        )
    if callback.status == S.OFFERED.value and callback.offered_to_agent_id != agent.id:
        raise Conflict(
            f"callback {callback.id} is offered to agent {callback.offered_to_agent_id}",
            field="agent_id",
        )
    leased = callback.lease_expires_at is not None and callback.lease_expires_at > now
    if callback.status == S.SCHEDULED.value and leased:
        raise Conflict(
            f"a dispatcher is offering callback {callback.id} to an agent right now",
            field="callback_id",
        )
    if callback.status == S.OFFERED.value and not leased:
        raise Conflict(
            "the offer ran out; the callback goes back to the schedule", field="agent_id"
        )


def start_call(
    uow: UnitOfWork,
    *,
    actor: Actor,
    policy: PolicyConfig,
    gateway: VoiceGateway,
    callback_id: int,
    agent_id: int,
    number: str | None = None,
) -> CallbackAttempt:
    """The agent dials: an offer made to them, a callback they own or one they pick by hand.
    The dial gate runs on every path; a refusal is recorded with its rule IDs and raised."""
    callback = load_callback(uow, callback_id)
    agent = _agent(uow, agent_id)
    now = uow.clock.now()
    if callback.status in STARTABLE or callback.status in CLOSED_STATUSES | ON_A_CALL:
        # Who may take it is settled first; a callback not yet scheduled still meets the gate,
        # so the answer names the rule that holds it (OB-NOTIFY, OB-SA-EMAIL-FIRST).
        _check_can_take(callback, agent, now)
    target = callback.number
    if number is not None:
        try:
            target = account_values.normalise_phone(number)
        except ValueError as exc:
            raise ValidationFailed(str(exc), field="number") from None
    dial = DialTarget(
        number=target,
        originating_line=agent.platform_line,
        platform_line=agent.platform_line in gateway.platform_lines(),
        alternate_for_troubleshooting=(
            target == callback.alternate_number and agent.state == AgentState.AFTER_CALL_WORK
        ),
    )
    context = build_context(uow, callback=callback, step=Step.DIAL, now=now, agent=agent, dial=dial)
    decision = evaluate(context, policy)
    if not decision.allowed:
        refuse(
            uow,
            callback,
            decision,
            actor=actor,
            step=Step.DIAL,
            agent_id=agent.id,
            facts={"number": target, "path": _path(callback, agent)},
        )
    if callback.status not in STARTABLE:
        raise InvalidTransition(
            f"callback {callback.id} is {callback.status}, not yet scheduled", field="callback_id"
        )
    try:
        digits = dial_string(target)
    except DialStringError as exc:
        raise ValidationFailed(str(exc), field="number") from None
    attempt = CallbackAttempt(
        callback_id=callback.id,
        agent_id=agent.id,
        number=target,
        dial_string=digits,
        from_line=agent.platform_line,
        started_at=now,
    )
    uow.session.add(attempt)
    uow.flush()
    path = _path(callback, agent)
    change(
        uow,
        callback,
        actor=actor,
        kind=Event.DIALING,
        to=S.DIALING,
        values={"lease_owner": None, "lease_token": None, "lease_expires_at": None},
        rule_ids=[result.rule_id for result in decision.passed],
        facts={
            "attempt_id": attempt.id,
            "attempt": len(attempts_of(uow, callback)),
            "agent_id": agent.id,
            "number": target,
            "dial_string": digits,
            "from_line": agent.platform_line,
            "path": path,
        },
        detail=f"agent {agent.id} dials {digits} from {agent.platform_line} ({path})",
    )
    uow.commit()
    try:
        call_id = gateway.dial(
            digits,
            from_line=agent.platform_line,
            call_ref=f"callback-{callback.id}-attempt-{attempt.id}",
        )
    except Exception as exc:  # the gateway's refusal or outage is this attempt's result
        log.warning("gateway could not place the call", extra={"callback_id": callback.id})
        reason = exc.detail if isinstance(exc, DomainError) else type(exc).__name__
        apply_result(
            uow,
            callback,
            attempt,
            AttemptResult.FAILED,
            actor=actor,
            policy=policy,
            detail=f"the gateway could not place the call: {reason}",
        )
        uow.commit()
        return attempt
    attempt.call_id = call_id[:80]
    note(
        uow,
        callback,
        actor=actor,
        kind=Event.CALL_PLACED,
        facts={"attempt_id": attempt.id, "call_id": attempt.call_id},
    )
    uow.commit()
    return attempt
