"""The guided call's steps, one small handler each, in one table (``HANDLERS``): the policy step
that checks it, what it adds to the call so far before the policy decides (checking the fields
it reads, naming the one at fault), the rules that are advice rather than a refusal for it, and
what it records once allowed. ``steps.record_step`` runs the table; a new step is a new row.

A PIN/passcode given for the Service Assurance check is compared with the stored hash and
forgotten: it is never stored, logged, audited or echoed."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass

from sqlalchemy import select

from caredesk.accounts import values as account_values
from caredesk.accounts.facts import proof_facts
from caredesk.accounts.models import ContactKind, ContactLabel, Person
from caredesk.accounts.people import add_contact_point, verify_person_pin
from caredesk.accounts.values import ProofFacts
from caredesk.audit.service import Actor
from caredesk.callbacks.inputs import CallStep, StepInput
from caredesk.callbacks.models import Callback, CallbackAttempt, CallbackEvent
from caredesk.callbacks.records import Event, change, note
from caredesk.db.session import UnitOfWork
from caredesk.errors import ValidationFailed
from caredesk.policy import (
    Decision,
    PaymentRaisedBy,
    PolicyConfig,
    ProofFact,
    Step,
    VerificationField,
)
from caredesk.policy.vocabulary import ALLOWED_PROOF_FACTS, NAME_FIELDS
from caredesk.privacy import refuse_secrets

_PIN = re.compile(r"^[0-9]{4,12}$")
MAX_ACCOUNT_CHANGE = 300
DISCLOSURE_SCRIPT = "This call may be recorded for quality and training purposes."

Progress = dict[str, object]
"""What a step adds to the call so far (fields of the policy's ``CallProgress``)."""


@dataclass(frozen=True)
class StepContext:
    """The step's callback, once it is loaded and its caller checked."""

    uow: UnitOfWork
    actor: Actor
    policy: PolicyConfig
    callback: Callback
    attempt: CallbackAttempt
    after_call: bool

    @property
    def base(self) -> dict[str, object]:
        return {"attempt_id": self.attempt.id, "agent_id": self.attempt.agent_id}

    def note(self, kind: str, rule_ids: list[str], facts: dict[str, object]) -> CallbackEvent:
        return note(
            self.uow, self.callback, actor=self.actor, kind=kind, rule_ids=rule_ids, facts=facts
        )


@dataclass(frozen=True)
class Recorded:
    event: CallbackEvent
    proof: ProofFacts | None = None
    pin_matched: bool | None = None


Record = Callable[[StepContext, StepInput, Progress, Decision | None], Recorded]


def _nothing(ctx: StepContext, given: StepInput) -> Progress:
    return {}


@dataclass(frozen=True)
class StepHandler:
    policy_step: Step | None
    """None: never refused (the policy checks it was done at wrap-up)."""
    record: Record
    progress: Callable[[StepContext, StepInput], Progress] = _nothing
    advice: frozenset[str] = frozenset()
    """Rules whose failure this step follows rather than is refused by."""


def passed_rules(decision: Decision | None) -> list[str]:
    return [result.rule_id for result in decision.passed] if decision else []


def steps_due(decision: Decision | None) -> list[str]:
    return [item.label for item in decision.required_steps] if decision else []


def fields_asked(
    fields: Collection[VerificationField | str] | None,
) -> frozenset[VerificationField]:
    if not fields:
        return frozenset(NAME_FIELDS)
    try:
        return frozenset(VerificationField(item) for item in fields)
    except ValueError:
        names = ", ".join(item.value for item in VerificationField)
        raise ValidationFailed(f"each must be one of: {names}", field="fields") from None


def proof_wanted(facts: Collection[ProofFact | str] | None) -> frozenset[ProofFact]:
    if not facts:
        return ALLOWED_PROOF_FACTS
    try:
        return frozenset(ProofFact(item) for item in facts)
    except ValueError:
        names = ", ".join(item.value for item in ProofFact)
        raise ValidationFailed(f"each must be one of: {names}", field="proof_facts") from None


def failed_pin_checks(uow: UnitOfWork, callback: Callback) -> int:
    """PIN/passcode checks on this callback that did not match, over all its calls: hanging
    up and dialling again does not buy more guesses."""
    rows = uow.session.scalars(
        select(CallbackEvent.facts).where(
            CallbackEvent.callback_id == callback.id, CallbackEvent.kind == Event.PIN_CHECKED
        )
    )
    return sum(1 for facts in rows if facts and facts.get("matched") is False)


# --- verify_name, disclosure, proof -------------------------------------------------------
def _name_progress(ctx: StepContext, given: StepInput) -> Progress:
    return {"verification_fields": fields_asked(given.fields)}


def _name_record(
    ctx: StepContext, given: StepInput, progress: Progress, decision: Decision | None
) -> Recorded:
    kind = Event.NAME_VERIFIED if given.name_matched else Event.NAME_NOT_VERIFIED
    facts = {**ctx.base, "fields": sorted(fields_asked(given.fields))}
    return Recorded(ctx.note(kind, passed_rules(decision), facts))


def _disclosure_record(
    ctx: StepContext, given: StepInput, progress: Progress, decision: Decision | None
) -> Recorded:
    facts = {**ctx.base, "script": DISCLOSURE_SCRIPT}
    return Recorded(ctx.note(Event.DISCLOSURE_READ, passed_rules(decision), facts))


def _proof_progress(ctx: StepContext, given: StepInput) -> Progress:
    return {"proof_facts": proof_wanted(given.proof)}


def _proof_record(
    ctx: StepContext, given: StepInput, progress: Progress, decision: Decision | None
) -> Recorded:
    found = proof_facts(ctx.uow, account_id=ctx.callback.account_id)
    facts = {**ctx.base, "facts_shown": sorted(proof_wanted(given.proof))}
    return Recorded(ctx.note(Event.PROOF_GIVEN, passed_rules(decision), facts), proof=found)


# --- verify_pin -----------------------------------------------------------------------------
def _pin_progress(ctx: StepContext, given: StepInput) -> Progress:
    change_text = (given.account_change or "").strip()
    if len(change_text) > MAX_ACCOUNT_CHANGE:
        raise ValidationFailed(
            f"must be at most {MAX_ACCOUNT_CHANGE} characters", field="account_change"
        )
    refuse_secrets({"account_change": change_text})
    return {
        "account_change": change_text or None,
        "pin_checks_failed": failed_pin_checks(ctx.uow, ctx.callback),
    }


def _pin_record(
    ctx: StepContext, given: StepInput, progress: Progress, decision: Decision | None
) -> Recorded:
    # Checked after the policy: a check the policy refuses is on record whatever was typed.
    pin = given.pin
    if pin is None or not _PIN.match(pin):
        raise ValidationFailed("the PIN/passcode is 4 to 12 digits", field="pin")
    assert ctx.callback.person_id is not None
    matched = verify_person_pin(ctx.uow, person_id=ctx.callback.person_id, pin=pin)
    failed_before = progress["pin_checks_failed"]
    assert isinstance(failed_before, int)
    # Written under the callback's version: of two checks racing on one count, one is a
    # Conflict, so the limit holds however many arrive at once.
    event = change(
        ctx.uow,
        ctx.callback,
        actor=ctx.actor,
        kind=Event.PIN_CHECKED,
        rule_ids=passed_rules(decision),
        facts={
            **ctx.base,
            "account_change": progress["account_change"],
            "matched": matched,
            "failed_checks": failed_before + (0 if matched else 1),
            "max_pin_attempts": ctx.policy.max_pin_attempts,
        },
        detail="Service Assurance PIN/passcode check for an account change",
    )
    return Recorded(event, pin_matched=matched)


# --- otp, payment ---------------------------------------------------------------------------
def _otp_progress(ctx: StepContext, given: StepInput) -> Progress:
    return {"otp_guidelines_followed": given.otp_guidelines_followed}


def _otp_record(
    ctx: StepContext, given: StepInput, progress: Progress, decision: Decision | None
) -> Recorded:
    return Recorded(ctx.note(Event.OTP_FOLLOWED, passed_rules(decision), ctx.base))


def _payment_progress(ctx: StepContext, given: StepInput) -> Progress:
    if given.payment_raised_by is None:
        return {}
    try:
        return {"payment_raised_by": PaymentRaisedBy(given.payment_raised_by)}
    except ValueError:
        raise ValidationFailed("must be customer or agent", field="payment_raised_by") from None


def _payment_record(
    ctx: StepContext, given: StepInput, progress: Progress, decision: Decision | None
) -> Recorded:
    facts = {**ctx.base, "raised_by": progress.get("payment_raised_by")}
    return Recorded(ctx.note(Event.PAYMENT_HELP, passed_rules(decision), facts))


# --- the alternate number, troubleshooting, the 800 number ---------------------------------
def _troubleshoot_progress(ctx: StepContext, given: StepInput) -> Progress:
    return {"troubleshooting_device_being_called": given.device_being_called}


def _alternate_progress(ctx: StepContext, given: StepInput) -> Progress:
    number = given.alternate_number
    if number is not None:
        try:
            number = account_values.normalise_phone(number)
        except ValueError as exc:
            raise ValidationFailed(str(exc), field="alternate_number") from None
    return {
        **_troubleshoot_progress(ctx, given),
        "alternate_number_asked": True,
        "alternate_number": number,
    }


def add_alternate(ctx: StepContext, number: str) -> int | None:
    """OB-ALT-NUMBER: the number the customer gave on the call becomes a contact point of theirs,
    marked as given on this call by this agent (provenance for OB-SCOPE-CUSTOMER)."""
    callback, agent_id = ctx.callback, ctx.attempt.agent_id
    person = ctx.uow.session.get(Person, callback.person_id) if callback.person_id else None
    if person is None:
        raise ValidationFailed("the callback names no person to add the number to", field="step")
    for contact in person.contact_points:
        if contact.kind == ContactKind.PHONE.value and contact.value == number:
            return contact.id
    contact = add_contact_point(
        ctx.uow,
        actor=ctx.actor,
        account_id=callback.account_id,
        person_id=person.id,
        kind=ContactKind.PHONE,
        value=number,
        label=ContactLabel.ALTERNATE,
        given_by=f"agent:{agent_id}" if agent_id else "customer",
        note=f"given on callback {callback.id} to troubleshoot the device being called",
    )
    return contact.id


def _alternate_record(
    ctx: StepContext, given: StepInput, progress: Progress, decision: Decision | None
) -> Recorded:
    number = progress["alternate_number"]
    assert number is None or isinstance(number, str)
    contact_id = add_alternate(ctx, number) if number is not None else None
    event = change(
        ctx.uow,
        ctx.callback,
        actor=ctx.actor,
        kind=Event.ALTERNATE_NUMBER,
        values={"alternate_number": number},
        rule_ids=["OB-ALT-NUMBER"],
        facts={
            **ctx.base,
            "alternate_number": number,
            "contact_point_id": contact_id,
            "required_steps": steps_due(decision),
        },
    )
    return Recorded(event)


def _troubleshoot_record(
    ctx: StepContext, given: StepInput, progress: Progress, decision: Decision | None
) -> Recorded:
    facts = {**ctx.base, "required_steps": steps_due(decision)}
    return Recorded(ctx.note(Event.TROUBLESHOOTING, passed_rules(decision), facts))


def _support_number_record(
    ctx: StepContext, given: StepInput, progress: Progress, decision: Decision | None
) -> Recorded:
    facts = {**ctx.base, "during_call": not ctx.after_call}
    return Recorded(ctx.note(Event.SUPPORT_NUMBER_OFFERED, ["OB-SA-ALTERNATIVE"], facts))


HANDLERS: dict[CallStep, StepHandler] = {
    CallStep.VERIFY_NAME: StepHandler(Step.VERIFY_NAME, _name_record, _name_progress),
    CallStep.DISCLOSURE: StepHandler(Step.DISCLOSURE, _disclosure_record),
    CallStep.PROOF: StepHandler(Step.PROOF, _proof_record, _proof_progress),
    CallStep.VERIFY_PIN: StepHandler(Step.VERIFY_PIN, _pin_record, _pin_progress),
    # OB-NO-SSN-PIN refuses SSN verification on every call, so its record (the catch-all
    # record of the steps before this table) is never reached.
    CallStep.VERIFY_SSN: StepHandler(Step.VERIFY_SSN, _support_number_record),
    CallStep.OTP: StepHandler(Step.OTP, _otp_record, _otp_progress),
    CallStep.PAYMENT: StepHandler(Step.PAYMENT, _payment_record, _payment_progress),
    # Giving the alternate number is how OB-ALT-NUMBER's advice is followed, not refused.
    CallStep.ALTERNATE_NUMBER: StepHandler(
        Step.TROUBLESHOOT, _alternate_record, _alternate_progress, frozenset({"OB-ALT-NUMBER"})
    ),
    CallStep.TROUBLESHOOT: StepHandler(
        Step.TROUBLESHOOT, _troubleshoot_record, _troubleshoot_progress
    ),
    # Offering the 800 number is never refused; OB-SA-ALTERNATIVE checks it was done at wrap-up.
    CallStep.SUPPORT_NUMBER: StepHandler(None, _support_number_record),
}
