"""Case builders for the policy tests: one baseline that every rule allows, then small changes."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from caredesk.policy import (
    DEFAULT_CONFIG,
    Agent,
    AgentState,
    Blocker,
    Callback,
    CallbackOrigin,
    CallbackReason,
    CallEnd,
    CallerRole,
    CallProgress,
    ContactPoint,
    Customer,
    Decision,
    DialTarget,
    History,
    LineOfBusiness,
    Notification,
    PolicyConfig,
    PolicyContext,
    RequiredStep,
    RuleResult,
    Shift,
    Step,
    evaluate,
)

# Tuesday 10 March 2026, 12:00 in Denver (MDT since 8 March).
NOW = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
NUMBER = "+13035550123"  # Denver
ALTERNATE = "+13035550188"


def base(
    step: Step = Step.DIAL,
    lob: LineOfBusiness = LineOfBusiness.CARE,
    role: CallerRole = CallerRole.AGENT,
) -> PolicyContext:
    """A dropped-call callback every rule allows at NOW."""
    return PolicyContext(
        now=NOW,
        step=step,
        line_of_business=lob,
        caller_role=role,
        agent=Agent(
            "agent-1",
            AgentState.NOT_READY_FOLLOW_UP,
            shift=Shift(NOW - timedelta(hours=4), NOW + timedelta(hours=4)),
        ),
        customer=Customer("ACC-1", zone=None, contact_points=(ContactPoint(NUMBER),)),
        callback=Callback(
            "CB-1",
            CallbackReason.DROPPED_CALL,
            CallbackOrigin.DROPPED_CALL,
            owner_agent_id="agent-1",
            notifications=(Notification("Dropped Call", NOW - timedelta(minutes=3)),),
        ),
        history=History(last_call_end=CallEnd.DROPPED),
        dial=DialTarget(NUMBER, originating_line="gw-7"),
        call=CallProgress(answered=True, disclosure_read=True, name_verified=True),
    )


def change(ctx: PolicyContext, **changes: Any) -> PolicyContext:
    """dataclasses.replace with dotted paths: change(ctx, **{"callback.reason": None})."""
    changed: PolicyContext = _change(ctx, changes)
    return changed


def _change(value: Any, changes: dict[str, Any]) -> Any:
    nested: dict[str, dict[str, Any]] = {}
    direct: dict[str, Any] = {}
    for path, new in changes.items():
        head, _, rest = path.partition(".")
        if rest:
            nested.setdefault(head, {})[rest] = new
        else:
            direct[head] = new
    for head, inner in nested.items():
        direct[head] = _change(direct.get(head, getattr(value, head)), inner)
    return dataclasses.replace(value, **direct)


def at(ctx: PolicyContext, instant: datetime) -> PolicyContext:
    return dataclasses.replace(ctx, now=instant)


def decide(ctx: PolicyContext, config: PolicyConfig = DEFAULT_CONFIG) -> Decision:
    return evaluate(ctx, config)


def refused(ctx: PolicyContext, rule_id: str, config: PolicyConfig = DEFAULT_CONFIG) -> RuleResult:
    decision = decide(ctx, config)
    result = decision.result_for(rule_id)
    assert result is not None, f"{rule_id} did not speak: {decision.not_applicable}"
    assert not result.passed, result.explanation
    assert not decision.allowed
    assert rule_id in decision.failed_rule_ids
    assert result.explanation.startswith(f"blocked by {rule_id}: ")
    return result


def allowed(ctx: PolicyContext, rule_id: str, config: PolicyConfig = DEFAULT_CONFIG) -> RuleResult:
    decision = decide(ctx, config)
    result = decision.result_for(rule_id)
    assert result is not None, f"{rule_id} did not speak: {decision.not_applicable}"
    assert result.passed, result.explanation
    assert result.explanation.startswith(f"allowed by {rule_id}: ")
    return result


def says(
    ctx: PolicyContext,
    rule_id: str,
    blocker: Blocker | None,
    sentence: str,
    steps: Sequence[RequiredStep] | None = None,
    facts: Mapping[str, object] | None = None,
    config: PolicyConfig = DEFAULT_CONFIG,
) -> RuleResult:
    """What the rule tells the agent: refused with `blocker` (allowed when None), the sentence,
    and, when given, the next steps and the facts."""
    result = (refused if blocker else allowed)(ctx, rule_id, config)
    assert (result.blocker, result.sentence) == (blocker, sentence)
    if steps is not None:
        assert list(result.required_steps) == list(steps)
    if facts is not None:
        assert dict(result.facts) == dict(facts)
    return result
