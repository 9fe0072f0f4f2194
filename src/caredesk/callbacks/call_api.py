"""The guided call over HTTP: dial, results, the gateway's events, hang up, the call's steps,
proof of the call, voicemail and wrap-up. Mounted by ``caredesk.callbacks.api``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from caredesk.callbacks import attempts, calls, queries, steps, wrapup
from caredesk.callbacks.api_support import AttemptId, CallbackId, Runtime, acting_agent
from caredesk.callbacks.inputs import StepInput, WrapUp
from caredesk.callbacks.models import Callback, CallbackAttempt, CallbackStatus
from caredesk.callbacks.schemas import (
    AgentAction,
    AttemptRead,
    AttemptResultCreate,
    CallbackRead,
    CallStart,
    CallStepCreate,
    CallStepRead,
    ProofFactsRead,
    TicketProgress,
    WrapUpCreate,
)
from caredesk.schemas import MAX_ID
from caredesk.web.deps import Staff, UoW

router = APIRouter(tags=["callbacks"])


@router.post("/v1/callbacks/{callback_id}/start", response_model=AttemptRead)
def start_call(
    callback_id: CallbackId, body: CallStart, principal: Staff, uow: UoW, runtime: Runtime
) -> CallbackAttempt:
    """Dial: accept the offer, or dial a callback you own or pick. The dial gate runs on every
    path; a refusal is a 409 naming the rule IDs, with the whole decision."""
    return calls.start_call(
        uow,
        actor=principal.actor,
        runtime=runtime,
        callback_id=callback_id,
        agent_id=acting_agent(principal, body.agent_id),
        number=body.number,
        inbound_call_id=body.inbound_call_id,
    )


@router.post("/v1/callbacks/{callback_id}/attempts/{attempt_id}/result", response_model=AttemptRead)
def record_attempt_result(
    callback_id: CallbackId,
    attempt_id: AttemptId,
    body: AttemptResultCreate,
    principal: Staff,
    uow: UoW,
    runtime: Runtime,
) -> CallbackAttempt:
    """Record how the dial ended (contact, no answer, busy, voicemail, failed)."""
    return attempts.record_attempt_result(
        uow,
        actor=principal.actor,
        runtime=runtime,
        callback_id=callback_id,
        attempt_id=attempt_id,
        result=body.result,
        agent_id=acting_agent(principal, body.agent_id),
    )


@router.post("/v1/callbacks/{callback_id}/attempts/{attempt_id}/poll", response_model=AttemptRead)
def poll_call(
    callback_id: CallbackId, attempt_id: AttemptId, principal: Staff, uow: UoW, runtime: Runtime
) -> CallbackAttempt:
    """Read the voice gateway's events for the attempt and record what they show."""
    return attempts.poll_call(
        uow,
        actor=principal.actor,
        runtime=runtime,
        callback_id=callback_id,
        attempt_id=attempt_id,
    )


@router.post("/v1/callbacks/{callback_id}/hangup", response_model=CallbackRead)
def end_call(
    callback_id: CallbackId, body: AgentAction, principal: Staff, uow: UoW, runtime: Runtime
) -> Callback:
    """End the call; the callback moves to wrap-up."""
    return attempts.end_call(
        uow,
        actor=principal.actor,
        runtime=runtime,
        callback_id=callback_id,
        agent_id=acting_agent(principal, body.agent_id),
    )


@router.post("/v1/callbacks/{callback_id}/steps", response_model=CallStepRead)
def record_step(
    callback_id: CallbackId, body: CallStepCreate, principal: Staff, uow: UoW, runtime: Runtime
) -> CallStepRead:
    """One guided-call step, checked by the policy and recorded; refused steps are a 409 with
    the rule IDs (and are on the callback's timeline)."""
    given = StepInput(
        callback_id=callback_id,
        step=body.step,
        agent_id=acting_agent(principal, body.agent_id),
        fields=body.fields,
        name_matched=body.name_matched,
        proof=body.proof_facts,
        pin=body.pin,
        account_change=body.account_change,
        otp_guidelines_followed=body.otp_guidelines_followed,
        payment_raised_by=body.payment_raised_by,
        device_being_called=body.device_being_called,
        alternate_number=body.alternate_number,
    )
    outcome = steps.record_step(uow, given, actor=principal.actor, runtime=runtime)
    callback = queries.get_callback(uow, callback_id=callback_id)
    decision = outcome.decision
    return CallStepRead(
        step=outcome.step,
        event_id=outcome.event.id,
        kind=outcome.event.kind,
        rule_ids=outcome.event.rule_ids,
        required_steps=[item.label for item in decision.required_steps] if decision else [],
        callback_status=CallbackStatus(callback.status),
        proof=ProofFactsRead.model_validate(outcome.proof) if outcome.proof else None,
        pin_matched=outcome.pin_matched,
    )


@router.get("/v1/callbacks/{callback_id}/proof-facts", response_model=ProofFactsRead)
def proof_facts(
    callback_id: CallbackId,
    principal: Staff,
    uow: UoW,
    runtime: Runtime,
    agent_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> ProofFactsRead:
    """OB-PROOF: the last bill amount, the devices in use and the date of the last Care call,
    once the customer's name is verified on the call."""
    facts = steps.proof_facts_for(
        uow,
        runtime=runtime,
        callback_id=callback_id,
        agent_id=acting_agent(principal, agent_id),
    )
    return ProofFactsRead.model_validate(facts)


@router.post("/v1/callbacks/{callback_id}/voicemail", response_model=CallbackRead)
def leave_voicemail(
    callback_id: CallbackId, body: AgentAction, principal: Staff, uow: UoW, runtime: Runtime
) -> Callback:
    """Record the voicemail left after the last allowed attempt went unanswered."""
    return attempts.leave_voicemail(
        uow,
        actor=principal.actor,
        runtime=runtime,
        callback_id=callback_id,
        agent_id=acting_agent(principal, body.agent_id),
    )


@router.post("/v1/callbacks/{callback_id}/wrap-up", response_model=CallbackRead)
def wrap_up(
    callback_id: CallbackId, body: WrapUpCreate, principal: Staff, uow: UoW, runtime: Runtime
) -> Callback:
    """Document the call (the account memo, the ticket update when linked) and close it."""
    progress = body.ticket_update or TicketProgress()
    given = WrapUp(
        callback_id=callback_id,
        outcome=body.outcome,
        reason=body.memo.reason,
        summary=body.memo.summary,
        customer_response=body.memo.customer_response,
        findings=progress.findings,
        actions_taken=progress.actions_taken,
        new_information=progress.new_information,
        agent_id=acting_agent(principal, body.agent_id),
        author_user_id=principal.user_id,
    )
    return wrapup.wrap_up(uow, given, actor=principal.actor, runtime=runtime)
