"""Placing the call: the dial gate and the attempt it starts (what became of the attempt is in
attempts.py).

The dial gate is the whole policy at the dial step, run the same way whether the agent accepts an
offer, dials a callback they own or picks one by hand: there is no path around it. The dial is
committed (DIALING, the attempt, the timeline) before the gateway is asked to place the call, and
the attempt's id is the gateway's call reference, so asking again never places a second call.
"""

from __future__ import annotations

import logging
from typing import NoReturn

from caredesk.accounts import values as account_values
from caredesk.agents.models import Agent as AgentRow
from caredesk.agents.service import get_agent
from caredesk.audit.service import Actor
from caredesk.callbacks.agent_moves import move_agent
from caredesk.callbacks.attempts import apply_result
from caredesk.callbacks.dial_refusals import (
    attempts_rule,
    cannot_take,
    closed_or_busy,
    exhausted,
    named,
    not_dialable,
)
from caredesk.callbacks.inbound_link import (
    FIELD,
    audit_on_inbound,
    inbound_facts,
    load_inbound_call,
)
from caredesk.callbacks.models import Callback, CallbackAttempt, CallbackStatus
from caredesk.callbacks.policy_view import attempts_of, build_context
from caredesk.callbacks.records import (
    Event,
    atomic_keeping_refusals,
    change,
    load_callback,
    note,
    refuse,
)
from caredesk.callbacks.runtime import CallbackRuntime
from caredesk.channels.ports import VoiceGateway
from caredesk.db.session import UnitOfWork
from caredesk.errors import Conflict, DomainError, NotFound, ValidationFailed
from caredesk.policy import (
    AgentState,
    AttemptResult,
    DialStringError,
    DialTarget,
    PolicyConfig,
    Step,
    dial_string,
    evaluate,
)
from caredesk.schemas import MAX_ID

log = logging.getLogger(__name__)

S = CallbackStatus
STARTABLE = frozenset({S.SCHEDULED.value, S.OFFERED.value})


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


def start_call(
    uow: UnitOfWork,
    *,
    actor: Actor,
    runtime: CallbackRuntime,
    callback_id: int,
    agent_id: int,
    number: str | None = None,
    inbound_call_id: int | None = None,
) -> CallbackAttempt:
    """The agent dials: an offer made to them, a callback they own or one they pick by hand.
    The dial gate runs on every path; a refusal is recorded with its rule IDs and raised.
    Every refusal of the dial, the gate's or not, names its catalogue rules (dial_refusals).

    ``inbound_call_id`` names the live inbound call the dial belongs to (the agent Talking on
    it): the stored call decides whether the tie holds (OB-STATE's exception), and a tie that
    does not hold refuses the dial naming OB-STATE and the field.

    Three durable transactions, because the gateway is called between them: the gate's
    verdict and the dial (DIALING, the attempt, the timeline) are committed before the gateway
    is asked to place the call, so no call is ever placed off the record; what the gateway
    answered (the call placed, or the attempt failed) is committed once it answered. Being
    durable, it cannot run inside another transaction, which would hold those commits back."""
    with atomic_keeping_refusals(uow, durable=True):
        callback, attempt = _open_attempt(
            uow,
            actor=actor,
            policy=runtime.policy,
            gateway=runtime.gateway,
            callback_id=callback_id,
            agent_id=agent_id,
            number=number,
            inbound_call_id=inbound_call_id,
        )
    try:
        call_id = runtime.gateway.dial(
            attempt.dial_string,
            from_line=attempt.from_line,
            call_ref=f"callback-{callback.id}-attempt-{attempt.id}",
        )
    except Exception as exc:  # the gateway's refusal or outage is this attempt's result
        log.warning("gateway could not place the call", extra={"callback_id": callback.id})
        reason = exc.detail if isinstance(exc, DomainError) else type(exc).__name__
        with uow.atomic(durable=True):
            apply_result(
                uow,
                callback,
                attempt,
                AttemptResult.FAILED,
                actor=actor,
                policy=runtime.policy,
                detail=f"the gateway could not place the call: {reason}",
            )
        return attempt
    with uow.atomic(durable=True):
        attempt.call_id = call_id[:80]
        note(
            uow,
            callback,
            actor=actor,
            kind=Event.CALL_PLACED,
            facts={"attempt_id": attempt.id, "call_id": attempt.call_id},
        )
    return attempt


def _open_attempt(
    uow: UnitOfWork,
    *,
    actor: Actor,
    policy: PolicyConfig,
    gateway: VoiceGateway,
    callback_id: int,
    agent_id: int,
    number: str | None,
    inbound_call_id: int | None = None,
) -> tuple[Callback, CallbackAttempt]:
    """The dial gate and, when it allows the dial, the attempt with the callback DIALING."""
    callback = load_callback(uow, callback_id)
    agent = _agent(uow, agent_id)
    now = uow.clock.now()
    inbound = None
    if inbound_call_id is not None:
        line_one = load_inbound_call(uow, call_id=inbound_call_id, account_id=callback.account_id)
        inbound = inbound_facts(line_one)
    target = callback.number
    if number is not None:
        try:
            target = account_values.normalise_phone(number)
        except ValueError as exc:
            sentence = f"{exc}; only a phone number on the account is called"
            raise named(
                ValidationFailed, [("OB-SCOPE-CUSTOMER", sentence)], field="number", now=now
            ) from None
    dial = DialTarget(
        number=target,
        originating_line=agent.platform_line,
        platform_line=agent.platform_line in gateway.platform_lines(),
        alternate_for_troubleshooting=(
            target == callback.alternate_number and agent.state == AgentState.AFTER_CALL_WORK
        ),
    )
    context = build_context(
        uow,
        callback=callback,
        step=Step.DIAL,
        now=now,
        agent=agent,
        dial=dial,
        inbound_call=inbound,
    )
    decision = evaluate(context, policy)
    # A named inbound call the record does not bear out is the field at fault.
    untied = inbound is not None and "OB-STATE" in decision.failed_rule_ids

    def refuse_dial() -> NoReturn:
        """Puts the gate's refusal on the callback's record and raises it."""
        refuse(
            uow,
            callback,
            decision,
            actor=actor,
            step=Step.DIAL,
            agent_id=agent.id,
            facts={
                "number": target,
                "path": _path(callback, agent),
                **({FIELD: inbound_call_id} if inbound_call_id is not None else {}),
            },
            field=FIELD if untied else "step",
        )

    if closed_or_busy(callback):
        # Never dialled whoever asks. After the last allowed attempt went unanswered the policy
        # itself refuses (OB-ATTEMPTS), and that refusal is put on record like any dial's.
        if not decision.allowed and exhausted(callback):
            refuse_dial()
        raise not_dialable(callback, now, decision)
    # Who may take it is settled before the gate, so a refusal is put on record only for a
    # dial this agent could otherwise make.
    problem = cannot_take(callback, agent, now)
    if problem is not None:
        raise problem
    if not decision.allowed:
        refuse_dial()
    if callback.status not in STARTABLE:
        raise not_dialable(callback, now, decision)
    try:
        digits = dial_string(target)
    except DialStringError as exc:
        raise named(ValidationFailed, [("OB-INTL", str(exc))], field="number", now=now) from None
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
    tied = f", tied to inbound call {inbound_call_id}" if inbound_call_id is not None else ""
    # On the line from the dial: ringing, then talking to the customer or their voicemail.
    agent_state = move_agent(
        uow, actor=actor, agent_id=agent.id, states=[AgentState.TALKING], callback=callback
    )
    try:
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
                "agent_state": agent_state,
                **({FIELD: inbound_call_id} if inbound_call_id is not None else {}),
            },
            detail=f"agent {agent.id} dials {digits} from {agent.platform_line} ({path}{tied})",
        )
    except Conflict:
        # The same dial raced and lost: the other agent's attempt is the one being made.
        sentence = (
            f"another dial of callback {callback.id} started at the same moment; attempts are "
            "made one at a time"
        )
        rules = [(attempts_rule(callback.line_of_business), sentence)]
        raise named(Conflict, rules, field="callback_id", now=now) from None
    if inbound_call_id is not None:
        audit_on_inbound(
            uow,
            actor=actor,
            action="inbound.outbound_call_tied",
            call_id=inbound_call_id,
            details={
                "callback_id": callback.id,
                "attempt_id": attempt.id,
                "agent_id": agent.id,
                "number": target,
            },
        )
    return callback, attempt
