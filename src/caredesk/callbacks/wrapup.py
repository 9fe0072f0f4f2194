"""Closing a callback: the wrap-up after the call (the memo the policy checks, the ticket update
when it is linked, the outcome), given as one frozen ``inputs.WrapUp``, and cancelling one
that is not on a call.

A wrap-up the policy refuses (an incomplete memo, one holding an SSN, PIN or card number, a
ticket update without progress) stores nothing but the refusal: no memo, no ticket update, and
the callback stays in wrap-up."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from caredesk.accounts.consent import close_consent, list_consents
from caredesk.agents.service import get_agent
from caredesk.audit.service import Actor
from caredesk.callbacks.agent_moves import move_agent
from caredesk.callbacks.attempts import require_caller
from caredesk.callbacks.attention import withdraw_owed_messages
from caredesk.callbacks.inputs import WrapUp
from caredesk.callbacks.models import Callback, CallbackStatus
from caredesk.callbacks.notices import case_number
from caredesk.callbacks.policy_view import CallSoFar, build_context, call_events
from caredesk.callbacks.records import (
    Event,
    atomic_keeping_refusals,
    change,
    load_callback,
    refuse,
)
from caredesk.callbacks.runtime import CallbackRuntime
from caredesk.callbacks.scheduling import reschedule_due
from caredesk.db.session import UnitOfWork
from caredesk.errors import InvalidTransition, ValidationFailed
from caredesk.memos.models import MemoKind
from caredesk.memos.service import create_memo
from caredesk.policy import (
    AgentState,
    CallbackOutcome,
    Memo,
    Step,
    TicketUpdate,
    evaluate,
)
from caredesk.policy import WrapUp as PolicyWrapUp
from caredesk.privacy import refuse_secrets
from caredesk.tickets.models import UpdateKind
from caredesk.tickets.service import get_ticket
from caredesk.tickets.timeline import add_update

S = CallbackStatus
CANCELLABLE = frozenset(
    {
        S.REQUESTED,
        S.AWAITING_NOTIFICATION,
        S.AWAITING_SCHEDULE,
        S.SCHEDULED,
        S.NEEDS_ATTENTION,
        S.OFFERED,
    }
)
CLOSING = {
    CallbackOutcome.RESOLVED: S.COMPLETED,
    CallbackOutcome.HANDED_OFF: S.COMPLETED,
    CallbackOutcome.VOICEMAIL_LEFT: S.CLOSED_UNREACHABLE,
    CallbackOutcome.NO_CONTACT: S.CLOSED_UNREACHABLE,
    CallbackOutcome.FOLLOW_UP_SCHEDULED: S.SCHEDULED,
}
REACHED = frozenset(
    {CallbackOutcome.RESOLVED, CallbackOutcome.HANDED_OFF, CallbackOutcome.FOLLOW_UP_SCHEDULED}
)
MAX_REASON = 500
MAX_TEXT = 5000


def _close_consents(uow: UnitOfWork, callback: Callback, *, actor: Actor, now: datetime) -> None:
    """A consent window is for its own callback only; it ends with it."""
    for consent in list_consents(uow, account_id=callback.account_id, callback_id=callback.id):
        if consent.closed_at is None and (consent.expires_at is None or consent.expires_at > now):
            close_consent(
                uow,
                actor=actor,
                account_id=callback.account_id,
                consent_id=consent.id,
            )


def _text(value: str, field: str, limit: int) -> str:
    value = value.strip()
    if len(value) > limit:
        raise ValidationFailed(f"must be at most {limit} characters", field=field)
    return value


def wrap_up(uow: UnitOfWork, given: WrapUp, *, actor: Actor, runtime: CallbackRuntime) -> Callback:
    """Documents the call and closes (or reschedules) the callback in one transaction: the
    account memo (OB-MEMO; kind voicemail after a voicemail, else outbound_call), the ticket
    update when the callback is linked to one (OB-TICKET-UPDATE), and the outcome."""
    policy = runtime.policy
    with atomic_keeping_refusals(uow):
        try:
            result = CallbackOutcome(given.outcome)
        except ValueError:
            names = ", ".join(item.value for item in CallbackOutcome)
            raise ValidationFailed(f"must be one of: {names}", field="outcome") from None
        reason = _text(given.reason, "reason", MAX_REASON)
        summary = _text(given.summary, "summary", MAX_TEXT)
        customer_response = _text(given.customer_response, "customer_response", MAX_TEXT)
        progress = {
            "findings": _text(given.findings, "findings", MAX_TEXT),
            "actions_taken": _text(given.actions_taken, "actions_taken", MAX_TEXT),
            "new_information": _text(given.new_information, "new_information", MAX_TEXT),
        }
        callback = load_callback(uow, given.callback_id)
        if callback.status != S.WRAP_UP.value:
            raise InvalidTransition(
                f"callback {callback.id} is {callback.status}; wrap-up follows the call",
                field="status",
            )
        attempt = require_caller(uow, callback, given.agent_id)
        if callback.contact_made and result not in REACHED:
            raise ValidationFailed(
                f"the customer was reached; {result.value} is for a customer who was not",
                field="outcome",
            )
        if not callback.contact_made and result in REACHED:
            raise ValidationFailed(
                f"the customer was not reached, so the outcome cannot be {result.value}",
                field="outcome",
            )
        case = case_number(uow, callback.ticket_id)
        tickets = (case,) if case else ()
        wrap = PolicyWrapUp(
            memo=Memo(reason, tickets, summary, customer_response),
            outcome=result,
            ticket_update=(
                TicketUpdate(tickets, includes_memo_details=True, **progress) if tickets else None
            ),
        )
        agent = get_agent(uow, agent_id=attempt.agent_id) if attempt.agent_id else None
        now = uow.clock.now()
        context = build_context(
            uow, callback=callback, step=Step.WRAP_UP, now=now, agent=agent, wrap_up=wrap
        )
        decision = evaluate(context, policy)
        if not decision.allowed:
            refuse(
                uow, callback, decision, actor=actor, step=Step.WRAP_UP, agent_id=attempt.agent_id
            )
        refuse_secrets(progress)

        memo = create_memo(
            uow,
            actor=actor,
            account_id=callback.account_id,
            kind=MemoKind.VOICEMAIL
            if result is CallbackOutcome.VOICEMAIL_LEFT
            else MemoKind.OUTBOUND_CALL,
            reason=reason,
            summary=summary,
            customer_response=customer_response,
            ticket_numbers=list(tickets),
            author_user_id=given.author_user_id,
            author_agent_id=attempt.agent_id,
        )
        update_id = None
        if callback.ticket_id is not None:
            entry = add_update(
                uow,
                actor=actor,
                ticket=get_ticket(uow, ref=callback.ticket_id),
                body=f"Callback {callback.id} ({result.value.replace('_', ' ')}): {summary}",
                kind=UpdateKind.CALLBACK_UPDATE,
                details={
                    "callback_id": callback.id,
                    "memo_id": memo.id,
                    "outcome": result.value,
                    **progress,
                },
                # It repeats the memo, and memos are internal: customers never read this entry.
                internal=True,
            )
            update_id = entry.id
        target = CLOSING[result]
        # The handbook's alternate-number path: a follow-up to the number the customer gave on this
        # call is dialled from After-Call Work, so the agent stays there; otherwise they move on.
        alternate_next = result is CallbackOutcome.FOLLOW_UP_SCHEDULED and bool(
            CallSoFar.of(callback, call_events(uow, callback)).progress.alternate_number
        )
        agent_state = move_agent(
            uow,
            actor=actor,
            agent_id=attempt.agent_id,
            states=[AgentState.AFTER_CALL_WORK] if alternate_next else [policy.after_wrap_up],
            callback=callback,
        )
        values: dict[str, Any] = {"outcome": result.value}
        if target is S.SCHEDULED:
            values.update(reschedule_due(uow, policy=policy, callback=callback))
        else:
            values["closed_at"] = now
            _close_consents(uow, callback, actor=actor, now=now)
        change(
            uow,
            callback,
            actor=actor,
            kind=Event.WRAPPED_UP,
            to=target,
            values=values,
            rule_ids=[item.rule_id for item in decision.passed],
            facts={
                "memo_id": memo.id,
                "memo_kind": memo.kind,
                "ticket_update_id": update_id,
                "outcome": result.value,
                "attempt_id": attempt.id,
                "agent_state": agent_state,
            },
            detail=f"wrapped up as {result.value.replace('_', ' ')}",
        )
        return callback


def cancel_callback(uow: UnitOfWork, *, actor: Actor, callback_id: int, reason: str) -> Callback:
    """Cancels a callback that is not on a call (a call in progress ends in wrap-up)."""
    with uow.atomic():
        text = _text(reason, "reason", MAX_REASON)
        if not text:
            raise ValidationFailed("say why the callback is cancelled", field="reason")
        refuse_secrets({"reason": text})
        callback = load_callback(uow, callback_id)
        if S(callback.status) not in CANCELLABLE:
            raise InvalidTransition(
                f"callback {callback.id} is {callback.status}; only a callback not yet dialled "
                "can be cancelled",
                field="status",
            )
        now = uow.clock.now()
        _close_consents(uow, callback, actor=actor, now=now)
        # The notice or scheduling email still owed is withdrawn with the cancel, never sent.
        messages = withdraw_owed_messages(uow, callback, actor=actor, reason="cancelled")
        change(
            uow,
            callback,
            actor=actor,
            kind=Event.CANCELLED,
            to=S.CANCELLED,
            values={
                "closed_at": now,
                "lease_owner": None,
                "lease_token": None,
                "lease_expires_at": None,
            },
            detail=text,
            facts={"reason": text, "messages": messages},
        )
        return callback
