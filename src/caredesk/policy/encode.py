"""Decisions and contexts as JSON-ready dictionaries (the reverse of codec.py)."""

from __future__ import annotations

import dataclasses
from datetime import datetime, time
from enum import Enum
from typing import TYPE_CHECKING, Any

from caredesk.policy.decision import Decision, RequiredStep, RuleResult

# The context's classes are named here, not needed: recording a decision (a callback's
# timeline) does not load them.
if TYPE_CHECKING:
    from caredesk.policy.context import PolicyContext


def _plain(value: object) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat(timespec="minutes" if not value.second else "seconds")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: _plain(getattr(value, field.name)) for field in dataclasses.fields(value)
        }
    if isinstance(value, frozenset):
        return sorted(_plain(item) for item in value)
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    return value


def context_to_json(ctx: PolicyContext) -> dict[str, Any]:
    """The case document context_from_json reads back into an equal context."""
    document: dict[str, Any] = _plain(ctx)
    return document


def required_step_to_json(step: RequiredStep) -> dict[str, str]:
    return {"kind": step.kind.value, "label": step.label, "detail": step.detail}


def rule_result_to_json(result: RuleResult) -> dict[str, Any]:
    return {
        "rule_id": result.rule_id,
        "passed": result.passed,
        "sentence": result.sentence,
        "explanation": result.explanation,
        "blocker": result.blocker.value if result.blocker else None,
        "facts": dict(result.facts),
        "required_steps": [required_step_to_json(step) for step in result.required_steps],
    }


def decision_to_json(decision: Decision) -> dict[str, Any]:
    return {
        "allowed": decision.allowed,
        "step": decision.step.value,
        "evaluated_at": decision.evaluated_at.isoformat(),
        "next_allowed_at": (
            decision.next_allowed_at.isoformat() if decision.next_allowed_at else None
        ),
        "failed": [rule_result_to_json(result) for result in decision.failed],
        "passed": [rule_result_to_json(result) for result in decision.passed],
        "not_applicable": list(decision.not_applicable),
        "required_steps": [required_step_to_json(step) for step in decision.required_steps],
        "zones": [{"zone": zone.zone, "source": zone.source.value} for zone in decision.zones],
        "explanation": list(decision.explain()),
    }
