"""Attempts: how many dials without contact, how far apart, and the voicemail after the last
one."""

from __future__ import annotations

from collections.abc import Mapping

from caredesk.policy.case import Case
from caredesk.policy.config import PolicyConfig
from caredesk.policy.decision import (
    Blocker,
    FactValue,
    Rendered,
    RequiredStep,
    RuleResult,
    StepKind,
    verdict,
)
from caredesk.policy.rules.registry import PRE_CALL, per_lob, rule
from caredesk.policy.vocabulary import (
    UNANSWERED,
    CallbackOutcome,
    LineOfBusiness,
    Step,
)
from caredesk.policy.wording import format_instant

SECTION = "Attempts"
_GLOBAL_CARE = LineOfBusiness.GLOBAL_CARE
_NOT_GLOBAL = frozenset(LineOfBusiness) - {_GLOBAL_CARE}
_WRAP_UP = Step.WRAP_UP
_ACTION = Blocker.ACTION
_FINAL = Blocker.FINAL
_TIME = Blocker.TIME
_VOICEMAIL_LEFT = CallbackOutcome.VOICEMAIL_LEFT
_LEAVE_VOICEMAIL = RequiredStep(StepKind.LEAVE_VOICEMAIL)
_CLOSE_AS_VOICEMAIL = RequiredStep(StepKind.CLOSE_AS_VOICEMAIL_LEFT)
_VOICEMAIL_STEPS = (_LEAVE_VOICEMAIL, RequiredStep(StepKind.WRITE_MEMO), _CLOSE_AS_VOICEMAIL)


def _explain_attempt_limit(case: Case) -> Rendered:
    made = len(case.attempts)
    limit = case.lob_policy.max_attempts_without_contact
    contact = case.contact_made
    lob = case.lob
    facts: dict[str, FactValue] = {"attempts": made, "limit": limit, "contact_made": contact}
    if contact:
        return f"the customer was reached on an earlier attempt ({made} made)", facts
    if made < limit:
        return f"this is attempt {made + 1} of {limit} without contact allowed for {lob}", facts
    return f"{made} of {limit} attempts allowed for {lob} made without contact", facts


def _explain_gap(case: Case) -> Rendered:
    made = len(case.attempts)
    last = case.attempts[-1]
    spaced = case.next_attempt_at
    assert spaced is not None
    minutes = case.lob_policy.min_minutes_between_attempts
    zones = case.zones.zones
    zone = zones[0] if zones else None
    facts: dict[str, FactValue] = {
        "attempts": made,
        "limit": case.lob_policy.max_attempts_without_contact,
        "last_result": last.result,
        "last_ended_at": last.finished_at.isoformat(),
        "min_minutes_between_attempts": minutes,
        "next_allowed_at": spaced.isoformat(),
    }
    return (
        f"attempt {made} ended {format_instant(last.finished_at, zone)} ({last.result}); "
        f"attempts are at least {minutes} minutes apart, so the next may start "
        f"{format_instant(spaced, zone)}"
    ), facts


def _judge_attempts(case: Case, rule_id: str) -> RuleResult:
    """The limit of attempts without contact (FINAL), then the gap since the last one (TIME:
    the decision's next allowed instant moves past it)."""
    if len(case.attempts) >= case.lob_policy.max_attempts_without_contact and not (
        case.contact_made
    ):
        return verdict(rule_id, False, _explain_attempt_limit, case, _FINAL)
    spaced = case.next_attempt_at
    if spaced is not None and case.now < spaced:
        return verdict(rule_id, False, _explain_gap, case, _TIME)
    return verdict(rule_id, True, _explain_attempt_limit, case)


def _attempt_parameters(config: PolicyConfig) -> Mapping[str, object]:
    return {
        "max_attempts_without_contact": per_lob(
            lambda lob: config.for_lob(lob).max_attempts_without_contact
        ),
        "min_minutes_between_attempts": per_lob(
            lambda lob: config.for_lob(lob).min_minutes_between_attempts
        ),
    }


@rule(
    "OB-ATTEMPTS",
    title="At most two attempts without speaking to the customer",
    section=SECTION,
    steps=PRE_CALL,
    lobs=_NOT_GLOBAL,
    parameters=_attempt_parameters,
)
def attempts(case: Case) -> RuleResult | None:
    if case.lob is _GLOBAL_CARE:
        return None  # OB-ATTEMPTS-GLOBAL speaks for Global Care
    return _judge_attempts(case, "OB-ATTEMPTS")


@rule(
    "OB-ATTEMPTS-GLOBAL",
    title="Global Care attempts only once",
    section=SECTION,
    steps=PRE_CALL,
    lobs={_GLOBAL_CARE},
    parameters=lambda config: {
        "max_attempts_without_contact": config.for_lob(
            LineOfBusiness.GLOBAL_CARE
        ).max_attempts_without_contact,
        "min_minutes_between_attempts": config.for_lob(
            LineOfBusiness.GLOBAL_CARE
        ).min_minutes_between_attempts,
    },
)
def attempts_global(case: Case) -> RuleResult | None:
    if case.lob is not _GLOBAL_CARE:
        return None
    return _judge_attempts(case, "OB-ATTEMPTS-GLOBAL")


def _voicemail_missing(case: Case) -> tuple[RequiredStep, ...]:
    """What the last allowed, unanswered attempt still needs (attempts made, no contact)."""
    made = len(case.attempts)
    limit = case.lob_policy.max_attempts_without_contact
    if made < limit or case.attempts[-1].result not in UNANSWERED:
        return ()
    left = case.call.voicemail_left
    if case.step is _WRAP_UP:
        # The memo itself is OB-MEMO's to check at wrap-up.
        wrap_up = case.ctx.wrap_up
        outcome = wrap_up.outcome if wrap_up else None
        return ((_LEAVE_VOICEMAIL,) if not left else ()) + (
            (_CLOSE_AS_VOICEMAIL,) if outcome is not _VOICEMAIL_LEFT else ()
        )
    if not left:
        return _VOICEMAIL_STEPS
    return ()


_WANTED = {
    StepKind.LEAVE_VOICEMAIL: "leave a voicemail",
    StepKind.WRITE_MEMO: "memo the account",
    StepKind.CLOSE_AS_VOICEMAIL_LEFT: "close the callback as voicemail left",
}


def _explain_voicemail(case: Case) -> Rendered:
    made = len(case.attempts)
    limit = case.lob_policy.max_attempts_without_contact
    last = case.attempts[-1].result
    left = case.call.voicemail_left
    wrap_up = case.ctx.wrap_up
    outcome = wrap_up.outcome if wrap_up else None
    triggered = made >= limit and last in UNANSWERED
    missing = _voicemail_missing(case)
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
    return f"{head}; {', '.join(_WANTED[step.kind] for step in missing)}", facts


@rule(
    "OB-VOICEMAIL",
    title="When the last allowed attempt is not answered, leave a voicemail and memo the account",
    section=SECTION,
    steps=PRE_CALL | {_WRAP_UP},
)
def voicemail(case: Case) -> RuleResult | None:
    if not case.attempts or case.contact_made:
        return None
    missing = _voicemail_missing(case)
    if missing:
        return verdict("OB-VOICEMAIL", False, _explain_voicemail, case, _ACTION, missing)
    return verdict("OB-VOICEMAIL", True, _explain_voicemail, case)
