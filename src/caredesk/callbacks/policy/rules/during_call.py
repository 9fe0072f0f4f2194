"""During the call: disclosure, verification, proof, OTP, payments, troubleshooting."""

from __future__ import annotations

from caredesk.callbacks.policy.case import Case
from caredesk.callbacks.policy.decision import (
    Blocker,
    FactValue,
    Rendered,
    RequiredStep,
    RuleResult,
    StepKind,
)
from caredesk.callbacks.policy.dialing import DialStringError, dial_string
from caredesk.callbacks.policy.rules.registry import CONVERSATION, failed, passed, rule
from caredesk.callbacks.policy.vocabulary import (
    ALLOWED_PROOF_FACTS,
    NAME_FIELDS,
    PaymentRaisedBy,
    Step,
    VerificationField,
)

SECTION = "During the call"
DISCLOSURE = "This call may be recorded for quality and training purposes."
ACTION = Blocker.ACTION
FINAL = Blocker.FINAL
_VERIFY_NAME = (RequiredStep(StepKind.VERIFY_NAME),)
_READ_DISCLOSURE = (RequiredStep(StepKind.READ_DISCLOSURE),)


def _name_not_verified(case: Case, rule_id: str, before: str) -> RuleResult | None:
    """A failure while the name is not verified yet; None once it is."""
    if case.ctx.call.name_verified:
        return None

    def explain() -> Rendered:
        sentence = f"the customer's first and last name are not verified; verify before {before}"
        return sentence, {"name_verified": False}

    return failed(rule_id, explain, ACTION, _VERIFY_NAME)


@rule(
    "OB-DISCLOSURE",
    title='Read: "This call may be recorded for quality and training purposes."',
    section=SECTION,
    steps=CONVERSATION | {Step.DISCLOSURE},
    parameters=lambda config: {"script": DISCLOSURE},
)
def disclosure(case: Case) -> RuleResult | None:
    rule_id = "OB-DISCLOSURE"
    call = case.ctx.call
    step = case.ctx.step
    reading_now = step is Step.DISCLOSURE

    def explain() -> Rendered:
        facts: dict[str, FactValue] = {
            "disclosure_read": call.disclosure_read,
            "answered": call.answered,
        }
        if reading_now:
            return f'read now: "{DISCLOSURE}"', facts
        if call.disclosure_read:
            return "the recording disclosure was read", facts
        return f"the recording disclosure is not recorded as read; {step} waits", facts

    # The customer hears it before giving any detail, so it comes before name verification too.
    if reading_now or call.disclosure_read:
        return passed(rule_id, explain)
    return failed(rule_id, explain, ACTION, _READ_DISCLOSURE)


@rule(
    "OB-VERIFY-NAME",
    title="Verify first and last name only",
    section=SECTION,
    steps={Step.VERIFY_NAME, Step.VERIFY_PIN, Step.OTP, Step.PROOF},
)
def verify_name(case: Case) -> RuleResult | None:
    rule_id = "OB-VERIFY-NAME"
    call = case.ctx.call
    if case.ctx.step is not Step.VERIFY_NAME:
        missing = _name_not_verified(case, rule_id, case.ctx.step)
        if missing is not None:
            return missing
        return passed(rule_id, lambda: ("first and last name verified", {"name_verified": True}))
    extra = sorted(call.verification_fields - NAME_FIELDS)

    def explain() -> Rendered:
        facts: dict[str, FactValue] = {"asked": ", ".join(sorted(call.verification_fields)) or None}
        if extra:
            return f"outbound calls verify first and last name only, not {', '.join(extra)}", facts
        return "verifying first and last name only", facts

    if extra:
        return failed(rule_id, explain, ACTION, _VERIFY_NAME)
    return passed(rule_id, explain)


@rule(
    "OB-NO-SSN-PIN",
    title="Never verify an SSN or PIN/passcode on an outbound call (Service Assurance exception)",
    section=SECTION,
    steps={Step.VERIFY_SSN, Step.VERIFY_PIN, Step.VERIFY_NAME},
)
def no_ssn_pin(case: Case) -> RuleResult | None:
    rule_id = "OB-NO-SSN-PIN"
    ctx = case.ctx
    call = ctx.call
    lob = ctx.line_of_business
    asked = call.verification_fields
    asks_ssn = ctx.step is Step.VERIFY_SSN or VerificationField.SSN in asked
    asks_pin = ctx.step is Step.VERIFY_PIN or VerificationField.ACCOUNT_PIN in asked
    if not asks_ssn and not asks_pin:
        return None
    change = (call.account_change or "").strip()
    facts: dict[str, FactValue] = {"line_of_business": lob, "account_change": change or None}
    if asks_ssn:
        sentence = "Social Security numbers are never verified on outbound calls"
        return failed(rule_id, lambda: (sentence, facts), FINAL)
    if not case.is_service_assurance:
        sentence = f"PIN/passcode is never verified on {lob} outbound calls"
        return failed(rule_id, lambda: (sentence, facts), FINAL)
    if not change:
        sentence = "Service Assurance may verify a PIN/passcode only for a named account change"
        audit = (RequiredStep(StepKind.RECORD_PIN_AUDIT),)
        return failed(rule_id, lambda: (sentence, facts), ACTION, audit)
    sentence = f"Service Assurance PIN/passcode check for the account change: {change}"
    return passed(
        rule_id, lambda: (sentence, facts), (RequiredStep(StepKind.RECORD_PIN_AUDIT, change),)
    )


@rule(
    "OB-OTP",
    title="One Time PIN processes are allowed once the account is verified, per OTP guidelines",
    section=SECTION,
    steps={Step.OTP},
)
def one_time_pin(case: Case) -> RuleResult | None:
    rule_id = "OB-OTP"
    missing = _name_not_verified(case, rule_id, "a One Time PIN")
    if missing is not None:
        return missing
    followed = case.ctx.call.otp_guidelines_followed
    facts: dict[str, FactValue] = {"name_verified": True, "otp_guidelines_followed": followed}
    if not followed:
        sentence = "the One Time PIN guidelines are not confirmed as followed"
        steps = (RequiredStep(StepKind.FOLLOW_OTP_GUIDELINES),)
        return failed(rule_id, lambda: (sentence, facts), ACTION, steps)
    return passed(rule_id, lambda: ("account verified and OTP guidelines followed", facts))


@rule(
    "OB-PROOF",
    title="Proof of the call: last bill amount, device in use, date of last Care call only",
    section=SECTION,
    steps={Step.PROOF},
    parameters=lambda config: {"proof_facts": sorted(f.value for f in ALLOWED_PROOF_FACTS)},
)
def proof(case: Case) -> RuleResult | None:
    rule_id = "OB-PROOF"
    missing = _name_not_verified(case, rule_id, "giving proof")
    if missing is not None:
        return missing
    asked = case.ctx.call.proof_facts or ALLOWED_PROOF_FACTS
    extra = sorted(asked - ALLOWED_PROOF_FACTS)

    def explain() -> Rendered:
        facts: dict[str, FactValue] = {"proof_facts": ", ".join(sorted(asked))}
        if extra:
            return (
                f"{', '.join(extra)} may not be given as proof; only the last bill amount, the "
                "device in use and the date of the last Care call"
            ), facts
        shown = ", ".join(fact.replace("_", " ") for fact in sorted(asked))
        return f"proof limited to: {shown}", facts

    if extra:
        return failed(rule_id, explain, FINAL)
    return passed(rule_id, explain)


@rule(
    "OB-NO-PAYMENT",
    title="Never proactively ask for a payment; help when the customer raises it",
    section=SECTION,
    steps={Step.PAYMENT},
)
def no_payment(case: Case) -> RuleResult | None:
    rule_id = "OB-NO-PAYMENT"
    raised_by = case.ctx.call.payment_raised_by
    facts: dict[str, FactValue] = {"raised_by": raised_by}
    if raised_by is None:
        sentence = "who raised the payment is not recorded"
        steps = (RequiredStep(StepKind.RECORD_PAYMENT_RAISER),)
        return failed(rule_id, lambda: (sentence, facts), ACTION, steps)
    if raised_by is PaymentRaisedBy.AGENT:
        sentence = "payments are never raised by the agent on an outbound call, even if past due"
        return failed(rule_id, lambda: (sentence, facts), FINAL)
    return passed(rule_id, lambda: ("the customer raised the payment; help them", facts))


@rule(
    "OB-ALT-NUMBER",
    title="Troubleshooting the device being called: call an alternate number, else guide",
    section=SECTION,
    steps={Step.TROUBLESHOOT},
)
def alternate_number(case: Case) -> RuleResult | None:
    rule_id = "OB-ALT-NUMBER"
    call = case.ctx.call
    facts: dict[str, FactValue] = {
        "device_being_called": call.troubleshooting_device_being_called,
        "alternate_number_asked": call.alternate_number_asked,
        "alternate_number": call.alternate_number,
    }
    if not call.troubleshooting_device_being_called:
        sentence = "the device being troubleshot is not the one on this call"
        return passed(rule_id, lambda: (sentence, facts))
    if not call.alternate_number_asked:
        sentence = "the customer must troubleshoot the device being called; ask for another number"
        steps = (RequiredStep(StepKind.ASK_ALTERNATE_NUMBER),)
        return failed(rule_id, lambda: (sentence, facts), ACTION, steps)
    alternate = call.alternate_number
    if not alternate:
        sentence = "no alternate number is available; continue with guided troubleshooting"
        guided = (RequiredStep(StepKind.GUIDED_TROUBLESHOOTING),)
        return passed(rule_id, lambda: (sentence, facts), guided)
    try:
        digits = dial_string(alternate)
    except DialStringError:
        digits = alternate
    if case.ctx.agent.on_inbound_call:
        move = RequiredStep(StepKind.CONSULT_ALTERNATE, digits)
    else:
        move = RequiredStep(StepKind.CALL_ALTERNATE_FROM_ACW, digits)
    sentence = f"troubleshoot on the alternate number {alternate}, not on this line"
    return failed(rule_id, lambda: (sentence, facts), ACTION, (move,))
