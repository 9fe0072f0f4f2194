"""Scope and eligibility: who may be called back, and why."""

from __future__ import annotations

from collections.abc import Mapping

from caredesk.callbacks.policy.case import Case
from caredesk.callbacks.policy.config import PolicyConfig
from caredesk.callbacks.policy.decision import Blocker, FactValue, Rendered, RuleResult
from caredesk.callbacks.policy.rules.registry import (
    CREATION_AND_PRE_CALL,
    PRE_CALL,
    failed,
    passed,
    per_lob,
    rule,
)
from caredesk.callbacks.policy.vocabulary import (
    CallbackOrigin,
    CallbackReason,
    CallEnd,
    CallerRole,
)

SECTION = "Scope and eligibility"
FINAL = Blocker.FINAL
# The customer asked for these callbacks themselves, so how their last call ended does not
# bar them (the catalogue: "the customer may still ask for a scheduled callback").
CUSTOMER_ASKED = frozenset({CallbackReason.CUSTOMER_REQUESTED, CallbackReason.QUEUE_CALLBACK})
_ACTIVATION = CallbackReason.ACTIVATION
_SALES = CallbackReason.SALES
_LEADER_TICKET = CallbackOrigin.LEADER_TICKET_FOLLOW_UP


@rule(
    "OB-SCOPE-CUSTOMER",
    title="Call only the carrier's own customers, never a third party",
    section=SECTION,
    steps=PRE_CALL,
)
def scope_customer(case: Case) -> RuleResult | None:
    rule_id = "OB-SCOPE-CUSTOMER"
    dial = case.ctx.dial
    account = case.ctx.customer.account_id
    if dial is None:
        return failed(
            rule_id, lambda: ("no number to dial was given", {"account_id": account}), FINAL
        )
    number = dial.number
    point = case.contact_point(number)
    flag = dial.is_contact_point
    on_account = flag if flag is not None else point is not None

    def explain() -> Rendered:
        facts: dict[str, FactValue] = {
            "number": number,
            "account_id": account,
            "provenance": point.provenance if point else None,
            "decided_by": "caller" if flag is not None else "contact points",
        }
        if not on_account:
            return f"{number} is not a contact point on account {account}", facts
        how = f" ({point.provenance})" if point else ""
        return f"{number} is a contact point on account {account}{how}", facts

    if not on_account:
        return failed(rule_id, explain, FINAL)
    return passed(rule_id, explain)


@rule(
    "OB-SCOPE-BULK",
    title="Bulk outbound initiatives (campaigns) are out of scope",
    section=SECTION,
    steps=CREATION_AND_PRE_CALL,
)
def scope_bulk(case: Case) -> RuleResult | None:
    rule_id = "OB-SCOPE-BULK"
    callback = case.ctx.callback

    def explain() -> Rendered:
        facts: dict[str, FactValue] = {
            "campaign": callback.campaign,
            "batch_size": callback.batch_size,
            "reason": callback.reason,
        }
        if callback.campaign:
            return f"callback {callback.callback_id} is in campaign {callback.campaign!r}", facts
        if callback.batch_size > 1 and callback.reason is None:
            return (
                f"callback {callback.callback_id} was created in a batch of "
                f"{callback.batch_size} without a per-customer reason"
            ), facts
        if callback.batch_size > 1:
            return f"one of a batch of {callback.batch_size}, with its own reason", facts
        return "a single callback, not part of a campaign", facts

    if callback.campaign or (callback.batch_size > 1 and callback.reason is None):
        return failed(rule_id, explain, FINAL)
    return passed(rule_id, explain)


def _reason_parameters(config: PolicyConfig) -> Mapping[str, object]:
    return {
        "reasons": per_lob(lambda lob: sorted(r.value for r in config.for_lob(lob).reasons)),
    }


@rule(
    "OB-REASON",
    title="Every callback carries a reason code that drives resolution",
    section=SECTION,
    steps=CREATION_AND_PRE_CALL,
    parameters=_reason_parameters,
)
def reason(case: Case) -> RuleResult | None:
    rule_id = "OB-REASON"
    code = case.ctx.callback.reason
    lob = case.ctx.line_of_business

    def explain() -> Rendered:
        facts: dict[str, FactValue] = {"reason": code, "line_of_business": lob}
        if code is None:
            return "the callback has no reason code", facts
        if code not in case.lob_policy.reasons:
            return f"reason {code} is not on the {lob} list of callback reasons", facts
        return f"reason {code} is on the {lob} list", facts

    if code is None or code not in case.lob_policy.reasons:
        return failed(rule_id, explain, FINAL)
    return passed(rule_id, explain)


def _no_call_after(case: Case, rule_id: str, ending: CallEnd, wording: str) -> RuleResult | None:
    code = case.ctx.callback.reason
    last = case.ctx.history.last_call_end
    refused = last is ending and code not in CUSTOMER_ASKED

    def explain() -> Rendered:
        facts: dict[str, FactValue] = {"last_call_end": last, "reason": code}
        if last is not ending:
            told = f"ended as {last}" if last else "is not on record"
            return f"the customer's last call {told}", facts
        if not refused:
            return f"the customer {wording}, then asked for this callback ({code})", facts
        return f"the customer {wording}", facts

    if refused:
        return failed(rule_id, explain, FINAL)
    return passed(rule_id, explain)


@rule(
    "OB-NO-CALL-DISCONNECT",
    title="No callback when the customer clearly ended the call by disconnecting",
    section=SECTION,
    steps=CREATION_AND_PRE_CALL,
)
def no_call_disconnect(case: Case) -> RuleResult | None:
    return _no_call_after(
        case,
        "OB-NO-CALL-DISCONNECT",
        CallEnd.CUSTOMER_DISCONNECTED,
        "ended the last call by disconnecting",
    )


@rule(
    "OB-NO-CALL-TIME",
    title="No callback when the customer could not finish for time or other priorities",
    section=SECTION,
    steps=CREATION_AND_PRE_CALL,
)
def no_call_time(case: Case) -> RuleResult | None:
    return _no_call_after(
        case,
        "OB-NO-CALL-TIME",
        CallEnd.TIME_RESTRICTION,
        "could not finish the last call for time or other priorities",
    )


def _directed_by_policy(case: Case, rule_id: str, code: CallbackReason) -> RuleResult:
    callback = case.ctx.callback
    reference = callback.policy_reference
    directed = bool(reference and reference.strip())

    def explain() -> Rendered:
        facts: dict[str, FactValue] = {"reason": callback.reason, "policy_reference": reference}
        if callback.reason is not code:
            return f"reason {callback.reason or 'none'} is not {code}", facts
        if directed:
            return f"{code} callback directed by policy {reference}", facts
        return f"{code} callbacks need a named policy reference and this one has none", facts

    if callback.reason is code and not directed:
        return failed(rule_id, explain, FINAL)
    return passed(rule_id, explain)


@rule(
    "OB-NO-ACTIVATION",
    title="No callbacks to complete activations unless a policy directs it",
    section=SECTION,
    steps=CREATION_AND_PRE_CALL,
)
def no_activation(case: Case) -> RuleResult | None:
    return _directed_by_policy(case, "OB-NO-ACTIVATION", _ACTIVATION)


@rule(
    "OB-NO-SALES",
    title="No sales follow-ups unless a policy directs it",
    section=SECTION,
    steps=CREATION_AND_PRE_CALL,
)
def no_sales(case: Case) -> RuleResult | None:
    return _directed_by_policy(case, "OB-NO-SALES", _SALES)


@rule(
    "OB-SPOKE-FIRST",
    title="Do not call back a customer nobody spoke with (Service Assurance excepted)",
    section=SECTION,
    steps=CREATION_AND_PRE_CALL,
    parameters=lambda config: {
        "exempt_origins": sorted(o.value for o in config.spoke_first_exempt_origins)
    },
)
def spoke_first(case: Case) -> RuleResult | None:
    rule_id = "OB-SPOKE-FIRST"
    ctx = case.ctx
    origin = ctx.callback.origin
    spoken = ctx.history.customer_spoken_to
    exempt_origin = origin in case.config.spoke_first_exempt_origins

    def explain() -> Rendered:
        facts: dict[str, FactValue] = {
            "customer_spoken_to": spoken,
            "line_of_business": ctx.line_of_business,
            "origin": origin,
        }
        if spoken:
            return "care has spoken with the customer before", facts
        if case.is_service_assurance:
            return f"{ctx.line_of_business} is exempt (OB-SA-ORIGIN)", facts
        if exempt_origin:
            return f"the customer asked for this callback ({origin})", facts
        account = ctx.customer.account_id
        return f"nobody in care ever spoke with the customer on account {account}", facts

    if spoken or case.is_service_assurance or exempt_origin:
        return passed(rule_id, explain)
    return failed(rule_id, explain, FINAL)


@rule(
    "OB-LEADER-TICKET",
    title="Leaders: no ticket follow-up call if the agent never spoke with the customer",
    section=SECTION,
    steps=CREATION_AND_PRE_CALL,
    roles={CallerRole.LEADER},
)
def leader_ticket(case: Case) -> RuleResult | None:
    rule_id = "OB-LEADER-TICKET"
    ctx = case.ctx
    callback = ctx.callback
    is_ticket = callback.origin is _LEADER_TICKET or bool(callback.ticket_numbers)
    if ctx.caller_role is not CallerRole.LEADER or not is_ticket:
        return None
    spoke = ctx.history.agent_spoke_to_customer

    def explain() -> Rendered:
        tickets = ", ".join(callback.ticket_numbers) or "the ticket"
        facts: dict[str, FactValue] = {
            "caller_role": ctx.caller_role,
            "tickets": tickets,
            "agent_spoke": spoke,
        }
        if spoke:
            return f"the agent on {tickets} spoke with the customer", facts
        return f"leader follow-up on {tickets}, but the agent never spoke with the customer", facts

    if spoke:
        return passed(rule_id, explain)
    return failed(rule_id, explain, FINAL)
