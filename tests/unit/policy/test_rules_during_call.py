"""During-the-call rules: disclosure, verification, SSN/PIN, OTP, proof, payment, alternate."""

from __future__ import annotations

import dataclasses

import pytest

from caredesk.policy import (
    DEFAULT_CONFIG,
    AgentState,
    Blocker,
    InboundCall,
    LineOfBusiness,
    PaymentRaisedBy,
    PolicyContext,
    ProofFact,
    RequiredStep,
    Step,
    StepKind,
    VerificationField,
)
from caredesk.policy.rules.registry import CONVERSATION

from .cases import ALTERNATE, allowed, base, change, decide, refused, says


def test_OB_VERIFY_NAME_allows_name_verification_before_the_disclosure() -> None:
    # The handbook's order: verify first and last name, then read the recording script.
    ctx = change(
        base(Step.VERIFY_NAME), **{"call.disclosure_read": False, "call.name_verified": False}
    )
    allowed(ctx, "OB-VERIFY-NAME")
    decision = decide(ctx)
    assert decision.allowed, decision.failed_rule_ids
    assert "OB-DISCLOSURE" in decision.not_applicable


def test_OB_VERIFY_NAME_refuses_the_disclosure_before_the_name_is_verified() -> None:
    ctx = change(
        base(Step.DISCLOSURE), **{"call.disclosure_read": False, "call.name_verified": False}
    )
    result = refused(ctx, "OB-VERIFY-NAME")
    assert result.sentence == (
        "the customer's first and last name are not verified yet; verify them before the "
        "recording disclosure"
    )
    assert decide(ctx).required_steps == (RequiredStep(StepKind.VERIFY_NAME),)
    allowed(change(ctx, **{"call.name_verified": True}), "OB-DISCLOSURE")


def test_OB_DISCLOSURE_refuses_the_conversation_until_name_and_disclosure_both_are_done() -> None:
    # Nothing proceeds before both, and the steps due come in the handbook's order.
    for step in CONVERSATION - {Step.VERIFY_NAME, Step.VERIFY_SSN}:
        ctx = change(base(step), **{"call.disclosure_read": False, "call.name_verified": False})
        decision = decide(ctx)
        assert {"OB-VERIFY-NAME", "OB-DISCLOSURE"} <= set(decision.failed_rule_ids), step
        kinds = [item.kind for item in decision.required_steps]
        assert kinds[:2] == [StepKind.VERIFY_NAME, StepKind.READ_DISCLOSURE], step
        result = refused(change(ctx, **{"call.name_verified": True}), "OB-DISCLOSURE")
        assert result.sentence.startswith(
            "the recording disclosure has not been read yet; read it before "
        )
        assert "_" not in result.sentence, result.sentence


def test_OB_DISCLOSURE_refuses_every_conversation_step_until_recorded() -> None:
    for step in (Step.OTP, Step.PROOF, Step.PAYMENT, Step.TROUBLESHOOT, Step.VERIFY_PIN):
        refused(change(base(step), **{"call.disclosure_read": False}), "OB-DISCLOSURE")


def test_OB_DISCLOSURE_allows_the_disclosure_step_itself() -> None:
    ctx = change(base(Step.DISCLOSURE), **{"call.disclosure_read": False})
    result = allowed(ctx, "OB-DISCLOSURE")
    assert "This call may be recorded for quality and training purposes." in result.sentence


def test_OB_VERIFY_NAME_refuses_asking_more_than_the_name() -> None:
    fields = frozenset({VerificationField.FIRST_NAME, VerificationField.DATE_OF_BIRTH})
    ctx = change(base(Step.VERIFY_NAME), **{"call.verification_fields": fields})
    result = refused(ctx, "OB-VERIFY-NAME")
    assert result.sentence == "outbound calls verify first and last name only, not date_of_birth"


def test_OB_VERIFY_NAME_refuses_proof_before_the_name_is_verified() -> None:
    ctx = change(base(Step.PROOF), **{"call.name_verified": False})
    refused(ctx, "OB-VERIFY-NAME")
    assert decide(ctx).required_steps == (RequiredStep(StepKind.VERIFY_NAME),)


def test_OB_VERIFY_NAME_allows_first_and_last_name() -> None:
    fields = frozenset({VerificationField.FIRST_NAME, VerificationField.LAST_NAME})
    allowed(
        change(base(Step.VERIFY_NAME), **{"call.verification_fields": fields}), "OB-VERIFY-NAME"
    )


def test_OB_NO_SSN_PIN_refuses_ssn_verification_for_every_team() -> None:
    for lob in LineOfBusiness:
        result = refused(base(Step.VERIFY_SSN, lob), "OB-NO-SSN-PIN")
        assert result.blocker is Blocker.FINAL


def test_OB_NO_SSN_PIN_refuses_pin_verification_outside_service_assurance() -> None:
    ctx = change(base(Step.VERIFY_PIN), **{"call.account_change": "reset voicemail"})
    result = refused(ctx, "OB-NO-SSN-PIN")
    assert result.sentence == "PIN/passcode is never verified on care outbound calls"


def test_OB_NO_SSN_PIN_refuses_a_pin_in_the_name_check() -> None:
    fields = frozenset({VerificationField.LAST_NAME, VerificationField.ACCOUNT_PIN})
    refused(change(base(Step.VERIFY_NAME), **{"call.verification_fields": fields}), "OB-NO-SSN-PIN")


def test_OB_NO_SSN_PIN_refuses_service_assurance_pin_without_a_named_change() -> None:
    refused(base(Step.VERIFY_PIN, LineOfBusiness.SA_ATS), "OB-NO-SSN-PIN")


def test_OB_NO_SSN_PIN_allows_service_assurance_pin_for_an_account_change_and_audits_it() -> None:
    ctx = change(
        base(Step.VERIFY_PIN, LineOfBusiness.SA_BTS),
        **{"call.account_change": "re-provision SIM for troubleshooting"},
    )
    allowed(ctx, "OB-NO-SSN-PIN")
    decision = decide(ctx)
    assert decision.allowed
    assert decision.required_steps == (
        RequiredStep(StepKind.RECORD_PIN_AUDIT, "re-provision SIM for troubleshooting"),
    )


def test_OB_NO_SSN_PIN_refuses_service_assurance_pin_after_the_attempt_limit() -> None:
    ctx = change(
        base(Step.VERIFY_PIN, LineOfBusiness.SA_BTS),
        **{"call.account_change": "re-provision SIM", "call.pin_checks_failed": 3},
    )
    result = refused(ctx, "OB-NO-SSN-PIN")
    assert result.blocker is Blocker.FINAL
    assert result.sentence == (
        "the PIN/passcode did not match 3 times on this callback and 3 times is the limit; "
        "no further PIN/passcode check is taken"
    )
    assert (result.facts["pin_checks_failed"], result.facts["max_pin_attempts"]) == (3, 3)
    five = dataclasses.replace(DEFAULT_CONFIG, max_pin_attempts=5)
    allowed(ctx, "OB-NO-SSN-PIN", five)
    one = dataclasses.replace(DEFAULT_CONFIG, max_pin_attempts=1)
    once = refused(change(ctx, **{"call.pin_checks_failed": 1}), "OB-NO-SSN-PIN", one)
    assert once.sentence.startswith("the PIN/passcode did not match once on this callback and once")
    two = dataclasses.replace(DEFAULT_CONFIG, max_pin_attempts=2)
    twice = refused(change(ctx, **{"call.pin_checks_failed": 2}), "OB-NO-SSN-PIN", two)
    assert "did not match twice on this callback and twice is the limit" in twice.sentence


def test_OB_NO_SSN_PIN_allows_service_assurance_pin_below_the_attempt_limit() -> None:
    ctx = change(
        base(Step.VERIFY_PIN, LineOfBusiness.SA_ATS),
        **{"call.account_change": "re-provision SIM", "call.pin_checks_failed": 2},
    )
    allowed(ctx, "OB-NO-SSN-PIN")


def test_OB_OTP_refuses_before_the_account_is_verified() -> None:
    ctx = change(
        base(Step.OTP), **{"call.name_verified": False, "call.otp_guidelines_followed": True}
    )
    result = refused(ctx, "OB-OTP")
    assert "verify them before a One Time PIN" in result.sentence


def test_OB_OTP_refuses_when_guidelines_are_not_followed() -> None:
    refused(base(Step.OTP), "OB-OTP")


def test_OB_OTP_allows_once_verified_and_following_guidelines() -> None:
    allowed(change(base(Step.OTP), **{"call.otp_guidelines_followed": True}), "OB-OTP")


def test_OB_PROOF_refuses_more_than_the_three_facts() -> None:
    facts = frozenset({ProofFact.LAST_BILL_AMOUNT, ProofFact.PAYMENT_METHOD})
    result = refused(change(base(Step.PROOF), **{"call.proof_facts": facts}), "OB-PROOF")
    assert result.sentence.startswith("payment_method may not be given as proof")
    assert result.blocker is Blocker.FINAL


def test_OB_PROOF_refuses_before_the_account_is_verified() -> None:
    refused(change(base(Step.PROOF), **{"call.name_verified": False}), "OB-PROOF")


def test_OB_PROOF_allows_exactly_bill_device_and_last_care_call() -> None:
    result = allowed(base(Step.PROOF), "OB-PROOF")
    assert result.sentence == (
        "proof limited to: device in use, last bill amount, last care call date"
    )


def test_OB_NO_PAYMENT_refuses_an_agent_raised_payment() -> None:
    ctx = change(base(Step.PAYMENT), **{"call.payment_raised_by": PaymentRaisedBy.AGENT})
    result = refused(ctx, "OB-NO-PAYMENT")
    assert "never raised by the agent" in result.sentence


def test_OB_NO_PAYMENT_refuses_when_who_raised_it_is_not_recorded() -> None:
    refused(base(Step.PAYMENT), "OB-NO-PAYMENT")


def test_OB_NO_PAYMENT_allows_helping_a_customer_who_raised_it() -> None:
    ctx = change(base(Step.PAYMENT), **{"call.payment_raised_by": PaymentRaisedBy.CUSTOMER})
    allowed(ctx, "OB-NO-PAYMENT")


def test_OB_ALT_NUMBER_refuses_troubleshooting_the_called_device_before_asking() -> None:
    ctx = change(base(Step.TROUBLESHOOT), **{"call.troubleshooting_device_being_called": True})
    refused(ctx, "OB-ALT-NUMBER")
    assert decide(ctx).required_steps == (RequiredStep(StepKind.ASK_ALTERNATE_NUMBER),)


def test_OB_ALT_NUMBER_refuses_and_sends_to_after_call_work_with_an_alternate() -> None:
    ctx = change(
        base(Step.TROUBLESHOOT),
        **{
            "call.troubleshooting_device_being_called": True,
            "call.alternate_number_asked": True,
            "call.alternate_number": ALTERNATE,
        },
    )
    refused(ctx, "OB-ALT-NUMBER")
    step = decide(ctx).required_steps[0]
    assert step == RequiredStep(StepKind.CALL_ALTERNATE_FROM_ACW, "3035550188")


def test_OB_ALT_NUMBER_refuses_and_consults_with_an_inbound_call_in_talking() -> None:
    ctx = change(
        base(Step.TROUBLESHOOT),
        **{
            "agent.state": AgentState.TALKING,
            "agent.inbound_call": InboundCall("42", "agent-1"),
            "call.troubleshooting_device_being_called": True,
            "call.alternate_number_asked": True,
            "call.alternate_number": ALTERNATE,
        },
    )
    refused(ctx, "OB-ALT-NUMBER")
    step = decide(ctx).required_steps[0]
    assert step.kind is StepKind.CONSULT_ALTERNATE
    assert "3035550188" in step.label and "end line one" in step.label


def test_OB_ALT_NUMBER_allows_guided_troubleshooting_without_an_alternate() -> None:
    ctx = change(
        base(Step.TROUBLESHOOT),
        **{"call.troubleshooting_device_being_called": True, "call.alternate_number_asked": True},
    )
    allowed(ctx, "OB-ALT-NUMBER")
    assert decide(ctx).required_steps == (RequiredStep(StepKind.GUIDED_TROUBLESHOOTING),)


def test_OB_ALT_NUMBER_allows_troubleshooting_another_device() -> None:
    allowed(base(Step.TROUBLESHOOT), "OB-ALT-NUMBER")


@pytest.mark.parametrize(
    ("changes", "step", "rule_id", "blocker", "sentence", "steps", "facts"),
    [
        pytest.param(
            {"call.name_verified": False},
            Step.OTP,
            "OB-OTP",
            Blocker.ACTION,
            "the customer's first and last name are not verified yet; verify them before a One "
            "Time PIN",
            [RequiredStep(StepKind.VERIFY_NAME)],
            {"name_verified": False},
            id="otp-before-the-name",
        ),
        pytest.param(
            {},
            Step.OTP,
            "OB-OTP",
            Blocker.ACTION,
            "the One Time PIN guidelines are not confirmed as followed",
            [RequiredStep(StepKind.FOLLOW_OTP_GUIDELINES)],
            {"name_verified": True, "otp_guidelines_followed": False},
            id="otp-without-the-guidelines",
        ),
        pytest.param(
            {"call.otp_guidelines_followed": True},
            Step.OTP,
            "OB-OTP",
            None,
            "account verified and OTP guidelines followed",
            [],
            {"name_verified": True, "otp_guidelines_followed": True},
            id="otp",
        ),
        pytest.param(
            {},
            Step.PAYMENT,
            "OB-NO-PAYMENT",
            Blocker.ACTION,
            "who raised the payment is not recorded",
            [RequiredStep(StepKind.RECORD_PAYMENT_RAISER)],
            {"raised_by": None},
            id="payment-unrecorded",
        ),
        pytest.param(
            {"call.payment_raised_by": PaymentRaisedBy.AGENT},
            Step.PAYMENT,
            "OB-NO-PAYMENT",
            Blocker.FINAL,
            "payments are never raised by the agent on an outbound call, even if past due",
            [],
            {"raised_by": PaymentRaisedBy.AGENT},
            id="payment-by-the-agent",
        ),
        pytest.param(
            {"call.payment_raised_by": PaymentRaisedBy.CUSTOMER},
            Step.PAYMENT,
            "OB-NO-PAYMENT",
            None,
            "the customer raised the payment; help them",
            [],
            {"raised_by": PaymentRaisedBy.CUSTOMER},
            id="payment-by-the-customer",
        ),
    ],
)
def test_what_otp_and_payment_tell_the_agent(
    changes: dict[str, object],
    step: Step,
    rule_id: str,
    blocker: Blocker | None,
    sentence: str,
    steps: list[RequiredStep],
    facts: dict[str, object],
) -> None:
    result = (refused if blocker else allowed)(change(base(step), **changes), rule_id)
    assert result.sentence == sentence
    assert list(result.required_steps) == steps
    assert dict(result.facts) == facts
    assert result.blocker is blocker


_SA = LineOfBusiness.SA_BTS


@pytest.mark.parametrize(
    ("ctx", "limit", "blocker", "sentence", "steps", "facts"),
    [
        pytest.param(
            change(
                base(Step.VERIFY_NAME),
                **{
                    "call.verification_fields": frozenset(
                        {
                            VerificationField.FIRST_NAME,
                            VerificationField.LAST_NAME,
                            VerificationField.SSN,
                        }
                    )
                },
            ),
            3,
            Blocker.FINAL,
            "Social Security numbers are never verified on outbound calls",
            [],
            {"line_of_business": LineOfBusiness.CARE, "account_change": None},
            id="ssn-among-the-name-fields",
        ),
        pytest.param(
            change(base(Step.VERIFY_PIN), **{"call.account_change": "  reset voicemail  "}),
            3,
            Blocker.FINAL,
            "PIN/passcode is never verified on care outbound calls",
            [],
            {"line_of_business": LineOfBusiness.CARE, "account_change": "reset voicemail"},
            id="pin-outside-service-assurance",
        ),
        pytest.param(
            change(base(Step.VERIFY_PIN, LineOfBusiness.SA_ATS), **{"call.account_change": "  "}),
            3,
            Blocker.ACTION,
            "Service Assurance may verify a PIN/passcode only for a named account change",
            [RequiredStep(StepKind.RECORD_PIN_AUDIT)],
            {"line_of_business": LineOfBusiness.SA_ATS, "account_change": None},
            id="pin-for-no-named-change",
        ),
        pytest.param(
            change(
                base(Step.VERIFY_PIN, _SA),
                **{"call.account_change": " re-provision SIM ", "call.pin_checks_failed": 1},
            ),
            1,
            Blocker.FINAL,
            "the PIN/passcode did not match once on this callback and once is the limit; no "
            "further PIN/passcode check is taken",
            [],
            {
                "line_of_business": _SA,
                "account_change": "re-provision SIM",
                "pin_checks_failed": 1,
                "max_pin_attempts": 1,
            },
            id="limit-once",
        ),
        pytest.param(
            change(
                base(Step.VERIFY_PIN, _SA),
                **{"call.account_change": "re-provision SIM", "call.pin_checks_failed": 2},
            ),
            2,
            Blocker.FINAL,
            "the PIN/passcode did not match twice on this callback and twice is the limit; no "
            "further PIN/passcode check is taken",
            [],
            {
                "line_of_business": _SA,
                "account_change": "re-provision SIM",
                "pin_checks_failed": 2,
                "max_pin_attempts": 2,
            },
            id="limit-twice",
        ),
        pytest.param(
            change(
                base(Step.VERIFY_PIN, _SA),
                **{"call.account_change": " re-provision SIM ", "call.pin_checks_failed": 2},
            ),
            3,
            None,
            "Service Assurance PIN/passcode check for the account change: re-provision SIM",
            [RequiredStep(StepKind.RECORD_PIN_AUDIT, "re-provision SIM")],
            {"line_of_business": _SA, "account_change": "re-provision SIM"},
            id="one-try-left",
        ),
    ],
)
def test_what_OB_NO_SSN_PIN_tells_the_agent(
    ctx: PolicyContext,
    limit: int,
    blocker: Blocker | None,
    sentence: str,
    steps: list[RequiredStep],
    facts: dict[str, object],
) -> None:
    config = dataclasses.replace(DEFAULT_CONFIG, max_pin_attempts=limit)
    says(ctx, "OB-NO-SSN-PIN", blocker, sentence, steps, facts, config)


_V = VerificationField
_NAME_ONLY = frozenset({_V.FIRST_NAME, _V.LAST_NAME})
_NOT_READ = {"call.disclosure_read": False}


@pytest.mark.parametrize(
    ("step", "changes", "rule_id", "blocker", "sentence", "steps", "facts"),
    [
        pytest.param(
            Step.VERIFY_NAME,
            {"call.verification_fields": _NAME_ONLY},
            "OB-VERIFY-NAME",
            None,
            "verifying first and last name only",
            [],
            {"asked": "first_name, last_name"},
            id="name-only",
        ),
        pytest.param(
            Step.VERIFY_NAME,
            {"call.verification_fields": _NAME_ONLY | {_V.DATE_OF_BIRTH, _V.ADDRESS}},
            "OB-VERIFY-NAME",
            Blocker.ACTION,
            "outbound calls verify first and last name only, not address, date_of_birth",
            [RequiredStep(StepKind.VERIFY_NAME)],
            {"asked": "address, date_of_birth, first_name, last_name"},
            id="more-than-the-name",
        ),
        pytest.param(
            Step.VERIFY_NAME,
            {"call.verification_fields": frozenset()},
            "OB-VERIFY-NAME",
            None,
            "verifying first and last name only",
            [],
            {"asked": None},
            id="nothing-asked-yet",
        ),
        pytest.param(
            Step.PROOF,
            {},
            "OB-VERIFY-NAME",
            None,
            "first and last name verified",
            [],
            {"name_verified": True},
            id="later-step-name-verified",
        ),
        pytest.param(
            Step.PROOF,
            {"call.name_verified": False},
            "OB-VERIFY-NAME",
            Blocker.ACTION,
            "the customer's first and last name are not verified yet; verify them before giving "
            "proof of the call",
            [RequiredStep(StepKind.VERIFY_NAME)],
            {"name_verified": False},
            id="later-step-name-not-verified",
        ),
        pytest.param(
            Step.DISCLOSURE,
            _NOT_READ,
            "OB-DISCLOSURE",
            None,
            'read now: "This call may be recorded for quality and training purposes."',
            [],
            {"disclosure_read": False, "answered": True},
            id="disclosure-now",
        ),
        pytest.param(
            Step.PROOF,
            {},
            "OB-DISCLOSURE",
            None,
            "the recording disclosure was read",
            [],
            {"disclosure_read": True, "answered": True},
            id="disclosure-read",
        ),
        pytest.param(
            Step.PROOF,
            _NOT_READ,
            "OB-DISCLOSURE",
            Blocker.ACTION,
            "the recording disclosure has not been read yet; read it before giving proof of the "
            "call",
            [RequiredStep(StepKind.READ_DISCLOSURE)],
            {"disclosure_read": False, "answered": True},
            id="disclosure-not-read",
        ),
        pytest.param(
            Step.PROOF,
            {"call.proof_facts": frozenset({ProofFact.LAST_BILL_AMOUNT, ProofFact.DEVICE_IN_USE})},
            "OB-PROOF",
            None,
            "proof limited to: device in use, last bill amount",
            [],
            {"proof_facts": "device_in_use, last_bill_amount"},
            id="proof-two-facts",
        ),
        pytest.param(
            Step.PROOF,
            {},
            "OB-PROOF",
            None,
            "proof limited to: device in use, last bill amount, last care call date",
            [],
            {"proof_facts": "device_in_use, last_bill_amount, last_care_call_date"},
            id="proof-the-three-facts",
        ),
        pytest.param(
            Step.PROOF,
            {"call.proof_facts": frozenset({ProofFact.LAST_BILL_AMOUNT, ProofFact.PAYMENT_METHOD})},
            "OB-PROOF",
            Blocker.FINAL,
            "payment_method may not be given as proof; only the last bill amount, the device in "
            "use and the date of the last Care call",
            [],
            {"proof_facts": "last_bill_amount, payment_method"},
            id="proof-beyond-the-three",
        ),
    ],
)
def test_what_name_disclosure_and_proof_tell_the_agent(
    step: Step,
    changes: dict[str, object],
    rule_id: str,
    blocker: Blocker | None,
    sentence: str,
    steps: list[RequiredStep],
    facts: dict[str, object],
) -> None:
    says(change(base(step), **changes), rule_id, blocker, sentence, steps, facts)
