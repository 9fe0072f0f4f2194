"""Attempt rules: the per-team limit without contact and the voicemail after the last try."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caredesk.policy import (
    Attempt,
    AttemptResult,
    Blocker,
    CallbackOutcome,
    LineOfBusiness,
    Memo,
    PolicyContext,
    RequiredStep,
    Step,
    StepKind,
    WrapUp,
    parse_policy_config,
)

from .cases import ALTERNATE, NOW, NUMBER, allowed, base, change, decide, refused, says


def _tries(*results: AttemptResult) -> tuple[Attempt, ...]:
    numbers = (NUMBER, ALTERNATE)
    return tuple(
        Attempt(NOW - timedelta(minutes=20 * (len(results) - i)), numbers[i % 2], result)
        for i, result in enumerate(results)
    )


NO_ANSWER = AttemptResult.NO_ANSWER


def test_OB_ATTEMPTS_refuses_a_third_attempt_without_contact_across_numbers() -> None:
    ctx = change(base(), **{"callback.attempts": _tries(NO_ANSWER, AttemptResult.BUSY)})
    result = refused(ctx, "OB-ATTEMPTS")
    assert result.sentence == "2 of 2 attempts allowed for care made without contact"
    assert result.facts["attempts"] == 2
    assert result.blocker is Blocker.FINAL
    assert decide(ctx).next_allowed_at is None


def test_OB_ATTEMPTS_allows_the_second_attempt() -> None:
    result = allowed(change(base(), **{"callback.attempts": _tries(NO_ANSWER)}), "OB-ATTEMPTS")
    assert result.sentence == "this is attempt 2 of 2 without contact allowed for care"


def test_OB_ATTEMPTS_allows_after_contact_was_made() -> None:
    attempts = _tries(NO_ANSWER, AttemptResult.CONTACT, NO_ANSWER)
    allowed(change(base(), **{"callback.attempts": attempts}), "OB-ATTEMPTS")


def test_OB_ATTEMPTS_follows_the_configured_limit() -> None:
    config = parse_policy_config({"lob": {"care": {"max_attempts_without_contact": 3}}})
    ctx = change(base(), **{"callback.attempts": _tries(NO_ANSWER, NO_ANSWER)})
    allowed(ctx, "OB-ATTEMPTS", config)


def test_OB_ATTEMPTS_GLOBAL_refuses_a_second_global_care_attempt() -> None:
    ctx = change(base(lob=LineOfBusiness.GLOBAL_CARE), **{"callback.attempts": _tries(NO_ANSWER)})
    result = refused(ctx, "OB-ATTEMPTS-GLOBAL")
    assert result.sentence == "1 of 1 attempts allowed for global_care made without contact"
    assert "OB-ATTEMPTS" in decide(ctx).not_applicable


def test_OB_ATTEMPTS_GLOBAL_allows_the_first_global_care_attempt() -> None:
    allowed(base(lob=LineOfBusiness.GLOBAL_CARE), "OB-ATTEMPTS-GLOBAL")


def test_OB_VOICEMAIL_refuses_another_dial_until_the_voicemail_is_left() -> None:
    ctx = change(base(), **{"callback.attempts": _tries(NO_ANSWER, AttemptResult.VOICEMAIL)})
    result = refused(ctx, "OB-VOICEMAIL")
    assert "last allowed attempt (2 of 2) was not answered" in result.sentence
    kinds = [step.kind for step in decide(ctx).required_steps]
    assert kinds == [
        StepKind.LEAVE_VOICEMAIL,
        StepKind.WRITE_MEMO,
        StepKind.CLOSE_AS_VOICEMAIL_LEFT,
    ]


def test_OB_VOICEMAIL_refuses_wrap_up_not_closed_as_voicemail_left() -> None:
    memo = Memo("Dropped call callback", (), "Left a voicemail asking to call back", "No answer")
    ctx = change(
        base(Step.WRAP_UP, LineOfBusiness.GLOBAL_CARE),
        **{"callback.attempts": _tries(NO_ANSWER), "call.voicemail_left": True},
        wrap_up=WrapUp(memo=memo, outcome=CallbackOutcome.NO_CONTACT),
    )
    result = refused(ctx, "OB-VOICEMAIL")
    assert result.sentence.endswith("close the callback as voicemail left")
    assert decide(ctx).required_steps == (RequiredStep(StepKind.CLOSE_AS_VOICEMAIL_LEFT),)


def test_OB_VOICEMAIL_allows_wrap_up_with_voicemail_left() -> None:
    memo = Memo("Dropped call callback", (), "Left a voicemail asking to call back", "No answer")
    ctx = change(
        base(Step.WRAP_UP),
        **{"callback.attempts": _tries(NO_ANSWER, NO_ANSWER), "call.voicemail_left": True},
        wrap_up=WrapUp(memo=memo, outcome=CallbackOutcome.VOICEMAIL_LEFT),
    )
    allowed(ctx, "OB-VOICEMAIL")
    assert decide(ctx).allowed


def test_OB_VOICEMAIL_allows_when_attempts_remain() -> None:
    result = allowed(change(base(), **{"callback.attempts": _tries(NO_ANSWER)}), "OB-VOICEMAIL")
    assert "another attempt is allowed" in result.sentence


_BUSY = AttemptResult.BUSY
_VOICEMAIL_ALL = [
    RequiredStep(StepKind.LEAVE_VOICEMAIL),
    RequiredStep(StepKind.WRITE_MEMO),
    RequiredStep(StepKind.CLOSE_AS_VOICEMAIL_LEFT),
]
_LAST = "the last allowed attempt (2 of 2) was not answered"


def _vm(
    last: AttemptResult, left: bool = False, made: int = 2, outcome: object = None
) -> dict[str, object]:
    return {
        "attempts": made,
        "limit": 2,
        "last_result": last,
        "voicemail_left": left,
        "outcome": outcome,
    }


def _wrapped(outcome: CallbackOutcome, **changes: object) -> PolicyContext:
    return change(
        base(Step.WRAP_UP),
        **{"callback.attempts": _tries(NO_ANSWER, NO_ANSWER), **changes},
        wrap_up=WrapUp(memo=None, outcome=outcome),
    )


@pytest.mark.parametrize(
    ("ctx", "rule_id", "blocker", "sentence", "steps", "facts"),
    [
        pytest.param(
            change(base(), **{"callback.attempts": _tries(NO_ANSWER)}),
            "OB-VOICEMAIL",
            None,
            "attempt 1 of 2 ended no_answer; another attempt is allowed",
            [],
            _vm(NO_ANSWER, made=1),
            id="voicemail-not-yet",
        ),
        pytest.param(
            change(base(), **{"callback.attempts": _tries(NO_ANSWER, _BUSY)}),
            "OB-VOICEMAIL",
            Blocker.ACTION,
            f"{_LAST} (busy); leave a voicemail, memo the account, close the callback as "
            "voicemail left",
            _VOICEMAIL_ALL,
            _vm(_BUSY),
            id="voicemail-due",
        ),
        pytest.param(
            change(
                base(),
                **{"callback.attempts": _tries(NO_ANSWER, _BUSY), "call.voicemail_left": True},
            ),
            "OB-VOICEMAIL",
            None,
            f"{_LAST} (busy); a voicemail was left",
            [],
            _vm(_BUSY, left=True),
            id="voicemail-left",
        ),
        pytest.param(
            _wrapped(CallbackOutcome.RESOLVED),
            "OB-VOICEMAIL",
            Blocker.ACTION,
            f"{_LAST} (no_answer); leave a voicemail, close the callback as voicemail left",
            [
                RequiredStep(StepKind.LEAVE_VOICEMAIL),
                RequiredStep(StepKind.CLOSE_AS_VOICEMAIL_LEFT),
            ],
            _vm(NO_ANSWER, outcome=CallbackOutcome.RESOLVED),
            id="wrap-up-without-the-voicemail",
        ),
        pytest.param(
            _wrapped(CallbackOutcome.VOICEMAIL_LEFT, **{"call.voicemail_left": True}),
            "OB-VOICEMAIL",
            None,
            f"{_LAST} (no_answer); a voicemail was left",
            [],
            _vm(NO_ANSWER, left=True, outcome=CallbackOutcome.VOICEMAIL_LEFT),
            id="wrap-up-closed-as-voicemail",
        ),
        pytest.param(
            change(base(), **{"callback.attempts": _tries(NO_ANSWER)}),
            "OB-ATTEMPTS",
            None,
            "this is attempt 2 of 2 without contact allowed for care",
            [],
            {"attempts": 1, "limit": 2, "contact_made": False},
            id="attempts-one-left",
        ),
        pytest.param(
            change(base(), **{"callback.attempts": _tries(NO_ANSWER, AttemptResult.CONTACT)}),
            "OB-ATTEMPTS",
            None,
            "the customer was reached on an earlier attempt (2 made)",
            [],
            {"attempts": 2, "limit": 2, "contact_made": True},
            id="attempts-contact-made",
        ),
        pytest.param(
            change(base(), **{"callback.attempts": _tries(NO_ANSWER, NO_ANSWER)}),
            "OB-ATTEMPTS",
            Blocker.FINAL,
            "2 of 2 attempts allowed for care made without contact",
            [],
            {"attempts": 2, "limit": 2, "contact_made": False},
            id="attempts-used-up",
        ),
    ],
)
def test_what_the_attempt_rules_tell_the_agent(
    ctx: PolicyContext,
    rule_id: str,
    blocker: Blocker | None,
    sentence: str,
    steps: list[RequiredStep],
    facts: dict[str, object],
) -> None:
    says(ctx, rule_id, blocker, sentence, steps, facts)
