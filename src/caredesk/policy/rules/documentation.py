"""After the call: the account memo and the ticket update."""

from __future__ import annotations

from caredesk.policy.case import Case
from caredesk.policy.context import TicketUpdate
from caredesk.policy.decision import (
    Blocker,
    FactValue,
    Rendered,
    RequiredStep,
    RuleResult,
    StepKind,
    constant,
    verdict,
)
from caredesk.policy.rules.registry import rule
from caredesk.policy.vocabulary import Step

SECTION = "After the call: documentation"
_ACTION = Blocker.ACTION
_WRAP_UP = Step.WRAP_UP


def memo_problems(case: Case) -> tuple[list[str], list[RequiredStep]]:
    """What is wrong with the wrap-up memo, as sentences and the steps that fix it."""
    sentences, steps = case.memo_findings
    return list(sentences), list(steps)


def ticket_update_problems(case: Case) -> tuple[list[str], list[RequiredStep]]:
    tickets = case.callback.ticket_numbers
    if not tickets:
        return [], []
    wrap_up = case.ctx.wrap_up
    update: TicketUpdate | None = wrap_up.ticket_update if wrap_up else None
    shown = ", ".join(tickets)
    step = RequiredStep(StepKind.UPDATE_TICKET, shown)
    if update is None:
        return [f"ticket {shown} is not updated"], [step]
    problems: list[str] = []
    updated = {number.strip().upper() for number in update.ticket_numbers}
    missing = [number for number in tickets if number.strip().upper() not in updated]
    if missing:
        problems.append(f"ticket {', '.join(missing)} is not updated")
    if not update.includes_memo_details:
        problems.append("the ticket update does not carry the memo's details")
    minimum = case.config.memo_min_chars
    progress = (update.findings, update.actions_taken, update.new_information)
    if not any(len(text.strip()) >= minimum for text in progress):
        problems.append("the ticket update records no findings, actions taken or new information")
    return problems, ([step] if problems else [])


@rule(
    "OB-MEMO",
    title="Every outbound call gets a complete account memo, free of SSNs, PINs and card numbers",
    section=SECTION,
    steps={_WRAP_UP},
    parameters=lambda config: {
        "required": ["reason", "ticket_numbers (when ticket-linked)", "summary", "response"],
        "min_field_chars": config.memo_min_chars,
        "trivial_values": sorted(config.memo_trivial_values),
        "refused_values": ["SSN", "PIN/passcode", "card number (Luhn)"],
    },
)
def memo(case: Case) -> RuleResult | None:
    sentences, steps = case.memo_findings
    if sentences:
        return verdict("OB-MEMO", False, _explain_memo, case, _ACTION, steps)
    return verdict("OB-MEMO", True, _explain_memo, case)


def _explain_memo(case: Case) -> Rendered:
    check = case.memo_check
    sentences, _steps = case.memo_findings
    facts: dict[str, FactValue] = {
        "problems": len(check.problems) if check else 1,
        "sensitive_values": len(check.pii) if check else 0,
    }
    if sentences:
        return "; ".join(sentences), facts
    tickets = case.callback.ticket_numbers
    with_tickets = f" and ticket {', '.join(tickets)}" if tickets else ""
    return f"the memo has the reason, summary and customer response{with_tickets}", facts


@rule(
    "OB-TICKET-UPDATE",
    title="A ticket-linked callback updates the ticket with the memo plus progress",
    section=SECTION,
    steps={_WRAP_UP},
)
def ticket_update(case: Case) -> RuleResult | None:
    rule_id = "OB-TICKET-UPDATE"
    tickets = case.callback.ticket_numbers
    if not tickets:
        return None
    problems, steps = ticket_update_problems(case)
    shown = ", ".join(tickets)
    facts: dict[str, FactValue] = {"tickets": shown}
    if problems:
        return verdict(
            rule_id, False, constant, ("; ".join(problems), facts), _ACTION, tuple(steps)
        )
    sentence = f"ticket {shown} updated with the memo details and progress"
    return verdict(rule_id, True, constant, (sentence, facts))
