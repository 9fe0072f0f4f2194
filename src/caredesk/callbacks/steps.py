"""The guided call: each step the agent takes once the customer is on the line is checked by the
policy, recorded on the timeline, and refused (with its rule IDs, on record) when the policy
says no: first and last name, then the recording disclosure (the handbook's order; nothing else
proceeds before both), proof of the call, the Service Assurance PIN check,
SSN verification (never), one-time PINs, payments, the alternate number and troubleshooting.

A PIN/passcode given for the Service Assurance check is compared with the stored hash and
forgotten: it is never stored, logged, audited or echoed."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, replace
from enum import StrEnum

from sqlalchemy import select

from caredesk.accounts import values as account_values
from caredesk.accounts.facts import proof_facts
from caredesk.accounts.models import ContactKind, ContactLabel, Person
from caredesk.accounts.people import add_contact_point, verify_person_pin
from caredesk.accounts.values import ProofFacts
from caredesk.agents.service import get_agent
from caredesk.audit.service import Actor
from caredesk.callbacks.attempts import require_caller
from caredesk.callbacks.models import Callback, CallbackEvent, CallbackStatus
from caredesk.callbacks.policy_view import CallSoFar, build_context, call_events
from caredesk.callbacks.records import (
    Event,
    atomic_keeping_refusals,
    change,
    load_callback,
    note,
    refuse,
)
from caredesk.db.session import UnitOfWork
from caredesk.errors import InvalidTransition, PolicyRefused, ValidationFailed
from caredesk.policy import (
    Decision,
    PaymentRaisedBy,
    PolicyConfig,
    ProofFact,
    Step,
    VerificationField,
    decision_to_json,
    evaluate,
)
from caredesk.policy.vocabulary import ALLOWED_PROOF_FACTS, NAME_FIELDS
from caredesk.privacy import refuse_secrets

_PIN = re.compile(r"^[0-9]{4,12}$")
MAX_ACCOUNT_CHANGE = 300
DISCLOSURE_SCRIPT = "This call may be recorded for quality and training purposes."


class CallStep(StrEnum):
    VERIFY_NAME = "verify_name"
    DISCLOSURE = "disclosure"
    PROOF = "proof"
    VERIFY_PIN = "verify_pin"
    VERIFY_SSN = "verify_ssn"
    OTP = "otp"
    PAYMENT = "payment"
    ALTERNATE_NUMBER = "alternate_number"
    TROUBLESHOOT = "troubleshoot"
    SUPPORT_NUMBER = "support_number"


POLICY_STEPS: dict[CallStep, Step | None] = {
    CallStep.VERIFY_NAME: Step.VERIFY_NAME,
    CallStep.DISCLOSURE: Step.DISCLOSURE,
    CallStep.PROOF: Step.PROOF,
    CallStep.VERIFY_PIN: Step.VERIFY_PIN,
    CallStep.VERIFY_SSN: Step.VERIFY_SSN,
    CallStep.OTP: Step.OTP,
    CallStep.PAYMENT: Step.PAYMENT,
    CallStep.ALTERNATE_NUMBER: Step.TROUBLESHOOT,
    CallStep.TROUBLESHOOT: Step.TROUBLESHOOT,
    # Offering the 800 number is never refused; OB-SA-ALTERNATIVE checks it was done at wrap-up.
    CallStep.SUPPORT_NUMBER: None,
}


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
        uow, callback=callback, step=step, now=uow.clock.now(), agent=agent, call=call
    )
    return evaluate(context, policy)


def _proof_wanted(facts: Collection[ProofFact | str] | None) -> frozenset[ProofFact]:
    if not facts:
        return ALLOWED_PROOF_FACTS
    try:
        return frozenset(ProofFact(item) for item in facts)
    except ValueError:
        names = ", ".join(item.value for item in ProofFact)
        raise ValidationFailed(f"each must be one of: {names}", field="proof_facts") from None


def _fields(fields: Collection[VerificationField | str] | None) -> frozenset[VerificationField]:
    if not fields:
        return frozenset(NAME_FIELDS)
    try:
        return frozenset(VerificationField(item) for item in fields)
    except ValueError:
        names = ", ".join(item.value for item in VerificationField)
        raise ValidationFailed(f"each must be one of: {names}", field="fields") from None


def _add_alternate(
    uow: UnitOfWork, *, actor: Actor, callback: Callback, agent_id: int | None, number: str
) -> int | None:
    """OB-ALT-NUMBER: the number the customer gave on the call becomes a contact point of theirs,
    marked as given on this call by this agent (provenance for OB-SCOPE-CUSTOMER)."""
    person = uow.session.get(Person, callback.person_id) if callback.person_id else None
    if person is None:
        raise ValidationFailed("the callback names no person to add the number to", field="step")
    for contact in person.contact_points:
        if contact.kind == ContactKind.PHONE.value and contact.value == number:
            return contact.id
    contact = add_contact_point(
        uow,
        actor=actor,
        account_id=callback.account_id,
        person_id=person.id,
        kind=ContactKind.PHONE,
        value=number,
        label=ContactLabel.ALTERNATE,
        given_by=f"agent:{agent_id}" if agent_id else "customer",
        note=f"given on callback {callback.id} to troubleshoot the device being called",
    )
    return contact.id


def record_step(
    uow: UnitOfWork,
    *,
    actor: Actor,
    policy: PolicyConfig,
    callback_id: int,
    step: CallStep | str,
    agent_id: int | None = None,
    fields: Collection[VerificationField | str] | None = None,
    name_matched: bool = True,
    proof: Collection[ProofFact | str] | None = None,
    pin: str | None = None,
    account_change: str | None = None,
    otp_guidelines_followed: bool = False,
    payment_raised_by: PaymentRaisedBy | str | None = None,
    device_being_called: bool = False,
    alternate_number: str | None = None,
) -> StepOutcome:
    """Runs one guided-call step through the policy and records it (see the module docstring)."""
    with atomic_keeping_refusals(uow):
        try:
            which = CallStep(step)
        except ValueError:
            names = ", ".join(item.value for item in CallStep)
            raise ValidationFailed(f"must be one of: {names}", field="step") from None
        callback = load_callback(uow, callback_id)
        after_call = callback.status == CallbackStatus.WRAP_UP.value
        if not (which is CallStep.SUPPORT_NUMBER and after_call):
            # The 800 number alone may still be put on record at wrap-up (marked as such), so a
            # callback never sticks on OB-SA-ALTERNATIVE; every other step needs the customer.
            _in_call(callback)
        attempt = require_caller(uow, callback, agent_id)
        progress: dict[str, object] = {}
        failed_before = 0
        if which is CallStep.VERIFY_NAME:
            progress["verification_fields"] = _fields(fields)
        elif which is CallStep.PROOF:
            progress["proof_facts"] = _proof_wanted(proof)
        elif which is CallStep.VERIFY_PIN:
            change_text = (account_change or "").strip()
            if len(change_text) > MAX_ACCOUNT_CHANGE:
                raise ValidationFailed(
                    f"must be at most {MAX_ACCOUNT_CHANGE} characters", field="account_change"
                )
            refuse_secrets({"account_change": change_text})
            progress["account_change"] = change_text or None
            failed_before = failed_pin_checks(uow, callback)
            progress["pin_checks_failed"] = failed_before
        elif which is CallStep.OTP:
            progress["otp_guidelines_followed"] = otp_guidelines_followed
        elif which is CallStep.PAYMENT:
            if payment_raised_by is not None:
                try:
                    progress["payment_raised_by"] = PaymentRaisedBy(payment_raised_by)
                except ValueError:
                    raise ValidationFailed(
                        "must be customer or agent", field="payment_raised_by"
                    ) from None
        elif which in (CallStep.ALTERNATE_NUMBER, CallStep.TROUBLESHOOT):
            progress["troubleshooting_device_being_called"] = device_being_called
        if which is CallStep.ALTERNATE_NUMBER:
            if alternate_number is not None:
                try:
                    alternate_number = account_values.normalise_phone(alternate_number)
                except ValueError as exc:
                    raise ValidationFailed(str(exc), field="alternate_number") from None
            progress.update(alternate_number_asked=True, alternate_number=alternate_number)

        policy_step = POLICY_STEPS[which]
        decision = _decide(uow, callback, policy_step, policy, **progress) if policy_step else None
        if decision is not None:
            # Giving the alternate number is how OB-ALT-NUMBER's advice is followed, not refused.
            blocking = [
                result
                for result in decision.failed
                if not (which is CallStep.ALTERNATE_NUMBER and result.rule_id == "OB-ALT-NUMBER")
            ]
            if blocking:
                refuse(
                    uow,
                    callback,
                    decision,
                    actor=actor,
                    step=which.value,
                    agent_id=attempt.agent_id,
                )
        if which is CallStep.VERIFY_PIN and (pin is None or not _PIN.match(pin)):
            raise ValidationFailed("the PIN/passcode is 4 to 12 digits", field="pin")
        passed = [result.rule_id for result in decision.passed] if decision else []
        steps_due = [item.label for item in decision.required_steps] if decision else []
        base = {"attempt_id": attempt.id, "agent_id": attempt.agent_id}
        found: ProofFacts | None = None
        matched: bool | None = None
        if which is CallStep.DISCLOSURE:
            event = note(
                uow,
                callback,
                actor=actor,
                kind=Event.DISCLOSURE_READ,
                rule_ids=passed,
                facts={**base, "script": DISCLOSURE_SCRIPT},
            )
        elif which is CallStep.VERIFY_NAME:
            kind = Event.NAME_VERIFIED if name_matched else Event.NAME_NOT_VERIFIED
            event = note(
                uow,
                callback,
                actor=actor,
                kind=kind,
                rule_ids=passed,
                facts={**base, "fields": sorted(_fields(fields))},
            )
        elif which is CallStep.PROOF:
            found = proof_facts(uow, account_id=callback.account_id)
            event = note(
                uow,
                callback,
                actor=actor,
                kind=Event.PROOF_GIVEN,
                rule_ids=passed,
                facts={**base, "facts_shown": sorted(_proof_wanted(proof))},
            )
        elif which is CallStep.VERIFY_PIN:
            assert pin is not None and callback.person_id is not None
            matched = verify_person_pin(uow, person_id=callback.person_id, pin=pin)
            failed = failed_before + (0 if matched else 1)
            # Written under the callback's version: of two checks racing on one count, one is a
            # Conflict, so the limit holds however many arrive at once.
            event = change(
                uow,
                callback,
                actor=actor,
                kind=Event.PIN_CHECKED,
                rule_ids=passed,
                facts={
                    **base,
                    "account_change": progress["account_change"],
                    "matched": matched,
                    "failed_checks": failed,
                    "max_pin_attempts": policy.max_pin_attempts,
                },
                detail="Service Assurance PIN/passcode check for an account change",
            )
        elif which is CallStep.OTP:
            event = note(
                uow, callback, actor=actor, kind=Event.OTP_FOLLOWED, rule_ids=passed, facts=base
            )
        elif which is CallStep.PAYMENT:
            event = note(
                uow,
                callback,
                actor=actor,
                kind=Event.PAYMENT_HELP,
                rule_ids=passed,
                facts={**base, "raised_by": progress.get("payment_raised_by")},
            )
        elif which is CallStep.ALTERNATE_NUMBER:
            contact_id = None
            if alternate_number is not None:
                contact_id = _add_alternate(
                    uow,
                    actor=actor,
                    callback=callback,
                    agent_id=attempt.agent_id,
                    number=alternate_number,
                )
            event = change(
                uow,
                callback,
                actor=actor,
                kind=Event.ALTERNATE_NUMBER,
                values={"alternate_number": alternate_number},
                rule_ids=["OB-ALT-NUMBER"],
                facts={
                    **base,
                    "alternate_number": alternate_number,
                    "contact_point_id": contact_id,
                    "required_steps": steps_due,
                },
            )
        elif which is CallStep.TROUBLESHOOT:
            event = note(
                uow,
                callback,
                actor=actor,
                kind=Event.TROUBLESHOOTING,
                rule_ids=passed,
                facts={**base, "required_steps": steps_due},
            )
        else:
            event = note(
                uow,
                callback,
                actor=actor,
                kind=Event.SUPPORT_NUMBER_OFFERED,
                rule_ids=["OB-SA-ALTERNATIVE"],
                facts={**base, "during_call": not after_call},
            )
        return StepOutcome(which, event, decision, found, matched)


def failed_pin_checks(uow: UnitOfWork, callback: Callback) -> int:
    """PIN/passcode checks on this callback that did not match, over all its calls: hanging
    up and dialling again does not buy more guesses."""
    rows = uow.session.scalars(
        select(CallbackEvent.facts).where(
            CallbackEvent.callback_id == callback.id, CallbackEvent.kind == Event.PIN_CHECKED
        )
    )
    return sum(1 for facts in rows if facts and facts.get("matched") is False)


def proof_facts_for(
    uow: UnitOfWork, *, policy: PolicyConfig, callback_id: int, agent_id: int | None = None
) -> ProofFacts:
    """OB-PROOF, to read: the three facts the agent may give as proof the call is genuine,
    once the customer's name is verified on the call in progress. Reading records nothing;
    giving them is the ``proof`` step."""
    callback = load_callback(uow, callback_id)
    _in_call(callback)
    require_caller(uow, callback, agent_id)
    decision = _decide(uow, callback, Step.PROOF, policy, proof_facts=ALLOWED_PROOF_FACTS)
    if not decision.allowed:
        rule_ids = list(decision.failed_rule_ids)
        raise PolicyRefused(
            f"proof refused by {', '.join(rule_ids)}: {decision.failed[0].sentence}",
            field="step",
            extra={"rule_ids": rule_ids, "decision": decision_to_json(decision)},
        )
    return proof_facts(uow, account_id=callback.account_id)
