"""Scope and eligibility: who may be called back, and why."""

from __future__ import annotations

from collections.abc import Mapping

from caredesk.policy.case import Case
from caredesk.policy.config import PolicyConfig
from caredesk.policy.decision import (
    Blocker,
    FactValue,
    Rendered,
    RuleResult,
    verdict,
)
from caredesk.policy.rules.registry import (
    CREATION_AND_PRE_CALL,
    PRE_CALL,
    per_lob,
    rule,
)
from caredesk.policy.vocabulary import (
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
_LEADER = CallerRole.LEADER
_CUSTOMER_DISCONNECTED = CallEnd.CUSTOMER_DISCONNECTED
_TIME_RESTRICTION = CallEnd.TIME_RESTRICTION


def _explain_scope_customer(case: Case) -> Rendered:
    dial = case.dial
    account = case.ctx.customer.account_id
    if dial is None:
        return "no number to dial was given", {"account_id": account}
    number = dial.number
    point = case.contact_point(number)
    flag = dial.is_contact_point
    on_account = flag if flag is not None else point is not None
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


@rule(
    "OB-SCOPE-CUSTOMER",
    title="Call only the carrier's own customers, never a third party",
    section=SECTION,
    steps=PRE_CALL,
)
def scope_customer(case: Case) -> RuleResult | None:
    rule_id = "OB-SCOPE-CUSTOMER"
    dial = case.dial
    if dial is None:
        return verdict(rule_id, False, _explain_scope_customer, case, FINAL)
    on_account = dial.is_contact_point
    if on_account is None:
        number = dial.number
        on_account = False
        for point in case.ctx.customer.contact_points:
            if point.number == number:
                on_account = True
                break
    if not on_account:
        return verdict(rule_id, False, _explain_scope_customer, case, FINAL)
    return verdict(rule_id, True, _explain_scope_customer, case)


def _explain_scope_bulk(case: Case) -> Rendered:
    callback = case.callback
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


@rule(
    "OB-SCOPE-BULK",
    title="Bulk outbound initiatives (campaigns) are out of scope",
    section=SECTION,
    steps=CREATION_AND_PRE_CALL,
)
def scope_bulk(case: Case) -> RuleResult | None:
    callback = case.callback
    if callback.campaign or (callback.batch_size > 1 and callback.reason is None):
        return verdict("OB-SCOPE-BULK", False, _explain_scope_bulk, case, FINAL)
    return verdict("OB-SCOPE-BULK", True, _explain_scope_bulk, case)


def _reason_parameters(config: PolicyConfig) -> Mapping[str, object]:
    return {
        "reasons": per_lob(lambda lob: sorted(r.value for r in config.for_lob(lob).reasons)),
    }


def _explain_reason(case: Case) -> Rendered:
    code = case.callback.reason
    lob = case.lob
    facts: dict[str, FactValue] = {"reason": code, "line_of_business": lob}
    if code is None:
        return "the callback has no reason code", facts
    if code not in case.lob_policy.reasons:
        return f"reason {code} is not on the {lob} list of callback reasons", facts
    return f"reason {code} is on the {lob} list", facts


@rule(
    "OB-REASON",
    title="Every callback carries a reason code that drives resolution",
    section=SECTION,
    steps=CREATION_AND_PRE_CALL,
    parameters=_reason_parameters,
)
def reason(case: Case) -> RuleResult | None:
    code = case.callback.reason
    if code is None or code not in case.lob_policy.reasons:
        return verdict("OB-REASON", False, _explain_reason, case, FINAL)
    return verdict("OB-REASON", True, _explain_reason, case)


def _explain_no_call_after(case: Case, ending: CallEnd, wording: str) -> Rendered:
    code = case.callback.reason
    last = case.ctx.history.last_call_end
    refused = last is ending and code not in CUSTOMER_ASKED
    facts: dict[str, FactValue] = {"last_call_end": last, "reason": code}
    if last is not ending:
        told = f"ended as {last}" if last else "is not on record"
        return f"the customer's last call {told}", facts
    if not refused:
        return f"the customer {wording}, then asked for this callback ({code})", facts
    return f"the customer {wording}", facts


def _explain_no_call_disconnect(case: Case) -> Rendered:
    return _explain_no_call_after(
        case, _CUSTOMER_DISCONNECTED, "ended the last call by disconnecting"
    )


def _explain_no_call_time(case: Case) -> Rendered:
    return _explain_no_call_after(
        case, _TIME_RESTRICTION, "could not finish the last call for time or other priorities"
    )


@rule(
    "OB-NO-CALL-DISCONNECT",
    title="No callback when the customer clearly ended the call by disconnecting",
    section=SECTION,
    steps=CREATION_AND_PRE_CALL,
)
def no_call_disconnect(case: Case) -> RuleResult | None:
    rule_id = "OB-NO-CALL-DISCONNECT"
    last = case.ctx.history.last_call_end
    if last is _CUSTOMER_DISCONNECTED and case.callback.reason not in CUSTOMER_ASKED:
        return verdict(rule_id, False, _explain_no_call_disconnect, case, FINAL)
    return verdict(rule_id, True, _explain_no_call_disconnect, case)


@rule(
    "OB-NO-CALL-TIME",
    title="No callback when the customer could not finish for time or other priorities",
    section=SECTION,
    steps=CREATION_AND_PRE_CALL,
)
def no_call_time(case: Case) -> RuleResult | None:
    rule_id = "OB-NO-CALL-TIME"
    last = case.ctx.history.last_call_end
    if last is _TIME_RESTRICTION and case.callback.reason not in CUSTOMER_ASKED:
        return verdict(rule_id, False, _explain_no_call_time, case, FINAL)
    return verdict(rule_id, True, _explain_no_call_time, case)


def _directed(reference: str | None) -> bool:
    return bool(reference and reference.strip())


def _explain_directed_by_policy(case: Case, code: CallbackReason) -> Rendered:
    callback = case.callback
    reference = callback.policy_reference
    facts: dict[str, FactValue] = {"reason": callback.reason, "policy_reference": reference}
    if callback.reason is not code:
        return f"reason {callback.reason or 'none'} is not {code}", facts
    if _directed(reference):
        return f"{code} callback directed by policy {reference}", facts
    return f"{code} callbacks need a named policy reference and this one has none", facts


def _explain_no_activation(case: Case) -> Rendered:
    return _explain_directed_by_policy(case, _ACTIVATION)


def _explain_no_sales(case: Case) -> Rendered:
    return _explain_directed_by_policy(case, _SALES)


@rule(
    "OB-NO-ACTIVATION",
    title="No callbacks to complete activations unless a policy directs it",
    section=SECTION,
    steps=CREATION_AND_PRE_CALL,
)
def no_activation(case: Case) -> RuleResult | None:
    callback = case.callback
    if callback.reason is _ACTIVATION and not _directed(callback.policy_reference):
        return verdict("OB-NO-ACTIVATION", False, _explain_no_activation, case, FINAL)
    return verdict("OB-NO-ACTIVATION", True, _explain_no_activation, case)


@rule(
    "OB-NO-SALES",
    title="No sales follow-ups unless a policy directs it",
    section=SECTION,
    steps=CREATION_AND_PRE_CALL,
)
def no_sales(case: Case) -> RuleResult | None:
    callback = case.callback
    if callback.reason is _SALES and not _directed(callback.policy_reference):
        return verdict("OB-NO-SALES", False, _explain_no_sales, case, FINAL)
    return verdict("OB-NO-SALES", True, _explain_no_sales, case)


def _explain_spoke_first(case: Case) -> Rendered:
    ctx = case.ctx
    origin = case.callback.origin
    spoken = ctx.history.customer_spoken_to
    facts: dict[str, FactValue] = {
        "customer_spoken_to": spoken,
        "line_of_business": ctx.line_of_business,
        "origin": origin,
    }
    if spoken:
        return "care has spoken with the customer before", facts
    if case.is_service_assurance:
        return f"{ctx.line_of_business} is exempt (OB-SA-ORIGIN)", facts
    if origin in case.config.spoke_first_exempt_origins:
        return f"the customer asked for this callback ({origin})", facts
    account = ctx.customer.account_id
    return f"nobody in care ever spoke with the customer on account {account}", facts


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
    if (
        case.ctx.history.customer_spoken_to
        or case.is_service_assurance
        or case.callback.origin in case.config.spoke_first_exempt_origins
    ):
        return verdict("OB-SPOKE-FIRST", True, _explain_spoke_first, case)
    return verdict("OB-SPOKE-FIRST", False, _explain_spoke_first, case, FINAL)


def _explain_leader_ticket(case: Case) -> Rendered:
    ctx = case.ctx
    callback = case.callback
    spoke = ctx.history.agent_spoke_to_customer
    tickets = ", ".join(callback.ticket_numbers) or "the ticket"
    facts: dict[str, FactValue] = {
        "caller_role": ctx.caller_role,
        "tickets": tickets,
        "agent_spoke": spoke,
    }
    if spoke:
        return f"the agent on {tickets} spoke with the customer", facts
    return f"leader follow-up on {tickets}, but the agent never spoke with the customer", facts


@rule(
    "OB-LEADER-TICKET",
    title="Leaders: no ticket follow-up call if the agent never spoke with the customer",
    section=SECTION,
    steps=CREATION_AND_PRE_CALL,
    roles={_LEADER},
)
def leader_ticket(case: Case) -> RuleResult | None:
    ctx = case.ctx
    if ctx.caller_role is not _LEADER:
        return None
    callback = case.callback
    if not (callback.origin is _LEADER_TICKET or callback.ticket_numbers):
        return None
    if ctx.history.agent_spoke_to_customer:
        return verdict("OB-LEADER-TICKET", True, _explain_leader_ticket, case)
    return verdict("OB-LEADER-TICKET", False, _explain_leader_ticket, case, FINAL)
