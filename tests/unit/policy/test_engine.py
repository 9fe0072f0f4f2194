"""evaluate(): what a Decision promises about rules, steps and next_allowed_at."""

from __future__ import annotations

from datetime import timedelta

from caredesk.policy import (
    RULES,
    AgentState,
    Blocker,
    CallEnd,
    Notification,
    RuleResult,
    Step,
    StepKind,
    evaluate,
)

from .cases import NOW, at, base, change


def test_every_rule_is_passed_failed_or_not_applicable_exactly_once() -> None:
    for step in Step:
        decision = evaluate(base(step))
        ids = [r.rule_id for r in decision.failed + decision.passed] + list(decision.not_applicable)
        assert sorted(ids) == sorted(rule.rule_id for rule in RULES), step


def test_only_time_rules_failing_means_allowed_at_next_allowed_at() -> None:
    evening = at(change(base(), **{"customer.zone": "America/Denver"}), NOW + timedelta(hours=9))
    fresh = (Notification("Dropped Call", evening.now - timedelta(minutes=3)),)
    evening = change(evening, **{"callback.notifications": fresh})
    decision = evaluate(evening)
    assert decision.failed_rule_ids == ("OB-WINDOW",)
    assert decision.failed[0].blocker is Blocker.TIME
    assert decision.next_allowed_at is not None
    # By the morning the evening's notice is too old to announce the call: it goes again.
    morning = at(evening, decision.next_allowed_at)
    renewed = (Notification("Dropped Call", decision.next_allowed_at),)
    assert evaluate(change(morning, **{"callback.notifications": renewed})).allowed


def test_a_final_refusal_means_no_time_will_do() -> None:
    ctx = change(base(), **{"history.last_call_end": CallEnd.CUSTOMER_DISCONNECTED})
    assert evaluate(ctx).next_allowed_at is None


def test_steps_to_take_leave_next_allowed_at_on_the_time_rules() -> None:
    ctx = change(base(), **{"agent.state": AgentState.READY, "callback.notifications": ()})
    decision = evaluate(ctx)
    assert decision.next_allowed_at == NOW
    assert [step.kind for step in decision.required_steps] == [
        StepKind.SEND_TEMPLATE,
        StepKind.SWITCH_TO_FOLLOW_UP_STATE,
    ]


def test_steps_without_time_rules_report_now() -> None:
    decision = evaluate(at(base(Step.PROOF), NOW + timedelta(hours=9)))
    assert decision.allowed and decision.next_allowed_at == NOW + timedelta(hours=9)


def test_evaluation_is_deterministic_and_explains_everything() -> None:
    ctx = change(base(), **{"callback.notifications": ()})
    first, second = evaluate(ctx), evaluate(ctx)
    assert first == second
    assert len(first.explain()) == len(first.failed) + len(first.passed)
    assert all(line.startswith(("blocked by OB-", "allowed by OB-")) for line in first.explain())


def test_not_applicable_follows_catalogue_order() -> None:
    order = [rule.rule_id for rule in RULES]
    listed = list(evaluate(base()).not_applicable)
    assert listed == sorted(listed, key=order.index)


def test_rule_results_are_equal_only_with_the_same_facts() -> None:
    def explain(facts: dict[str, object]) -> object:
        return lambda: ("the same sentence", facts)

    first = RuleResult("OB-DEVICE", True, explain({"line": "gw-1"}))  # type: ignore[arg-type]
    same = RuleResult("OB-DEVICE", True, explain({"line": "gw-1"}))  # type: ignore[arg-type]
    other = RuleResult("OB-DEVICE", True, explain({"line": "gw-2"}))  # type: ignore[arg-type]
    assert first == same and hash(first) == hash(same)
    assert first != other
    assert len({first, same, other}) == 2


def test_the_package_lists_what_it_exports() -> None:
    import caredesk.policy as policy

    listed = dir(policy)
    assert listed == sorted(listed)
    for name in ("evaluate", "RuleResult", "zones_for", "context_from_json", "Case"):
        assert name in listed or not hasattr(policy, name), name
    assert {"evaluate", "RuleResult", "zones_for", "context_from_json"} <= set(listed)
