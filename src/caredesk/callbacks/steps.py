"""The guided call: each step the agent takes once the customer is on the line is checked by the
policy, recorded on the timeline, and refused (with its rule IDs, on record) when the policy
says no: first and last name, then the recording disclosure (the handbook's order; nothing else
proceeds before both), proof of the call, the Service Assurance PIN check,
SSN verification (never), one-time PINs, payments, the alternate number and troubleshooting,
and on a call tied to an active inbound call the Consult path (``consult_steps``).

``record_step`` takes the step as a frozen ``inputs.StepInput`` and runs it through its row of
``step_handlers.HANDLERS``: the same load, caller check, policy decision and refusal for every
step, and the step's own checks and record around them.

A PIN/passcode given for the Service Assurance check is compared with the stored hash and
forgotten: it is never stored, logged, audited or echoed."""

from __future__ import annotations

from dataclasses import dataclass, replace

from caredesk.accounts.facts import proof_facts
from caredesk.accounts.values import ProofFacts
from caredesk.agents.service import get_agent
from caredesk.audit.service import Actor
from caredesk.callbacks.attempts import require_caller
from caredesk.callbacks.consult_steps import CONSULT_HANDLERS
from caredesk.callbacks.inbound_link import tied_inbound
from caredesk.callbacks.inputs import CallStep, StepInput
from caredesk.callbacks.models import Callback, CallbackEvent, CallbackStatus
from caredesk.callbacks.policy_view import CallSoFar, build_context, call_events
from caredesk.callbacks.records import atomic_keeping_refusals, load_callback, refuse
from caredesk.callbacks.runtime import CallbackRuntime
from caredesk.callbacks.step_handlers import HANDLERS, StepContext, StepHandler
from caredesk.db.session import UnitOfWork
from caredesk.errors import InvalidTransition, PolicyRefused, ValidationFailed
from caredesk.policy import Decision, PolicyConfig, Step, decision_to_json, evaluate
from caredesk.policy.vocabulary import ALLOWED_PROOF_FACTS

STEP_HANDLERS: dict[CallStep, StepHandler] = {**HANDLERS, **CONSULT_HANDLERS}


@dataclass(frozen=True)
class StepOutcome:
    step: CallStep
    event: CallbackEvent
    decision: Decision | None
    proof: ProofFacts | None = None
    pin_matched: bool | None = None


def _in_call(callback: Callback) -> None:
    if callback.status != CallbackStatus.IN_CALL.value:
        raise InvalidTransition(
            f"guided-call steps happen while the customer is on the line; callback "
            f"{callback.id} is {callback.status}",
            field="step",
        )


def _decide(
    uow: UnitOfWork, callback: Callback, step: Step, policy: PolicyConfig, **progress: object
) -> Decision:
    so_far = CallSoFar.of(callback, call_events(uow, callback)).progress
    call = replace(so_far, **progress)  # type: ignore[arg-type]
    agent_id = require_caller(uow, callback, None).agent_id
    agent = get_agent(uow, agent_id=agent_id) if agent_id else None
    context = build_context(
        uow,
        callback=callback,
        step=step,
        now=uow.clock.now(),
        agent=agent,
        call=call,
        inbound_call=tied_inbound(uow, callback),
    )
    return evaluate(context, policy)


def record_step(
    uow: UnitOfWork, given: StepInput, *, actor: Actor, runtime: CallbackRuntime
) -> StepOutcome:
    """Runs one guided-call step through the policy and records it (see the module docstring)."""
    with atomic_keeping_refusals(uow):
        try:
            which = CallStep(given.step)
        except ValueError:
            names = ", ".join(item.value for item in CallStep)
            raise ValidationFailed(f"must be one of: {names}", field="step") from None
        handler = STEP_HANDLERS[which]
        callback = load_callback(uow, given.callback_id)
        after_call = callback.status == CallbackStatus.WRAP_UP.value
        if not (which is CallStep.SUPPORT_NUMBER and after_call):
            # The 800 number alone may still be put on record at wrap-up (marked as such), so a
            # callback never sticks on OB-SA-ALTERNATIVE; every other step needs the customer.
            _in_call(callback)
        attempt = require_caller(uow, callback, given.agent_id)
        context = StepContext(uow, actor, runtime.policy, callback, attempt, after_call)
        progress = handler.progress(context, given)
        decision = None
        if handler.policy_step is not None:
            decision = _decide(uow, callback, handler.policy_step, runtime.policy, **progress)
            blocking = [r for r in decision.failed if r.rule_id not in handler.advice]
            if blocking:
                refuse(
                    uow,
                    callback,
                    decision,
                    actor=actor,
                    step=which.value,
                    agent_id=attempt.agent_id,
                )
        done = handler.record(context, given, progress, decision)
        return StepOutcome(which, done.event, decision, done.proof, done.pin_matched)


def proof_facts_for(
    uow: UnitOfWork, *, runtime: CallbackRuntime, callback_id: int, agent_id: int | None = None
) -> ProofFacts:
    """OB-PROOF, to read: the three facts the agent may give as proof the call is genuine,
    once the customer's name is verified on the call in progress. Reading records nothing;
    giving them is the ``proof`` step."""
    callback = load_callback(uow, callback_id)
    _in_call(callback)
    require_caller(uow, callback, agent_id)
    decision = _decide(uow, callback, Step.PROOF, runtime.policy, proof_facts=ALLOWED_PROOF_FACTS)
    if not decision.allowed:
        rule_ids = list(decision.failed_rule_ids)
        raise PolicyRefused(
            f"proof refused by {', '.join(rule_ids)}: {decision.failed[0].sentence}",
            field="step",
            extra={"rule_ids": rule_ids, "decision": decision_to_json(decision)},
        )
    return proof_facts(uow, account_id=callback.account_id)
