"""Attempts: how many dials without contact, and the voicemail after the last one."""

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
from caredesk.callbacks.policy.rules.registry import PRE_CALL, failed, passed, per_lob, rule
from caredesk.callbacks.policy.vocabulary import (
    UNANSWERED,
    CallbackOutcome,
    LineOfBusiness,
    Step,
)

SECTION = "Attempts"
_GLOBAL_CARE = LineOfBusiness.GLOBAL_CARE
_NOT_GLOBAL = frozenset(LineOfBusiness) - {_GLOBAL_CARE}
_WRAP_UP = Step.WRAP_UP
_VOICEMAIL_LEFT = CallbackOutcome.VOICEMAIL_LEFT
_LEAVE_VOICEMAIL = RequiredStep(StepKind.LEAVE_VOICEMAIL)
_CLOSE_AS_VOICEMAIL = RequiredStep(StepKind.CLOSE_AS_VOICEMAIL_LEFT)
_VOICEMAIL_STEPS = (_LEAVE_VOICEMAIL, RequiredStep(StepKind.WRITE_MEMO), _CLOSE_AS_VOICEMAIL)


def _attempt_limit(case: Case, rule_id: str) -> RuleResult:
    made = len(case.attempts)
    limit = case.lob_policy.max_attempts_without_contact
    contact = case.contact_made

    def explain() -> Rendered:
        lob = case.ctx.line_of_business
        facts: dict[str, FactValue] = {"attempts": made, "limit": limit, "contact_made": contact}
        if contact:
            return f"the customer was reached on an earlier attempt ({made} made)", facts
        if made < limit:
            return f"this is attempt {made + 1} of {limit} without contact allowed for {lob}", facts
        return f"{made} of {limit} attempts allowed for {lob} made without contact", facts

    if contact or made < limit:
        return passed(rule_id, explain)
    return failed(rule_id, explain, Blocker.FINAL)


@rule(
    "OB-ATTEMPTS",
    title="At most two attempts without speaking to the customer",
    section=SECTION,
    steps=PRE_CALL,
    lobs=_NOT_GLOBAL,
    parameters=lambda config: {
        "max_attempts_without_contact": per_lob(
            lambda lob: config.for_lob(lob).max_attempts_without_contact
        )
    },
)
def attempts(case: Case) -> RuleResult | None:
    if case.ctx.line_of_business is _GLOBAL_CARE:
        return None  # OB-ATTEMPTS-GLOBAL speaks for Global Care
    return _attempt_limit(case, "OB-ATTEMPTS")


@rule(
    "OB-ATTEMPTS-GLOBAL",
    title="Global Care attempts only once",
    section=SECTION,
    steps=PRE_CALL,
    lobs={_GLOBAL_CARE},
    parameters=lambda config: {
        "max_attempts_without_contact": config.for_lob(
            LineOfBusiness.GLOBAL_CARE
        ).max_attempts_without_contact
    },
)
def attempts_global(case: Case) -> RuleResult | None:
    if case.ctx.line_of_business is not _GLOBAL_CARE:
        return None
    return _attempt_limit(case, "OB-ATTEMPTS-GLOBAL")


@rule(
    "OB-VOICEMAIL",
    title="When the last allowed attempt is not answered, leave a voicemail and memo the account",
    section=SECTION,
    steps=PRE_CALL | {Step.WRAP_UP},
)
def voicemail(case: Case) -> RuleResult | None:
    rule_id = "OB-VOICEMAIL"
    if not case.attempts or case.contact_made:
        return None
    made = len(case.attempts)
    limit = case.lob_policy.max_attempts_without_contact
    last = case.attempts[-1].result
    left = case.ctx.call.voicemail_left
    wrap_up = case.ctx.wrap_up
    outcome = wrap_up.outcome if wrap_up else None
    triggered = made >= limit and last in UNANSWERED
    at_wrap_up = case.ctx.step is _WRAP_UP
    missing: tuple[RequiredStep, ...] = ()
    if triggered and at_wrap_up:
        # The memo itself is OB-MEMO's to check at wrap-up.
        missing = ((_LEAVE_VOICEMAIL,) if not left else ()) + (
            (_CLOSE_AS_VOICEMAIL,) if outcome is not _VOICEMAIL_LEFT else ()
        )
    elif triggered and not left:
        missing = _VOICEMAIL_STEPS

    def explain() -> Rendered:
        facts: dict[str, FactValue] = {
            "attempts": made,
            "limit": limit,
            "last_result": last,
            "voicemail_left": left,
            "outcome": outcome,
        }
        if last not in UNANSWERED:
            return f"the last attempt ended {last}, not unanswered", facts
        if not triggered:
            return f"attempt {made} of {limit} ended {last}; another attempt is allowed", facts
        head = f"the last allowed attempt ({made} of {limit}) was not answered ({last})"
        if not missing:
            return f"{head}; a voicemail was left", facts
        wanted = {
            StepKind.LEAVE_VOICEMAIL: "leave a voicemail",
            StepKind.WRITE_MEMO: "memo the account",
            StepKind.CLOSE_AS_VOICEMAIL_LEFT: "close the callback as voicemail left",
        }
        return f"{head}; {', '.join(wanted[step.kind] for step in missing)}", facts

    if missing:
        return failed(rule_id, explain, Blocker.ACTION, missing)
    return passed(rule_id, explain)
