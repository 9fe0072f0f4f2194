"""`POST /v1/policy/evaluate`: decide a case with the outbound-call rules (staff only: the
evaluation is work done for the people who place calls, and costs CPU)."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends

from caredesk.callbacks.policy_file import PolicyFileError, load_policy
from caredesk.errors import DomainError, ValidationFailed
from caredesk.policy import (
    ContextError,
    PolicyConfig,
    context_from_json,
    decision_to_json,
    evaluate,
)
from caredesk.web.deps import Staff

router = APIRouter(tags=["policy"])


class PolicyUnavailable(DomainError):
    status = 503
    slug = "policy-unavailable"
    title = "Policy file unusable"


@lru_cache(maxsize=1)
def _loaded_policy() -> PolicyConfig:
    return load_policy()


def policy_config() -> PolicyConfig:
    """The policy in force: read once per process; override this dependency in tests."""
    try:
        return _loaded_policy()
    except PolicyFileError as error:
        raise PolicyUnavailable(str(error), field=error.key) from None


_EXAMPLE = {
    "now": "2026-03-11T02:14:00Z",
    "step": "dial",
    "line_of_business": "care",
    "agent": {"agent_id": "agent-117", "state": "not_ready_follow_up"},
    "customer": {"account_id": "ACC-40021", "contact_points": ["+13035550123"]},
    "callback": {
        "callback_id": "CB-9001",
        "reason": "dropped_call",
        "origin": "dropped_call",
        "notifications": [{"template": "Dropped Call", "sent_at": "2026-03-11T02:10:00Z"}],
    },
    "dial": {"number": "+13035550123", "originating_line": "gateway-line-12"},
}


@router.post(
    "/v1/policy/evaluate",
    summary="Decide one outbound-call step and explain every rule",
    response_description="The decision: allowed, failed and passed rules with their facts, "
    "the next allowed instant, required steps and the zones used.",
)
def evaluate_case(
    principal: Staff,
    case: Annotated[dict[str, Any], Body(examples=[_EXAMPLE])],
    config: Annotated[PolicyConfig, Depends(policy_config)],
) -> dict[str, Any]:
    try:
        context = context_from_json(case)
    except ContextError as error:
        raise ValidationFailed(f"{error.path}: {error.problem}", field=error.path) from None
    return decision_to_json(evaluate(context, config))
