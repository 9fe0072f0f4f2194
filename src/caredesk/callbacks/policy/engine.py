"""evaluate(): run every rule that concerns the step and assemble the Decision."""

from __future__ import annotations

from functools import lru_cache

from caredesk.callbacks.policy.case import Case
from caredesk.callbacks.policy.config import PolicyConfig
from caredesk.callbacks.policy.context import PolicyContext
from caredesk.callbacks.policy.decision import (
    Blocker,
    Decision,
    EffectiveZone,
    RequiredStep,
    RuleResult,
    ZoneSource,
)
from caredesk.callbacks.policy.rules import RULES, Rule
from caredesk.callbacks.policy.vocabulary import CallerRole, LineOfBusiness, Step
from caredesk.callbacks.policy.window import consent_active
from caredesk.callbacks.policy.zones import ZoneResolution

DEFAULT_CONFIG = PolicyConfig()
_FINAL = Blocker.FINAL
_ORDER = {rule.rule_id: index for index, rule in enumerate(RULES)}

# Which rules concern each (step, team, role), and which do not, worked out once.
_Plan = tuple[tuple[Rule, ...], tuple[str, ...], bool]
_PLANS: dict[tuple[Step, LineOfBusiness, CallerRole], _Plan] = {
    (step, lob, role): (
        tuple(rule for rule in RULES if rule.concerns(step, lob, role)),
        tuple(rule.rule_id for rule in RULES if not rule.concerns(step, lob, role)),
        any(rule.time_rule for rule in RULES if step in rule.steps),
    )
    for step in Step
    for lob in LineOfBusiness
    for role in CallerRole
}


@lru_cache(maxsize=4096)
def _resolved_zones(resolution: ZoneResolution) -> tuple[EffectiveZone, ...]:
    if resolution.source is None:
        return ()
    return tuple(EffectiveZone(zone, resolution.source) for zone in resolution.zones)


def _zones(case: Case) -> tuple[EffectiveZone, ...]:
    found = _resolved_zones(case.zones)
    consents = case.ctx.callback.consents and case.time_rules.consents
    if not consents:
        return found
    from_consent = tuple(
        EffectiveZone(consent.zone, ZoneSource.CONSENT)
        for consent in consents
        if consent.zone and consent_active(consent, case.now)
    )
    return tuple(dict.fromkeys(found + from_consent))


def evaluate(ctx: PolicyContext, config: PolicyConfig = DEFAULT_CONFIG) -> Decision:
    """Every rule that concerns `ctx.step`, each with its verdict, gathered into a Decision."""
    case = Case(ctx, config)
    rules, not_asked, time_gated = _PLANS[ctx.step, ctx.line_of_business, ctx.caller_role]
    failed: list[RuleResult] = []
    passed: list[RuleResult] = []
    skipped: list[str] = []
    passed_steps: list[RequiredStep] = []
    failed_steps: list[RequiredStep] = []
    final = False
    for rule in rules:
        result = rule.evaluate(case)
        if result is None:
            skipped.append(rule.rule_id)
        elif result.passed:
            passed.append(result)
            if result.required_steps:
                passed_steps.extend(result.required_steps)
        else:
            failed.append(result)
            if result.required_steps:
                failed_steps.extend(result.required_steps)
            if result.blocker is _FINAL:
                final = True
    if final:
        next_allowed_at = None
    elif time_gated:
        next_allowed_at = case.next_allowed
    else:
        next_allowed_at = case.now
    return Decision(
        allowed=not failed,
        step=ctx.step,
        evaluated_at=ctx.now,
        failed=tuple(failed),
        passed=tuple(passed),
        not_applicable=(
            tuple(sorted(not_asked + tuple(skipped), key=_ORDER.__getitem__))
            if skipped
            else not_asked
        ),
        next_allowed_at=next_allowed_at,
        required_steps=tuple(dict.fromkeys(failed_steps + passed_steps)),
        zones=_zones(case),
    )
