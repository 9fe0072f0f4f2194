"""What the call page shows (caredesk.web.pages.desk_calls and desk_memo render it): the guide
to the call (caredesk.callbacks.guide) with the customer, the case, the timeline, the proof
facts once the customer asked for them, and after the call the memo form with the wrap-up's
check of what is written so far (caredesk.callbacks.wrapup_check)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlalchemy import select

from caredesk.accounts.models import Account, Person
from caredesk.callbacks import steps
from caredesk.callbacks.guide import DIAL_RESULTS, Guide, Phase, call_guide
from caredesk.callbacks.models import CallbackEvent
from caredesk.callbacks.records import Event
from caredesk.callbacks.step_handlers import DISCLOSURE_SCRIPT
from caredesk.callbacks.wrapup_check import WrapUpDraft, check_wrap_up
from caredesk.db.paging import fetch_page
from caredesk.db.session import UnitOfWork
from caredesk.policy import AttemptResult, CallbackOutcome, Step
from caredesk.tickets.models import Ticket
from caredesk.web.deps import Principal
from caredesk.web.pages.desk import state_label
from caredesk.web.pages.desk_support import (
    RuleLine,
    desk_agent,
    local_now,
    next_allowed_text,
    reason_text,
    runtime_of,
    words,
)

EVENTS_PER_PAGE = 50
RESULT_LABELS = {
    AttemptResult.CONTACT: "Answered",
    AttemptResult.NO_ANSWER: "No answer",
    AttemptResult.BUSY: "Busy",
    AttemptResult.VOICEMAIL: "Voicemail picked up",
}
STEP_TITLES = {
    Step.VERIFY_NAME: "Verify the first and last name",
    Step.DISCLOSURE: "Read the recording disclosure",
    Step.PROOF: "Proof of the call, only if the customer asks",
    Step.TROUBLESHOOT: "Troubleshooting",
    Step.PAYMENT: "A payment the customer raises",
    Step.OTP: "One-time PIN",
    Step.VERIFY_PIN: "PIN/passcode check for an account change (Service Assurance)",
}
OUTCOME_LABELS = {
    CallbackOutcome.RESOLVED: "Resolved",
    CallbackOutcome.FOLLOW_UP_SCHEDULED: "Follow-up scheduled (another call is due)",
    CallbackOutcome.HANDED_OFF: "Handed off",
    CallbackOutcome.VOICEMAIL_LEFT: "Voicemail left",
    CallbackOutcome.NO_CONTACT: "No contact",
}


def default_outcome(guide: Guide) -> str:
    if guide.callback.contact_made:
        return CallbackOutcome.RESOLVED.value
    if guide.progress.voicemail_left or guide.voicemail_due:
        return CallbackOutcome.VOICEMAIL_LEFT.value
    return CallbackOutcome.NO_CONTACT.value


def memo_context(
    request: Request, uow: UnitOfWork, guide: Guide, draft: WrapUpDraft | None = None
) -> dict[str, Any]:
    """The memo form after the call, and the wrap-up's check of the draft as it stands."""
    draft = draft or WrapUpDraft(outcome=default_outcome(guide))
    check = check_wrap_up(
        uow, runtime=runtime_of(request), callback_id=guide.callback.id, draft=draft
    )
    return {
        "draft": draft,
        "check": check,
        "outcome_choices": [(outcome.value, OUTCOME_LABELS[outcome]) for outcome in guide.outcomes],
    }


def call_context(
    request: Request,
    uow: UnitOfWork,
    principal: Principal,
    callback_id: int,
    *,
    cursor: str | None = None,
    refused: list[RuleLine] | None = None,
    draft: WrapUpDraft | None = None,
) -> dict[str, Any]:
    """Everything the call page shows, for the signed-in agent."""
    guide = call_guide(
        uow, runtime=runtime_of(request), callback_id=callback_id, agent_id=principal.agent_id
    )
    callback = guide.callback
    account = uow.session.get(Account, callback.account_id)
    person = uow.session.get(Person, callback.person_id) if callback.person_id else None
    case = uow.session.get(Ticket, callback.ticket_id) if callback.ticket_id else None
    me = desk_agent(uow, principal)
    events, next_events = fetch_page(
        uow,
        select(CallbackEvent).where(CallbackEvent.callback_id == callback.id),
        CallbackEvent.id,
        limit=EVENTS_PER_PAGE,
        cursor=cursor,
    )
    proof = None
    if guide.phase is Phase.ON_THE_LINE and Event.PROOF_GIVEN in guide.done and guide.on_my_call:
        proof = steps.proof_facts_for(
            uow,
            runtime=runtime_of(request),
            callback_id=callback.id,
            agent_id=guide.attempt.agent_id if guide.attempt else None,
        )
    now = uow.clock.now()
    seconds_left = 0
    if guide.offered_to_me and callback.lease_expires_at:
        seconds_left = max(0, int((callback.lease_expires_at - now).total_seconds()))
    context: dict[str, Any] = {
        "guide": guide,
        "cb": callback,
        "account": account,
        "person": person,
        "case": case,
        "me": me,
        "my_state": state_label(me.state) if me else None,
        "zone": me.time_zone if me else "UTC",
        "events": events,
        "next_events": next_events,
        "proof": proof,
        "refused": refused,
        "seconds_left": seconds_left,
        "next_allowed": next_allowed_text(guide.dial),
        "customer_now": local_now(now, guide.dial),
        "can_dial": guide.can_dial and me is not None,
        "blockers": [RuleLine(rule_id, sentence) for rule_id, sentence in guide.not_theirs]
        + [RuleLine(result.rule_id, result.sentence) for result in guide.dial.failed],
        "dial_results": [(result.value, RESULT_LABELS[result]) for result in DIAL_RESULTS],
        "step_titles": STEP_TITLES,
        "script": DISCLOSURE_SCRIPT,
        "reason_text": reason_text,
        "words": words,
        "Phase": Phase,
        "Step": Step,
        "Event": Event,
    }
    if guide.phase is Phase.AFTER_CALL:
        context.update(memo_context(request, uow, guide, draft))
    return context
