"""evaluate(): run every rule that concerns the step and assemble the Decision."""

from __future__ import annotations

from functools import lru_cache

from caredesk.policy.case import Case
from caredesk.policy.config import PolicyConfig
from caredesk.policy.context import PolicyContext
from caredesk.policy.decision import (
    Blocker,
    Decision,
    EffectiveZone,
    RequiredStep,
    RuleResult,
    ZoneSource,
)
from caredesk.policy.rules import RULES
from caredesk.policy.rules.registry import Evaluator
from caredesk.policy.vocabulary import CallerRole, LineOfBusiness, Step
from caredesk.policy.window import consent_active

DEFAULT_CONFIG = PolicyConfig()
_FINAL = Blocker.FINAL
_CONSENT = ZoneSource.CONSENT
_ORDER = {rule.rule_id: index for index, rule in enumerate(RULES)}
_new_tuple = tuple.__new__

# Which rules concern each (step, team, role), and which do not, worked out once: the rules to
# ask (ID and evaluator, in catalogue order), the IDs not asked, and whether a time rule is asked.
_Plan = tuple[tuple[tuple[str, Evaluator], ...], tuple[str, ...], bool]
_PLANS: dict[tuple[Step, LineOfBusiness, CallerRole], _Plan] = {
    (step, lob, role): (
        tuple((rule.rule_id, rule.evaluate) for rule in RULES if rule.concerns(step, lob, role)),
        tuple(rule.rule_id for rule in RULES if not rule.concerns(step, lob, role)),
        any(rule.time_rule for rule in RULES if step in rule.steps),
    )
    for step in Step
    for lob in LineOfBusiness
    for role in CallerRole
}


@lru_cache(maxsize=4096)
def _not_applicable(not_asked: tuple[str, ...], skipped: tuple[str, ...]) -> tuple[str, ...]:
    """The rules not asked and the rules that answered None, in catalogue order."""
    return tuple(sorted(not_asked + skipped, key=_ORDER.__getitem__))


def _zones(case: Case) -> tuple[EffectiveZone, ...]:
    found = case.place.effective
    consents = case.callback.consents and case.consents
    if not consents:
        return found
    now = case.now
    from_consent = [
        _new_tuple(EffectiveZone, (consent.zone, _CONSENT))
        for consent in consents
        if consent.zone and consent_active(consent, now)
    ]
    return tuple(dict.fromkeys(found + tuple(from_consent)))


def evaluate(ctx: PolicyContext, config: PolicyConfig = DEFAULT_CONFIG) -> Decision:
    """Every rule that concerns `ctx.step`, each with its verdict, gathered into a Decision."""
    case = Case(ctx, config)
    step = ctx.step
    rules, not_asked, time_gated = _PLANS[step, ctx.line_of_business, ctx.caller_role]
    failed: list[RuleResult] = []
    passed: list[RuleResult] = []
    skipped: list[str] | None = None
    steps_after: list[RequiredStep] | None = None
    for rule_id, rule_evaluate in rules:
        result = rule_evaluate(case)
        if result is None:
            if skipped is None:
                skipped = [rule_id]
            else:
                skipped.append(rule_id)
        elif result.passed:
            passed.append(result)
            if result.required_steps:
                if steps_after is None:
                    steps_after = list(result.required_steps)
                else:
                    steps_after += result.required_steps
        else:
            failed.append(result)
    # Steps of failed rules first, then those passed rules still ask for; each once.
    required_steps: tuple[RequiredStep, ...] = ()
    final = False
    if failed:
        failed_steps: list[RequiredStep] = []
        for result in failed:
            if result.required_steps:
                failed_steps += result.required_steps
            if result.blocker is _FINAL:
                final = True
        if steps_after is not None:
            failed_steps += steps_after
        if failed_steps:
            required_steps = tuple(dict.fromkeys(failed_steps))
    elif steps_after is not None:
        required_steps = tuple(dict.fromkeys(steps_after))
    if final:
        next_allowed_at = None
    elif time_gated:
        next_allowed_at = case.next_dial_allowed
    else:
        next_allowed_at = case.now
    # Decision(...) without the keyword-argument round trip of the generated __new__.
    return _new_tuple(
        Decision,
        (
            not failed,
            step,
            ctx.now,
            tuple(failed),
            tuple(passed),
            _not_applicable(not_asked, tuple(skipped)) if skipped else not_asked,
            next_allowed_at,
            required_steps,
            _zones(case),
        ),
    )
