"""What became of a dial: the result of each attempt (entered by the agent or read from the
voice gateway), the next attempt or, after the last allowed one, the voicemail and the memo
(OB-ATTEMPTS, OB-VOICEMAIL); the end of an answered call."""

from __future__ import annotations

import logging

from sqlalchemy import select

from caredesk.audit.service import Actor
from caredesk.callbacks.agent_moves import move_agent
from caredesk.callbacks.models import Callback, CallbackAttempt, CallbackStatus
from caredesk.callbacks.records import Event, change, load_callback, note
from caredesk.callbacks.runtime import CallbackRuntime
from caredesk.channels.ports import CallEventKind
from caredesk.db.session import UnitOfWork
from caredesk.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from caredesk.policy import AgentState, AttemptResult, LineOfBusiness, PolicyConfig
from caredesk.schemas import MAX_ID

log = logging.getLogger(__name__)

S = CallbackStatus
TALKING = AgentState.TALKING
ACW = AgentState.AFTER_CALL_WORK
UNANSWERED = frozenset({AttemptResult.NO_ANSWER, AttemptResult.BUSY, AttemptResult.VOICEMAIL})
# How the gateway's first decisive signal reads as an attempt result.
SIGNALS = {
    CallEventKind.ANSWERED: AttemptResult.CONTACT,
    CallEventKind.NO_ANSWER: AttemptResult.NO_ANSWER,
    CallEventKind.BUSY: AttemptResult.BUSY,
    CallEventKind.MACHINE: AttemptResult.VOICEMAIL,
    CallEventKind.FAILED: AttemptResult.FAILED,
}


def _attempt(uow: UnitOfWork, callback: Callback, attempt_id: int) -> CallbackAttempt:
    attempt = uow.session.get(CallbackAttempt, attempt_id) if 1 <= attempt_id <= MAX_ID else None
    if attempt is None or attempt.callback_id != callback.id:
        raise NotFound(f"callback {callback.id} has no attempt {attempt_id}", field="attempt_id")
    uow.session.refresh(attempt)
    return attempt


def latest_attempt(uow: UnitOfWork, callback: Callback) -> CallbackAttempt | None:
    return uow.session.scalar(
        select(CallbackAttempt)
        .where(CallbackAttempt.callback_id == callback.id)
        .order_by(CallbackAttempt.id.desc())
        .limit(1)
    )


def require_caller(uow: UnitOfWork, callback: Callback, agent_id: int | None) -> CallbackAttempt:
    """The attempt in progress; only the agent who placed it acts on it."""
    attempt = latest_attempt(uow, callback)
    if attempt is None:
        raise InvalidTransition("the callback was never dialled", field="callback_id")
    if agent_id is not None and attempt.agent_id != agent_id:
        raise Conflict(
            f"agent {attempt.agent_id} is on this call, not agent {agent_id}", field="agent_id"
        )
    return attempt


def apply_result(
    uow: UnitOfWork,
    callback: Callback,
    attempt: CallbackAttempt,
    result: AttemptResult,
    *,
    actor: Actor,
    policy: PolicyConfig,
    detail: str | None = None,
) -> None:
    now = uow.clock.now()
    attempt.result = result.value
    facts: dict[str, object] = {
        "attempt_id": attempt.id,
        "result": result.value,
        "number": attempt.number,
    }
    if result is AttemptResult.CONTACT:
        facts["agent_state"] = move_agent(
            uow, actor=actor, agent_id=attempt.agent_id, states=[TALKING], callback=callback
        )
        change(
            uow,
            callback,
            actor=actor,
            kind=Event.ATTEMPT_RESULT,
            to=S.IN_CALL,
            values={"contact_made": True},
            facts=facts,
            detail=detail or "the customer answered",
        )
        return
    # The next attempt is planned by the policy only when this one went unanswered: an answered
    # dial (the common case) loads neither the scheduling nor the policy's view of the callback.
    from caredesk.callbacks.policy_view import attempts_of
    from caredesk.callbacks.scheduling import plan_decision, reschedule_due

    attempt.ended_at = now
    uow.flush()
    made = len([row for row in attempts_of(uow, callback) if row.result is not None])
    limit = policy.for_lob(LineOfBusiness(callback.line_of_business)).max_attempts_without_contact
    values: dict[str, object] = {}
    if not callback.contact_made:
        values["attempts_without_contact"] = made
    facts.update(attempts=made, limit=limit)
    if callback.contact_made or made < limit:
        # Nothing to write up before the next attempt: through After-Call Work and back.
        facts["agent_state"] = move_agent(
            uow,
            actor=actor,
            agent_id=attempt.agent_id,
            states=[ACW, policy.after_wrap_up],
            callback=callback,
        )
        values.update(reschedule_due(uow, policy=policy, callback=callback))
        change(
            uow,
            callback,
            actor=actor,
            kind=Event.ATTEMPT_RESULT,
            to=S.SCHEDULED,
            values=values,
            facts=facts,
            detail=detail or f"attempt {made} of {limit} ended {result.value}; another is due",
        )
        return
    # The voicemail, the memo and the wrap-up are After-Call Work.
    facts["agent_state"] = move_agent(
        uow, actor=actor, agent_id=attempt.agent_id, states=[ACW], callback=callback
    )
    decision = plan_decision(uow, policy=policy, callback=callback, now=now)
    facts["required_steps"] = [step.label for step in decision.required_steps]
    change(
        uow,
        callback,
        actor=actor,
        kind=Event.ATTEMPT_RESULT,
        to=S.WRAP_UP,
        values=values,
        rule_ids=list(decision.failed_rule_ids),
        facts=facts,
        detail=detail
        or f"the last allowed attempt ({made} of {limit}) ended {result.value}: "
        "leave a voicemail, write the memo and close the callback",
    )


def record_attempt_result(
    uow: UnitOfWork,
    *,
    actor: Actor,
    runtime: CallbackRuntime,
    callback_id: int,
    attempt_id: int,
    result: AttemptResult | str,
    agent_id: int | None = None,
) -> CallbackAttempt:
    """How the dial ended: contact puts the call in progress; anything else schedules the next
    attempt, or after the last allowed one asks for the voicemail and the memo (OB-VOICEMAIL)."""
    with uow.atomic():
        try:
            outcome = AttemptResult(result)
        except ValueError:
            names = ", ".join(item.value for item in AttemptResult)
            raise ValidationFailed(f"must be one of: {names}", field="result") from None
        callback = load_callback(uow, callback_id)
        attempt = _attempt(uow, callback, attempt_id)
        if attempt.result is not None:
            if attempt.result == outcome.value:
                return attempt
            raise Conflict(f"attempt {attempt.id} already ended {attempt.result}", field="result")
        current = require_caller(uow, callback, agent_id)
        if current.id != attempt.id or callback.status != S.DIALING.value:
            raise InvalidTransition(
                f"attempt {attempt.id} is not the call being dialled", field="attempt_id"
            )
        apply_result(uow, callback, attempt, outcome, actor=actor, policy=runtime.policy)
        return attempt


def poll_call(
    uow: UnitOfWork,
    *,
    actor: Actor,
    runtime: CallbackRuntime,
    callback_id: int,
    attempt_id: int,
) -> CallbackAttempt:
    """Reads the gateway's events for the attempt and records what they show: the result once
    the call is answered, busy, unanswered, taken by a machine or failed; the end of the call
    once an answered call hangs up. Nothing is written while it is still ringing."""
    with uow.atomic():
        callback = load_callback(uow, callback_id)
        attempt = _attempt(uow, callback, attempt_id)
        if attempt.call_id is None:
            raise InvalidTransition("the gateway never placed this call", field="attempt_id")
        events = runtime.gateway.poll(attempt.call_id, now=uow.clock.now())
        signal = next((SIGNALS[e.kind] for e in events if e.kind in SIGNALS), None)
        ended = next((e for e in events if e.kind is CallEventKind.ENDED), None)
        if attempt.result is None and signal is not None and callback.status == S.DIALING.value:
            apply_result(
                uow,
                callback,
                attempt,
                signal,
                actor=actor,
                policy=runtime.policy,
                detail=f"the gateway reports {signal.value}",
            )
        if (
            attempt.result == AttemptResult.CONTACT.value
            and ended is not None
            and callback.status == S.IN_CALL.value
        ):
            _end(uow, callback, attempt, actor=actor, detail="the call ended")
            attempt.ended_at = ended.at
        return attempt


def _end(
    uow: UnitOfWork, callback: Callback, attempt: CallbackAttempt, *, actor: Actor, detail: str
) -> None:
    attempt.ended_at = attempt.ended_at or uow.clock.now()
    state = move_agent(uow, actor=actor, agent_id=attempt.agent_id, states=[ACW], callback=callback)
    change(
        uow,
        callback,
        actor=actor,
        kind=Event.CALL_ENDED,
        to=S.WRAP_UP,
        facts={"attempt_id": attempt.id, "agent_state": state},
        detail=detail,
    )


def end_call(
    uow: UnitOfWork,
    *,
    actor: Actor,
    runtime: CallbackRuntime,
    callback_id: int,
    agent_id: int | None = None,
) -> Callback:
    """The agent hangs up: the call moves to wrap-up (and the agent to After-Call Work).

    Durable: the end of the call is committed before the gateway is asked to hang up, so the
    record never waits on (or is lost with) the gateway's answer."""
    with uow.atomic(durable=True):
        callback = load_callback(uow, callback_id)
        attempt = require_caller(uow, callback, agent_id)
        if callback.status != S.IN_CALL.value:
            raise InvalidTransition(
                f"callback {callback.id} is {callback.status}, not on a call", field="callback_id"
            )
        _end(uow, callback, attempt, actor=actor, detail="the agent ended the call")
    if attempt.call_id:
        try:
            runtime.gateway.hangup(attempt.call_id)
        except NotFound:
            # The gateway holds no such call: it has ended already (or, with the simulated
            # gateway, it was dialled by another process, such as an earlier `caredesk call
            # start`). Nothing is left to hang up.
            log.debug("gateway holds no call to hang up", extra={"callback_id": callback.id})
        except Exception as exc:  # the call is over on our side whatever the gateway says
            log.warning(
                "gateway hangup failed: %s",
                type(exc).__name__,
                extra={"callback_id": callback.id, "call_id": attempt.call_id},
            )
    return callback


def leave_voicemail(
    uow: UnitOfWork,
    *,
    actor: Actor,
    runtime: CallbackRuntime,
    callback_id: int,
    agent_id: int | None = None,
) -> Callback:
    """OB-VOICEMAIL: the voicemail after the last allowed attempt went unanswered."""
    with uow.atomic():
        callback = load_callback(uow, callback_id)
        attempt = require_caller(uow, callback, agent_id)
        last = AttemptResult(attempt.result) if attempt.result else None
        if callback.status != S.WRAP_UP.value or callback.contact_made or last not in UNANSWERED:
            raise InvalidTransition(
                "a voicemail is left when the last allowed attempt was not answered "
                f"(callback {callback.id} is {callback.status}, "
                f"last attempt {last or 'in progress'})",
                field="step",
            )
        note(
            uow,
            callback,
            actor=actor,
            kind=Event.VOICEMAIL_LEFT,
            rule_ids=["OB-VOICEMAIL"],
            facts={"attempt_id": attempt.id, "number": attempt.number},
        )
        return callback
