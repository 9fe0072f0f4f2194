"""Why a callback cannot be dialled by this agent now, named by catalogue rule.

The dial gate (the policy at the dial step) names its rules itself. Before and around it the
dial is also refused for reasons the policy does not see: the callback is closed, on a call, in
wrap-up, not yet scheduled, offered to someone else, or the agent cannot take it. Each of those
answers names the catalogue rule it serves too, in the same shape as a policy refusal
(``rule_ids`` and a ``decision`` whose ``failed`` entries carry ``rule_id`` and ``sentence``), so
a client reads every refusal of a dial the same way.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from caredesk.agents.models import Agent as AgentRow
from caredesk.callbacks.models import CLOSED_STATUSES, Callback, CallbackStatus
from caredesk.callbacks.policy_view import caller_role_of
from caredesk.errors import Conflict, DomainError, InvalidTransition, ValidationFailed
from caredesk.policy import (
    SERVICE_ASSURANCE,
    Blocker,
    CallerRole,
    Decision,
    LineOfBusiness,
    Step,
    decision_to_json,
)
from caredesk.policy.decision import constant, verdict

S = CallbackStatus
ATTEMPT_RULES = {LineOfBusiness.GLOBAL_CARE: "OB-ATTEMPTS-GLOBAL"}


def attempts_rule(lob: str) -> str:
    """OB-ATTEMPTS, or the team's own attempt rule (Global Care tries once)."""
    return ATTEMPT_RULES.get(LineOfBusiness(lob), "OB-ATTEMPTS")


def refusal_extra(
    rules: list[tuple[str, str]], now: datetime, policy_decision: Decision | None = None
) -> dict[str, Any]:
    """The problem document's rule part: ``rule_ids`` and a ``decision`` listing each refusal
    first, then whatever the policy itself found at the dial step."""
    failed = tuple(
        verdict(rule_id, False, constant, (sentence, {}), Blocker.FINAL)
        for rule_id, sentence in rules
    )
    named = {rule_id for rule_id, _ in rules}
    if policy_decision is not None:
        failed += tuple(r for r in policy_decision.failed if r.rule_id not in named)
        passed = tuple(r for r in policy_decision.passed if r.rule_id not in named)
        decision = policy_decision._replace(allowed=False, failed=failed, passed=passed)
    else:
        decision = Decision(False, Step.DIAL, now, failed, (), (), None, (), ())
    return {"rule_ids": list(decision.failed_rule_ids), "decision": decision_to_json(decision)}


def named(
    error: type[DomainError],
    rules: list[tuple[str, str]],
    *,
    field: str,
    now: datetime,
    decision: Decision | None = None,
) -> DomainError:
    """An error of the given kind whose detail starts with the rules it names."""
    ids = ", ".join(rule_id for rule_id, _ in rules)
    detail = f"dial refused by {ids}: " + "; ".join(sentence for _, sentence in rules)
    return error(detail, field=field, extra=refusal_extra(rules, now, decision))


def _not_dialable(callback: Callback) -> list[tuple[str, str]]:
    """Why a callback in this status is not dialled, for the statuses the policy cannot see."""
    status = S(callback.status)
    ref = f"callback {callback.id}"
    attempts = attempts_rule(callback.line_of_business)
    if status is S.COMPLETED:
        return [
            (
                "OB-REASON",
                f"{ref} is completed: the customer was reached and nothing more "
                "is owed; a new call needs a new callback with its own reason",
            )
        ]
    if status is S.CANCELLED:
        return [("OB-REASON", f"{ref} was cancelled, so there is no reason left to call")]
    if status is S.REFUSED:
        why = f": {callback.refusal_detail}" if callback.refusal_detail else ""
        sentence = f"{ref} was refused when it was requested{why}"
        return [(rule_id, sentence) for rule_id in callback.refused_rules or ["OB-REASON"]]
    if status is S.CLOSED_UNREACHABLE:
        return [
            (attempts, f"{ref} is closed after its last allowed attempt went unanswered"),
            ("OB-VOICEMAIL", "the voicemail was left and the account noted; no more attempts"),
        ]
    if status in (S.DIALING, S.IN_CALL):
        return [(attempts, f"{ref} is on a call now; attempts are made one at a time")]
    if status is S.WRAP_UP and callback.contact_made:
        return [("OB-MEMO", f"{ref} is in wrap-up: the memo of the call comes before any dial")]
    if status is S.WRAP_UP:
        return [
            (attempts, f"the last allowed attempt of {ref} went unanswered; no more dials"),
            ("OB-VOICEMAIL", "leave a voicemail, write the memo and close the callback"),
        ]
    if status is S.AWAITING_SCHEDULE:
        return [("OB-SA-EMAIL-FIRST", f"{ref} waits for the customer to choose a time")]
    if status is S.NEEDS_ATTENTION:
        sentence = f"the notice for {ref} could not be sent; it needs attention before any dial"
        return [("OB-NOTIFY", sentence)]
    # Requested, awaiting the notice, and any waiting state added later: the notice comes first.
    words = status.value.replace("_", " ")
    return [("OB-NOTIFY", f"{ref} is not scheduled yet (it is {words}); the notice comes first")]


def not_dialable(callback: Callback, now: datetime, decision: Decision | None) -> DomainError:
    return named(
        InvalidTransition, _not_dialable(callback), field="callback_id", now=now, decision=decision
    )


def lob_rule(callback_lob: str, agent_lob: str) -> str:
    """The rule a team's own numbers serve: the Service Assurance exceptions, Global Care's
    single attempt and international permission, else each team's list of reasons."""
    lobs = {LineOfBusiness(callback_lob), LineOfBusiness(agent_lob)}
    if lobs & SERVICE_ASSURANCE:
        return "OB-SA-OWNERSHIP"
    if LineOfBusiness.GLOBAL_CARE in lobs:
        return "OB-ATTEMPTS-GLOBAL"
    return "OB-REASON"


def cannot_take(callback: Callback, agent: AgentRow, now: datetime) -> DomainError | None:
    """Why this agent cannot take this callback now, or None when they can (the statuses
    that are never dialled are answered by ``not_dialable``)."""
    ref = f"callback {callback.id}"
    attempts = attempts_rule(callback.line_of_business)
    if not agent.active:
        sentence = f"agent {agent.id} is deactivated, so has no Not Ready - Follow-Up state"
        return named(Conflict, [("OB-STATE", sentence)], field="agent_id", now=now)
    leader = caller_role_of(agent) is CallerRole.LEADER
    if agent.line_of_business != callback.line_of_business and not leader:
        sentence = (
            f"{ref} belongs to {callback.line_of_business} and agent {agent.id} works in "
            f"{agent.line_of_business}; each team dials its own callbacks by its own numbers"
        )
        rule_id = lob_rule(callback.line_of_business, agent.line_of_business)
        return named(ValidationFailed, [(rule_id, sentence)], field="agent_id", now=now)
    if callback.status == S.OFFERED.value and callback.offered_to_agent_id != agent.id:
        sentence = (
            f"{ref} is offered to agent {callback.offered_to_agent_id}, who makes the next "
            "attempt; attempts are made one at a time"
        )
        return named(Conflict, [(attempts, sentence)], field="agent_id", now=now)
    leased = callback.lease_expires_at is not None and callback.lease_expires_at > now
    if callback.status == S.SCHEDULED.value and leased:
        sentence = (
            f"a dispatcher is offering {ref} to an agent right now; attempts are made one at a time"
        )
        return named(Conflict, [(attempts, sentence)], field="callback_id", now=now)
    if callback.status == S.OFFERED.value and not leased:
        sentence = "the offer ran out; the callback goes back to the schedule for its next attempt"
        return named(Conflict, [(attempts, sentence)], field="agent_id", now=now)
    return None


ON_A_CALL = frozenset({S.DIALING.value, S.IN_CALL.value, S.WRAP_UP.value})


def closed_or_busy(callback: Callback) -> bool:
    """Closed, or on a call: never dialled, whoever asks."""
    return callback.status in CLOSED_STATUSES or callback.status in ON_A_CALL


def exhausted(callback: Callback) -> bool:
    """In wrap-up after the last allowed attempt went unanswered."""
    return callback.status == S.WRAP_UP.value and not callback.contact_made
