"""Service Assurance (BTS and ATS) exceptions: tickets, email first, ownership, documentation."""

from __future__ import annotations

from datetime import datetime

from caredesk.policy.case import Case
from caredesk.policy.context import SchedulingEmail, Shift
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
from caredesk.policy.ownership import sa_owner_keeps
from caredesk.policy.rules.documentation import memo_problems, ticket_update_problems
from caredesk.policy.rules.registry import (
    CREATION_AND_PRE_CALL,
    PRE_CALL,
    agent_words,
    rule,
)
from caredesk.policy.vocabulary import (
    PREPARATION_ITEMS,
    SA_ORIGINS,
    SCHEDULING_ITEMS,
    SERVICE_ASSURANCE,
    CallbackOrigin,
    EmailItem,
    Step,
)
from caredesk.policy.wording import format_instant, hhmm

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
_SA_EMAIL_REQUEST = CallbackOrigin.SA_EMAIL_REQUEST
_SA_TICKET = CallbackOrigin.SA_TICKET
_SUPPORT_NUMBER = EmailItem.SUPPORT_NUMBER
_WRAP_UP = Step.WRAP_UP
_HANDOFF = Step.HANDOFF


def _email(case: Case) -> SchedulingEmail | None:
    """The scheduling email, if it was sent by now."""
    email = case.callback.scheduling_email
    if email is None or email.sent_at > case.now:
        return None
    return email


def _email_driven(case: Case) -> bool:
    return case.callback.origin is _SA_EMAIL_REQUEST


def _missing_items(email: SchedulingEmail, items: tuple[EmailItem, ...]) -> list[str]:
    return [item.value.replace("_", " ") for item in items if item not in email.includes]


def _explain_sa_origin(case: Case) -> Rendered:
    origin = case.callback.origin
    lob = case.lob
    facts: dict[str, FactValue] = {"origin": origin, "line_of_business": lob}
    if origin not in SA_ORIGINS:
        return f"{lob} callback from {origin}", facts
    if case.is_service_assurance:
        return f"{lob} callback from {origin}; an earlier call is not needed", facts
    return f"origin {origin} is for Service Assurance only, not {lob}", facts


@rule(
    "OB-SA-ORIGIN",
    title="Service Assurance callbacks may start from tickets or email, without an earlier call",
    section=SECTION,
    steps=CREATION_AND_PRE_CALL,
)
def sa_origin(case: Case) -> RuleResult | None:
    if case.callback.origin in SA_ORIGINS:
        if case.is_service_assurance:
            return verdict("OB-SA-ORIGIN", True, _explain_sa_origin, case)
        return verdict("OB-SA-ORIGIN", False, _explain_sa_origin, case, FINAL)
    if case.is_service_assurance:
        return verdict("OB-SA-ORIGIN", True, _explain_sa_origin, case)
    return None


@rule(
    "OB-SA-EMAIL-FIRST",
    title="Email-driven requests: email the customer to schedule before calling",
    section=SECTION,
    steps=PRE_CALL,
)
def sa_email_first(case: Case) -> RuleResult | None:
    rule_id = "OB-SA-EMAIL-FIRST"
    if case.callback.origin is not _SA_EMAIL_REQUEST:
        return None
    email = _email(case)
    if email is None:
        sentence = "the request came by email and the scheduling email is not recorded as sent"
        return verdict(
            rule_id, False, constant, (sentence, {"email_sent": False}), ACTION, (_SEND_EMAIL,)
        )
    facts: dict[str, FactValue] = {"email_sent": True, "sent_at": email.sent_at.isoformat()}
    missing = _missing_items(email, SCHEDULING_ITEMS)
    if missing:
        sentence = f"the scheduling email does not state: {', '.join(missing)}"
        step = RequiredStep(StepKind.SEND_SCHEDULING_EMAIL, f"stating {', '.join(missing)}")
        return verdict(rule_id, False, constant, (sentence, facts), ACTION, (step,))
    sent_at = email.sent_at

    def explain() -> Rendered:
        sentence = f"scheduling email sent {format_instant(sent_at)} with purpose, windows, steps"
        return sentence, facts

    return RuleResult(rule_id, True, explain)


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
            return verdict(rule_id, False, constant, _PREPARE_NOT_SENT, ACTION, (_SEND_EMAIL,))
        return verdict(rule_id, True, constant, _PREPARE_ON_CALL, None, (_PREPARE,))
    missing = _missing_items(email, PREPARATION_ITEMS)
    if missing:
        sentence = f"the scheduling email does not tell the customer: {', '.join(missing)}"
        step = RequiredStep(StepKind.SEND_SCHEDULING_EMAIL, f"stating {', '.join(missing)}")
        return verdict(rule_id, False, constant, (sentence, _SENT), ACTION, (step,))
    return verdict(rule_id, True, constant, _PREPARED_BY_EMAIL)


_PREPARE_NOT_SENT: Rendered = (
    "the preparation notes go in the scheduling email, which is not sent yet",
    _NOT_SENT,
)
_PREPARE_ON_CALL: Rendered = (
    "no scheduling email; prepare the customer at the start of the call",
    _NOT_SENT,
)
_PREPARED_BY_EMAIL: Rendered = (
    "the scheduling email prepares the customer for authentication and the PIN",
    _SENT,
)


@rule(
    "OB-SA-ALTERNATIVE",
    title="Offer the 800 support number as an alternative to the scheduled call",
    section=SECTION,
    steps=PRE_CALL | {_WRAP_UP},
    lobs=SERVICE_ASSURANCE,
)
def sa_alternative(case: Case) -> RuleResult | None:
    rule_id = "OB-SA-ALTERNATIVE"
    if not case.is_service_assurance:
        return None
    call = case.call
    if case.step is _WRAP_UP:
        if not call.answered:
            return None
        facts: dict[str, FactValue] = {"offered_on_call": call.support_number_offered}
        if call.support_number_offered:
            sentence = "the 800 support number was offered on the call"
            return verdict(rule_id, True, constant, (sentence, facts))
        sentence = "the 800 support number was not offered on the call"
        return verdict(rule_id, False, constant, (sentence, facts), ACTION, (_OFFER,))
    email = _email(case)
    if email is None:
        if _email_driven(case):
            return verdict(rule_id, False, constant, _OFFER_NOT_SENT, ACTION, (_SEND_EMAIL,))
        return verdict(rule_id, True, constant, _OFFER_ON_CALL, None, (_OFFER,))
    if _SUPPORT_NUMBER not in email.includes:
        sentence = "the scheduling email does not offer the 800 support number"
        step = RequiredStep(StepKind.SEND_SCHEDULING_EMAIL, "stating the support number")
        return verdict(rule_id, False, constant, (sentence, _SENT), ACTION, (step,))
    return verdict(rule_id, True, constant, _OFFERED_BY_EMAIL, None, (_OFFER,))


_OFFER_NOT_SENT: Rendered = (
    "the support number goes in the scheduling email, which is not sent yet",
    _NOT_SENT,
)
_OFFER_ON_CALL: Rendered = (
    "no scheduling email; offer the 800 support number on the call",
    _NOT_SENT,
)
_OFFERED_BY_EMAIL: Rendered = (
    "the scheduling email offers the 800 support number; offer it on the call too",
    _SENT,
)


def _clock(instant: datetime, reference: Shift | None) -> str:
    zone = reference.start.tzinfo if reference else None
    local = instant.astimezone(zone) if zone else instant
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d} {hhmm(local)} {local.tzname()}"


def _ownership(case: Case) -> tuple[datetime, Shift | None, bool, bool]:
    """When the callback is due, the owner's shift, whether this agent owns it, and whether it
    stays with the owner (due inside the shift)."""
    callback = case.callback
    agent = case.agent
    shift = agent.shift
    due = callback.due_at or case.ctx.now
    is_owner = callback.owner_agent_id in (None, agent.agent_id)
    return due, shift, is_owner, sa_owner_keeps(due, shift)


def _explain_sa_ownership(case: Case) -> Rendered:
    callback = case.callback
    agent = case.agent
    due, shift, is_owner, keeps = _ownership(case)
    tracked = callback.assignment_tracked
    shift_text = f"{_clock(shift.start, shift)} to {_clock(shift.end, shift)}" if shift else None
    facts: dict[str, FactValue] = {
        "due_at": due.isoformat(),
        "shift": shift_text,
        "owner": callback.owner_agent_id,
        "keeps": keeps,
        "assignment_tracked": tracked,
    }
    where = "inside" if keeps else "outside"
    if shift_text:
        head = f"due {_clock(due, shift)} is {where} the owner's shift ({shift_text})"
    else:
        head = f"due {_clock(due, shift)}, when the owner has no shift"
    if case.step is _HANDOFF:
        if is_owner and keeps:
            return f"{head}: the owner completes it, no separate follow-up request", facts
        return f"{head}: hand it to the tracked assignment pool", facts
    if not is_owner:
        if tracked:
            return f"assigned to {agent_words(agent.agent_id)} through the tracked pool", facts
        owner = agent_words(callback.owner_agent_id, "another specialist")
        return f"it belongs to {owner}; reassign it via the pool", facts
    if keeps:
        return f"{head}: it stays with {agent_words(agent.agent_id, 'its specialist')}", facts
    if tracked:
        return f"{head}: it went through the tracked assignment pool", facts
    return f"{head}: it goes through the tracked assignment process", facts


@rule(
    "OB-SA-OWNERSHIP",
    title="Due inside the specialist's shift: they keep it; outside: the tracked assignment pool",
    section=SECTION,
    steps=PRE_CALL | {_HANDOFF},
    lobs=SERVICE_ASSURANCE,
)
def sa_ownership(case: Case) -> RuleResult | None:
    rule_id = "OB-SA-OWNERSHIP"
    if not case.is_service_assurance:
        return None
    _due, _shift, is_owner, keeps = _ownership(case)
    if case.step is _HANDOFF:
        if is_owner and keeps:
            return verdict(rule_id, False, _explain_sa_ownership, case, FINAL, (_KEEP,))
        return verdict(rule_id, True, _explain_sa_ownership, case, None, (_POOL,))
    if case.callback.assignment_tracked or (is_owner and keeps):
        return verdict(rule_id, True, _explain_sa_ownership, case)
    return verdict(rule_id, False, _explain_sa_ownership, case, ACTION, (_POOL,))


@rule(
    "OB-SA-DOCS",
    title="Document every Service Assurance call thoroughly (memo and ticket update)",
    section=SECTION,
    steps={_WRAP_UP},
    lobs=SERVICE_ASSURANCE,
)
def sa_docs(case: Case) -> RuleResult | None:
    rule_id = "OB-SA-DOCS"
    if not case.is_service_assurance:
        return None
    callback = case.callback
    sentences, steps = memo_problems(case)
    ticket_sentences, ticket_steps = ticket_update_problems(case)
    sentences += ticket_sentences
    steps += ticket_steps
    if callback.origin is _SA_TICKET and not callback.ticket_numbers:
        sentences.append("a ticket-driven callback carries no ticket number")
    facts: dict[str, FactValue] = {
        "tickets": ", ".join(callback.ticket_numbers) or None,
        "problems": len(sentences),
    }
    if sentences:
        sentence = "handoff documentation incomplete: " + "; ".join(sentences)
        return verdict(rule_id, False, constant, (sentence, facts), ACTION, tuple(steps))
    sentence = "memo and ticket documentation complete for handoff"
    return verdict(rule_id, True, constant, (sentence, facts))
