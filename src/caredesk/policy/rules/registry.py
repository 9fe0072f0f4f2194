"""The rule registry: every rule is a small evaluator registered under its catalogue ID."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from caredesk.policy.case import Case
from caredesk.policy.config import PolicyConfig
from caredesk.policy.decision import RuleResult
from caredesk.policy.vocabulary import CallerRole, LineOfBusiness, Step

Evaluator = Callable[[Case], RuleResult | None]
"""Returns the rule's verdict, or None when the rule does not concern this case."""
Parameters = Callable[[PolicyConfig], Mapping[str, object]]

ALL_LOBS = frozenset(LineOfBusiness)
ALL_ROLES = frozenset(CallerRole)


def _no_parameters(config: PolicyConfig) -> Mapping[str, object]:
    return {}


@dataclass(frozen=True, slots=True)
class Rule:
    rule_id: str
    title: str
    section: str
    steps: frozenset[Step]
    evaluate: Evaluator
    parameters: Parameters = _no_parameters
    time_rule: bool = False
    """Its verdict depends on the instant alone; it drives Decision.next_allowed_at."""
    lobs: frozenset[LineOfBusiness] = ALL_LOBS
    """The teams it concerns; for the others it is not applicable without being asked."""
    roles: frozenset[CallerRole] = ALL_ROLES

    def concerns(self, step: Step, lob: LineOfBusiness, role: CallerRole) -> bool:
        return step in self.steps and lob in self.lobs and role in self.roles


_REGISTRY: dict[str, Rule] = {}


def rule(
    rule_id: str,
    *,
    title: str,
    section: str,
    steps: Iterable[Step],
    parameters: Parameters = _no_parameters,
    time_rule: bool = False,
    lobs: Iterable[LineOfBusiness] = ALL_LOBS,
    roles: Iterable[CallerRole] = ALL_ROLES,
) -> Callable[[Evaluator], Evaluator]:
    def register(evaluate: Evaluator) -> Evaluator:
        if rule_id in _REGISTRY:
            raise ValueError(f"rule {rule_id} is registered twice")
        _REGISTRY[rule_id] = Rule(
            rule_id,
            title,
            section,
            frozenset(steps),
            evaluate,
            parameters,
            time_rule,
            frozenset(lobs),
            frozenset(roles),
        )
        return evaluate

    return register


def registered() -> Mapping[str, Rule]:
    return dict(_REGISTRY)


def agent_words(agent_id: str | None, unnamed: str = "the agent who takes it") -> str:
    """ "agent 12", or what stands in when no agent is named (a plan made for whoever takes it)."""
    return f"agent {agent_id}" if agent_id else unnamed


def per_lob(read: Callable[[LineOfBusiness], object]) -> dict[str, object]:
    return {lob.value: read(lob) for lob in LineOfBusiness}


PRE_CALL = frozenset({Step.PLAN, Step.DIAL})
CREATION_AND_PRE_CALL = PRE_CALL | {Step.CREATE}
CONVERSATION = frozenset(
    {
        Step.VERIFY_NAME,
        Step.VERIFY_PIN,
        Step.VERIFY_SSN,
        Step.OTP,
        Step.PROOF,
        Step.PAYMENT,
        Step.TROUBLESHOOT,
        Step.CONSULT,
        Step.END_LINE_ONE,
        Step.RECONNECT,
    }
)
CONSULT_PATH = frozenset({Step.CONSULT, Step.END_LINE_ONE, Step.RECONNECT})
