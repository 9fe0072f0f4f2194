"""Service Assurance (BTS and ATS) exceptions: tickets, email first, ownership, documentation."""

from __future__ import annotations

from datetime import datetime

from caredesk.callbacks.policy.case import Case, format_instant, hhmm
from caredesk.callbacks.policy.context import SchedulingEmail, Shift
from caredesk.callbacks.policy.decision import (
    Blocker,
    FactValue,
    Rendered,
    RequiredStep,
    RuleResult,
    StepKind,
)
from caredesk.callbacks.policy.ownership import sa_owner_keeps
from caredesk.callbacks.policy.rules.documentation import memo_problems, ticket_update_problems
from caredesk.callbacks.policy.rules.registry import (
    CREATION_AND_PRE_CALL,
    PRE_CALL,
    failed,
    passed,
    rule,
)
from caredesk.callbacks.policy.vocabulary import (
    PREPARATION_ITEMS,
    SA_ORIGINS,
    SCHEDULING_ITEMS,
    SERVICE_ASSURANCE,
    CallbackOrigin,
    EmailItem,
    Step,
)

SECTION = "Service Assurance (BTS & ATS) exceptions"
ACTION = Blocker.ACTION
FINAL = Blocker.FINAL
_SEND_EMAIL = RequiredStep(StepKind.SEND_SCHEDULING_EMAIL)
_PREPARE = RequiredStep(StepKind.PREPARE_CUSTOMER)
_OFFER = RequiredStep(StepKind.OFFER_SUPPORT_NUMBER)
_POOL = RequiredStep(StepKind.ROUTE_VIA_ASSIGNMENT_POOL)
_KEEP = RequiredStep(StepKind.KEEP_WITH_OWNER)
_SENT = {"email_sent": True}
_NOT_SENT = {"email_sent": False}


def _email(case: Case) -> SchedulingEmail | None:
    """The scheduling email, if it was sent by now."""
    email = case.ctx.callback.scheduling_email
    if email is None or email.sent_at > case.now:
        return None
    return email


def _email_driven(case: Case) -> bool:
    return case.ctx.callback.origin is CallbackOrigin.SA_EMAIL_REQUEST


def _missing_items(email: SchedulingEmail, items: tuple[EmailItem, ...]) -> list[str]:
    return [item.value.replace("_", " ") for item in items if item not in email.includes]


@rule(
    "OB-SA-ORIGIN",
    title="Service Assurance callbacks may start from tickets or email, without an earlier call",
    section=SECTION,
    steps=CREATION_AND_PRE_CALL,
)
def sa_origin(case: Case) -> RuleResult | None:
    rule_id = "OB-SA-ORIGIN"
    origin = case.ctx.callback.origin
    sa_origin = origin in SA_ORIGINS
    if not sa_origin and not case.is_service_assurance:
        return None
    lob = case.ctx.line_of_business

    def explain() -> Rendered:
        facts: dict[str, FactValue] = {"origin": origin, "line_of_business": lob}
        if not sa_origin:
            return f"{lob} callback from {origin}", facts
        if case.is_service_assurance:
            return f"{lob} callback from {origin}; an earlier call is not needed", facts
        return f"origin {origin} is for Service Assurance only, not {lob}", facts

    if sa_origin and not case.is_service_assurance:
        return failed(rule_id, explain, FINAL)
    return passed(rule_id, explain)


@rule(
    "OB-SA-EMAIL-FIRST",
    title="Email-driven requests: email the customer to schedule before calling",
    section=SECTION,
    steps=PRE_CALL,
)
def sa_email_first(case: Case) -> RuleResult | None:
    rule_id = "OB-SA-EMAIL-FIRST"
    if not _email_driven(case):
        return None
    email = _email(case)
    if email is None:
        sentence = "the request came by email and the scheduling email is not recorded as sent"
        return failed(rule_id, lambda: (sentence, {"email_sent": False}), ACTION, (_SEND_EMAIL,))
    facts: dict[str, FactValue] = {"email_sent": True, "sent_at": email.sent_at.isoformat()}
    missing = _missing_items(email, SCHEDULING_ITEMS)
    if missing:
        sentence = f"the scheduling email does not state: {', '.join(missing)}"
        step = RequiredStep(StepKind.SEND_SCHEDULING_EMAIL, f"stating {', '.join(missing)}")
        return failed(rule_id, lambda: (sentence, facts), ACTION, (step,))
    sentence = f"scheduling email sent {format_instant(email.sent_at)} with purpose, windows, steps"
    return passed(rule_id, lambda: (sentence, facts))


@rule(
    "OB-SA-PREPARE",
    title="Tell the customer troubleshooting may need authentication; have the PIN ready",
    section=SECTION,
    steps=PRE_CALL,
    lobs=SERVICE_ASSURANCE,
)
def sa_prepare(case: Case) -> RuleResult | None:
    rule_id = "OB-SA-PREPARE"
    if not case.is_service_assurance:
        return None
    email = _email(case)
    if email is None:
        if _email_driven(case):
            sentence = "the preparation notes go in the scheduling email, which is not sent yet"
            return failed(rule_id, lambda: (sentence, _NOT_SENT), ACTION, (_SEND_EMAIL,))
        sentence = "no scheduling email; prepare the customer at the start of the call"
        return passed(rule_id, lambda: (sentence, _NOT_SENT), (_PREPARE,))
    missing = _missing_items(email, PREPARATION_ITEMS)
    if missing:
        sentence = f"the scheduling email does not tell the customer: {', '.join(missing)}"
        step = RequiredStep(StepKind.SEND_SCHEDULING_EMAIL, f"stating {', '.join(missing)}")
        return failed(rule_id, lambda: (sentence, _SENT), ACTION, (step,))
    sentence = "the scheduling email prepares the customer for authentication and the PIN"
    return passed(rule_id, lambda: (sentence, _SENT))


@rule(
    "OB-SA-ALTERNATIVE",
    title="Offer the 800 support number as an alternative to the scheduled call",
    section=SECTION,
    steps=PRE_CALL | {Step.WRAP_UP},
    lobs=SERVICE_ASSURANCE,
)
def sa_alternative(case: Case) -> RuleResult | None:
    rule_id = "OB-SA-ALTERNATIVE"
    if not case.is_service_assurance:
        return None
    call = case.ctx.call
    if case.ctx.step is Step.WRAP_UP:
        if not call.answered:
            return None
        facts: dict[str, FactValue] = {"offered_on_call": call.support_number_offered}
        if call.support_number_offered:
            sentence = "the 800 support number was offered on the call"
            return passed(rule_id, lambda: (sentence, facts))
        sentence = "the 800 support number was not offered on the call"
        return failed(rule_id, lambda: (sentence, facts), ACTION, (_OFFER,))
    email = _email(case)
    if email is None:
        if _email_driven(case):
            sentence = "the support number goes in the scheduling email, which is not sent yet"
            return failed(rule_id, lambda: (sentence, _NOT_SENT), ACTION, (_SEND_EMAIL,))
        sentence = "no scheduling email; offer the 800 support number on the call"
        return passed(rule_id, lambda: (sentence, _NOT_SENT), (_OFFER,))
    if EmailItem.SUPPORT_NUMBER not in email.includes:
        sentence = "the scheduling email does not offer the 800 support number"
        step = RequiredStep(StepKind.SEND_SCHEDULING_EMAIL, "stating the support number")
        return failed(rule_id, lambda: (sentence, _SENT), ACTION, (step,))
    sentence = "the scheduling email offers the 800 support number; offer it on the call too"
    return passed(rule_id, lambda: (sentence, _SENT), (_OFFER,))


def _clock(instant: datetime, reference: Shift | None) -> str:
    zone = reference.start.tzinfo if reference else None
    local = instant.astimezone(zone) if zone else instant
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d} {hhmm(local)} {local.tzname()}"


@rule(
    "OB-SA-OWNERSHIP",
    title="Due inside the specialist's shift: they keep it; outside: the tracked assignment pool",
    section=SECTION,
    steps=PRE_CALL | {Step.HANDOFF},
    lobs=SERVICE_ASSURANCE,
)
def sa_ownership(case: Case) -> RuleResult | None:
    rule_id = "OB-SA-OWNERSHIP"
    if not case.is_service_assurance:
        return None
    ctx = case.ctx
    callback = ctx.callback
    agent = ctx.agent
    shift = agent.shift
    due = callback.due_at or ctx.now
    is_owner = callback.owner_agent_id in (None, agent.agent_id)
    keeps = sa_owner_keeps(due, shift)
    tracked = callback.assignment_tracked
    handoff = ctx.step is Step.HANDOFF

    def explain() -> Rendered:
        shift_text = (
            f"{_clock(shift.start, shift)} to {_clock(shift.end, shift)}" if shift else "none"
        )
        facts: dict[str, FactValue] = {
            "due_at": due.isoformat(),
            "shift": shift_text,
            "owner": callback.owner_agent_id,
            "keeps": keeps,
            "assignment_tracked": tracked,
        }
        where = "inside" if keeps else "outside"
        head = f"due {_clock(due, shift)} is {where} the owner's shift ({shift_text})"
        if handoff:
            if is_owner and keeps:
                return f"{head}: the owner completes it, no separate follow-up request", facts
            return f"{head}: hand it to the tracked assignment pool", facts
        if not is_owner:
            if tracked:
                return f"assigned to {agent.agent_id} through the tracked pool", facts
            return f"it belongs to {callback.owner_agent_id}; reassign it via the pool", facts
        if keeps:
            return f"{head}: it stays with {agent.agent_id}", facts
        if tracked:
            return f"{head}: it went through the tracked assignment pool", facts
        return f"{head}: it goes through the tracked assignment process", facts

    if handoff:
        if is_owner and keeps:
            return failed(rule_id, explain, FINAL, (_KEEP,))
        return passed(rule_id, explain, (_POOL,))
    if tracked or (is_owner and keeps):
        return passed(rule_id, explain)
    return failed(rule_id, explain, ACTION, (_POOL,))


@rule(
    "OB-SA-DOCS",
    title="Document every Service Assurance call thoroughly (memo and ticket update)",
    section=SECTION,
    steps={Step.WRAP_UP},
    lobs=SERVICE_ASSURANCE,
)
def sa_docs(case: Case) -> RuleResult | None:
    rule_id = "OB-SA-DOCS"
    if not case.is_service_assurance:
        return None
    callback = case.ctx.callback
    sentences, steps = memo_problems(case)
    ticket_sentences, ticket_steps = ticket_update_problems(case)
    sentences += ticket_sentences
    steps += ticket_steps
    if callback.origin is CallbackOrigin.SA_TICKET and not callback.ticket_numbers:
        sentences.append("a ticket-driven callback carries no ticket number")
    facts: dict[str, FactValue] = {
        "tickets": ", ".join(callback.ticket_numbers) or None,
        "problems": len(sentences),
    }
    if sentences:
        sentence = "handoff documentation incomplete: " + "; ".join(sentences)
        return failed(rule_id, lambda: (sentence, facts), ACTION, tuple(steps))
    sentence = "memo and ticket documentation complete for handoff"
    return passed(rule_id, lambda: (sentence, facts))
