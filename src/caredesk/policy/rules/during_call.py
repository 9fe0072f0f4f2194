"""During the call: disclosure, verification, proof, OTP, payments, troubleshooting."""

from __future__ import annotations

from caredesk.policy.case import Case
from caredesk.policy.decision import (
    Blocker,
    FactValue,
    Rendered,
    RequiredStep,
    RuleResult,
    StepKind,
    constant,
    verdict,
)
from caredesk.policy.dialing import DialStringError, dial_string
from caredesk.policy.rules.registry import CONSULT_PATH, CONVERSATION, rule
from caredesk.policy.vocabulary import (
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
_DISCLOSURE_STEP = Step.DISCLOSURE
_VERIFY_NAME_STEP = Step.VERIFY_NAME
_VERIFY_PIN_STEP = Step.VERIFY_PIN
_VERIFY_SSN_STEP = Step.VERIFY_SSN
_SSN = VerificationField.SSN
_ACCOUNT_PIN = VerificationField.ACCOUNT_PIN
_AGENT = PaymentRaisedBy.AGENT


def _explain_name_verified(_: object) -> Rendered:
    return "first and last name verified", {"name_verified": True}


def _name_not_verified(case: Case, rule_id: str, before: str) -> RuleResult | None:
    """A failure while the name is not verified yet; None once it is."""
    if case.call.name_verified:
        return None
    sentence = (
        f"the customer's first and last name are not verified yet; verify them before {before}"
    )
    return verdict(
        rule_id, False, constant, (sentence, {"name_verified": False}), ACTION, _VERIFY_NAME
    )


# What each step is called in a sentence ("read the recording disclosure before ...").
_STEP_WORDS: dict[Step, str] = {
    Step.DISCLOSURE: "the recording disclosure",
    Step.VERIFY_NAME: "name verification",
    Step.VERIFY_PIN: "a PIN/passcode check",
    Step.VERIFY_SSN: "an SSN check",
    Step.OTP: "a One Time PIN",
    Step.PROOF: "giving proof of the call",
    Step.PAYMENT: "helping with a payment",
    Step.TROUBLESHOOT: "troubleshooting",
    Step.CONSULT: "pressing Consult",
    Step.END_LINE_ONE: "ending line one",
    Step.RECONNECT: "reconnecting to the outbound call",
}


def step_words(step: Step) -> str:
    return _STEP_WORDS.get(step, step.value.replace("_", " "))


@rule(
    "OB-DISCLOSURE",
    title='Read: "This call may be recorded for quality and training purposes." (after the '
    "name check, before anything else)",
    section=SECTION,
    # Name verification comes first (the handbook's order), so it does not wait for the script.
    steps=(CONVERSATION - {Step.VERIFY_NAME}) | {Step.DISCLOSURE},
    parameters=lambda config: {"script": DISCLOSURE},
)
def disclosure(case: Case) -> RuleResult | None:
    # Reading it is checked for order by OB-VERIFY-NAME; every later step waits for it.
    if case.step is _DISCLOSURE_STEP or case.call.disclosure_read:
        return verdict("OB-DISCLOSURE", True, _explain_disclosure, case)
    return verdict("OB-DISCLOSURE", False, _explain_disclosure, case, ACTION, _READ_DISCLOSURE)


def _explain_disclosure(case: Case) -> Rendered:
    call = case.call
    step = case.step
    facts: dict[str, FactValue] = {
        "disclosure_read": call.disclosure_read,
        "answered": call.answered,
    }
    if step is _DISCLOSURE_STEP:
        return f'read now: "{DISCLOSURE}"', facts
    if call.disclosure_read:
        return "the recording disclosure was read", facts
    return (
        f"the recording disclosure has not been read yet; read it before {step_words(step)}",
        facts,
    )


@rule(
    "OB-VERIFY-NAME",
    title="Verify first and last name only, first thing once the customer is reached",
    section=SECTION,
    # Everything after it waits for it, the recording disclosure included (the handbook's
    # order); an SSN check is refused outright by OB-NO-SSN-PIN, so it is not asked here.
    steps=(CONVERSATION - {Step.VERIFY_SSN}) | {Step.DISCLOSURE},
)
def verify_name(case: Case) -> RuleResult | None:
    rule_id = "OB-VERIFY-NAME"
    if case.step is not _VERIFY_NAME_STEP:
        missing = _name_not_verified(case, rule_id, step_words(case.step))
        if missing is not None:
            return missing
        return verdict(rule_id, True, _explain_name_verified, None)
    if case.call.verification_fields - NAME_FIELDS:
        return verdict(rule_id, False, _explain_verify_name, case, ACTION, _VERIFY_NAME)
    return verdict(rule_id, True, _explain_verify_name, case)


def _explain_verify_name(case: Case) -> Rendered:
    asked = case.call.verification_fields
    extra = sorted(asked - NAME_FIELDS)
    facts: dict[str, FactValue] = {"asked": ", ".join(sorted(asked)) or None}
    if extra:
        return f"outbound calls verify first and last name only, not {', '.join(extra)}", facts
    return "verifying first and last name only", facts


@rule(
    "OB-NO-SSN-PIN",
    title="Never verify an SSN or PIN/passcode on an outbound call (Service Assurance exception, "
    "a limited number of tries)",
    section=SECTION,
    steps={Step.VERIFY_SSN, Step.VERIFY_PIN, Step.VERIFY_NAME},
    parameters=lambda config: {"max_pin_attempts": config.max_pin_attempts},
)
def no_ssn_pin(case: Case) -> RuleResult | None:
    rule_id = "OB-NO-SSN-PIN"
    call = case.call
    lob = case.lob
    asked = call.verification_fields
    asks_ssn = case.step is _VERIFY_SSN_STEP or _SSN in asked
    asks_pin = case.step is _VERIFY_PIN_STEP or _ACCOUNT_PIN in asked
    if not asks_ssn and not asks_pin:
        return None
    change = (call.account_change or "").strip()
    facts: dict[str, FactValue] = {"line_of_business": lob, "account_change": change or None}
    if asks_ssn:
        sentence = "Social Security numbers are never verified on outbound calls"
        return verdict(rule_id, False, constant, (sentence, facts), FINAL)
    if not case.is_service_assurance:
        sentence = f"PIN/passcode is never verified on {lob} outbound calls"
        return verdict(rule_id, False, constant, (sentence, facts), FINAL)
    if not change:
        sentence = "Service Assurance may verify a PIN/passcode only for a named account change"
        audit = (RequiredStep(StepKind.RECORD_PIN_AUDIT),)
        return verdict(rule_id, False, constant, (sentence, facts), ACTION, audit)
    failed_checks = call.pin_checks_failed
    limit = case.config.max_pin_attempts
    if failed_checks >= limit:
        facts["pin_checks_failed"] = failed_checks
        facts["max_pin_attempts"] = limit
        sentence = (
            f"the PIN/passcode did not match {_times(failed_checks)} on this callback and "
            f"{_times(limit)} is the limit; no further PIN/passcode check is taken"
        )
        return verdict(rule_id, False, constant, (sentence, facts), FINAL)
    sentence = f"Service Assurance PIN/passcode check for the account change: {change}"
    audited = (RequiredStep(StepKind.RECORD_PIN_AUDIT, change),)
    return verdict(rule_id, True, constant, (sentence, facts), None, audited)


def _times(count: int) -> str:
    return "once" if count == 1 else "twice" if count == 2 else f"{count} times"


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
    followed = case.call.otp_guidelines_followed
    facts: dict[str, FactValue] = {"name_verified": True, "otp_guidelines_followed": followed}
    if not followed:
        sentence = "the One Time PIN guidelines are not confirmed as followed"
        steps = (RequiredStep(StepKind.FOLLOW_OTP_GUIDELINES),)
        return verdict(rule_id, False, constant, (sentence, facts), ACTION, steps)
    return verdict(rule_id, True, constant, ("account verified and OTP guidelines followed", facts))


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
    asked = case.call.proof_facts or ALLOWED_PROOF_FACTS
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
        return RuleResult(rule_id, False, explain, FINAL)
    return RuleResult(rule_id, True, explain)


@rule(
    "OB-NO-PAYMENT",
    title="Never proactively ask for a payment; help when the customer raises it",
    section=SECTION,
    steps={Step.PAYMENT},
)
def no_payment(case: Case) -> RuleResult | None:
    rule_id = "OB-NO-PAYMENT"
    raised_by = case.call.payment_raised_by
    facts: dict[str, FactValue] = {"raised_by": raised_by}
    if raised_by is None:
        sentence = "who raised the payment is not recorded"
        steps = (RequiredStep(StepKind.RECORD_PAYMENT_RAISER),)
        return verdict(rule_id, False, constant, (sentence, facts), ACTION, steps)
    if raised_by is _AGENT:
        sentence = "payments are never raised by the agent on an outbound call, even if past due"
        return verdict(rule_id, False, constant, (sentence, facts), FINAL)
    return verdict(rule_id, True, constant, ("the customer raised the payment; help them", facts))


_CONSULT = (RequiredStep(StepKind.CONSULT_ALTERNATE),)
_GUIDED = (RequiredStep(StepKind.GUIDED_TROUBLESHOOTING),)


def _ten_digits(number: str) -> str:
    try:
        return dial_string(number)
    except DialStringError:
        return number


def _consult_path(case: Case) -> RuleResult:
    """OB-ALT-NUMBER's Consult path, in the handbook's order: Consult with the 10-digit number,
    end line one (the inbound call), reconnect to the outbound call. Each step is allowed once,
    after the one before it; Consult only on a call tied to an active inbound call."""
    rule_id = "OB-ALT-NUMBER"
    call = case.call
    agent = case.agent
    now = case.now
    inbound = agent.inbound_call
    ref = f"inbound call {inbound.call_id}" if inbound else "the inbound call"
    consulted = call.consulted_number
    facts: dict[str, FactValue] = {
        "inbound_call_id": inbound.call_id if inbound else None,
        "consulted_number": consulted,
        "line_one_ended": call.line_one_ended,
        "reconnected": call.reconnected,
    }
    step = case.step
    if call.reconnected:
        sentence = "the outbound call is already reconnected; the Consult path is done"
        return verdict(rule_id, False, constant, (sentence, facts), FINAL)
    if step is Step.CONSULT:
        if consulted:
            sentence = f"Consult was already pressed, to {consulted}; end line one, then reconnect"
            return verdict(rule_id, False, constant, (sentence, facts), FINAL)
        untied = agent.inbound_tie(now)
        if untied is not None:
            why = untied or "this call names no inbound call"
            sentence = (
                f"{why}: Consult is for a call tied to an active inbound call in Talking; "
                "otherwise enter After-Call Work and call the alternate number"
            )
            steps = (RequiredStep(StepKind.CALL_ALTERNATE_FROM_ACW),)
            return verdict(rule_id, False, constant, (sentence, facts), FINAL, steps)
        number = call.alternate_number
        if not number:
            sentence = (
                "Consult needs the customer's 10-digit alternate number; with none, continue "
                "with guided troubleshooting"
            )
            return verdict(rule_id, False, constant, (sentence, facts), ACTION, _GUIDED)
        digits = _ten_digits(number)
        sentence = f"Consult on {ref}: dial {digits}, then end line one and reconnect"
        after = (
            RequiredStep(StepKind.END_LINE_ONE, ref),
            RequiredStep(StepKind.RECONNECT_OUTBOUND),
        )
        return verdict(
            rule_id, True, constant, (sentence, {**facts, "digits": digits}), None, after
        )
    if not consulted:
        sentence = f"press Consult with the 10-digit alternate number before {step_words(step)}"
        return verdict(rule_id, False, constant, (sentence, facts), ACTION, _CONSULT)
    line_one_gone = call.line_one_ended or (inbound is not None and not inbound.live_at(now))
    if step is Step.END_LINE_ONE:
        if line_one_gone:
            sentence = f"line one ({ref}) has already ended; reconnect to the outbound call"
            steps = (RequiredStep(StepKind.RECONNECT_OUTBOUND),)
            return verdict(rule_id, False, constant, (sentence, facts), FINAL, steps)
        untied = agent.inbound_tie(now)
        if untied:
            sentence = f"{untied}: line one is not this agent's to end"
            return verdict(rule_id, False, constant, (sentence, facts), FINAL)
        sentence = f"end line one: {ref} ends and the customer stays on {consulted}"
        steps = (RequiredStep(StepKind.RECONNECT_OUTBOUND, consulted),)
        return verdict(rule_id, True, constant, (sentence, facts), None, steps)
    if not line_one_gone:
        sentence = f"line one ({ref}) is still live; end it before reconnecting"
        steps = (RequiredStep(StepKind.END_LINE_ONE, ref),)
        return verdict(rule_id, False, constant, (sentence, facts), ACTION, steps)
    sentence = f"reconnect to the outbound call on {consulted}; line one ({ref}) has ended"
    return verdict(rule_id, True, constant, (sentence, facts))


@rule(
    "OB-ALT-NUMBER",
    title="Troubleshooting the device being called: call an alternate number, else guide",
    section=SECTION,
    steps={Step.TROUBLESHOOT} | CONSULT_PATH,
)
def alternate_number(case: Case) -> RuleResult | None:
    if case.step in CONSULT_PATH:
        return _consult_path(case)
    rule_id = "OB-ALT-NUMBER"
    call = case.call
    facts: dict[str, FactValue] = {
        "device_being_called": call.troubleshooting_device_being_called,
        "alternate_number_asked": call.alternate_number_asked,
        "alternate_number": call.alternate_number,
    }
    if not call.troubleshooting_device_being_called:
        sentence = "the device being troubleshot is not the one on this call"
        return verdict(rule_id, True, constant, (sentence, facts))
    if not call.alternate_number_asked:
        sentence = "the customer must troubleshoot the device being called; ask for another number"
        steps = (RequiredStep(StepKind.ASK_ALTERNATE_NUMBER),)
        return verdict(rule_id, False, constant, (sentence, facts), ACTION, steps)
    alternate = call.alternate_number
    if not alternate:
        sentence = "no alternate number is available; continue with guided troubleshooting"
        return verdict(rule_id, True, constant, (sentence, facts), None, _GUIDED)
    digits = _ten_digits(alternate)
    if case.agent.inbound_tie(case.now) is None:
        move = RequiredStep(StepKind.CONSULT_ALTERNATE, digits)
    else:
        move = RequiredStep(StepKind.CALL_ALTERNATE_FROM_ACW, digits)
    sentence = f"troubleshoot on the alternate number {alternate}, not on this line"
    return verdict(rule_id, False, constant, (sentence, facts), ACTION, (move,))
