"""Callback use cases, gathered in one place for routers, the CLI and the dispatcher.

The lifecycle, and where each step lives:
- requests.py: request (refused for good and kept as REFUSED, or waiting for its message),
  dropped-call callbacks, idempotency keys;
- notify.py and scheduling.py: the notice and the Service Assurance scheduling email through the
  outbox, ``advance_after_notifications``, the customer's chosen slot, ownership and the pool,
  "why not now?";
- calls.py: the dial gate, attempts, results from the gateway, the end of the call, voicemail;
- steps.py: the guided call (name, then disclosure, proof, Service Assurance PIN, payments, ...);
- wrapup.py: the memo, the ticket update and the outcome; cancelling.
"""

from __future__ import annotations

from sqlalchemy import Select, select

from caredesk.callbacks.attempts import (
    end_call,
    latest_attempt,
    leave_voicemail,
    poll_call,
    record_attempt_result,
)
from caredesk.callbacks.attention import requeue_notice
from caredesk.callbacks.calls import start_call
from caredesk.callbacks.dropped_calls import request_dropped_call_callback
from caredesk.callbacks.models import Callback, CallbackAttempt, CallbackEvent, CallbackStatus
from caredesk.callbacks.records import load_callback
from caredesk.callbacks.refusals import CallbackRequestRefused, raise_if_refused, refused_error
from caredesk.callbacks.request_inputs import Submitted
from caredesk.callbacks.requests import request_callback, submit_callback_request
from caredesk.callbacks.scheduling import advance_after_notifications, choose_slot, why_not_now
from caredesk.callbacks.slots import offer_and_choose_slot, offer_slots, parse_slot
from caredesk.callbacks.steps import CallStep, StepOutcome, proof_facts_for, record_step
from caredesk.callbacks.wrapup import cancel_callback, wrap_up
from caredesk.db.session import UnitOfWork

__all__ = [
    "CallStep",
    "CallbackRequestRefused",
    "StepOutcome",
    "Submitted",
    "advance_after_notifications",
    "attempts_query",
    "callbacks_query",
    "cancel_callback",
    "choose_slot",
    "end_call",
    "events_query",
    "get_callback",
    "latest_attempt",
    "leave_voicemail",
    "offer_and_choose_slot",
    "offer_slots",
    "parse_slot",
    "poll_call",
    "proof_facts_for",
    "raise_if_refused",
    "record_attempt_result",
    "record_step",
    "refused_error",
    "request_callback",
    "request_dropped_call_callback",
    "requeue_notice",
    "start_call",
    "submit_callback_request",
    "why_not_now",
    "wrap_up",
]


def get_callback(
    uow: UnitOfWork, *, callback_id: int, within_account: int | None = None
) -> Callback:
    """With ``within_account``, a callback of another account is not found, exactly as a
    missing one."""
    return load_callback(uow, callback_id, within_account=within_account)


def callbacks_query(
    *,
    account_id: int | None = None,
    status: CallbackStatus | None = None,
    due_before: object | None = None,
    line_of_business: str | None = None,
    owner_agent_id: int | None = None,
    in_pool: bool | None = None,
) -> Select[Callback]:
    """Callbacks matching every filter given; ordering and paging are the caller's."""
    query = select(Callback)
    if account_id is not None:
        query = query.where(Callback.account_id == account_id)
    if status is not None:
        query = query.where(Callback.status == status.value)
    if due_before is not None:
        query = query.where(Callback.due_at.is_not(None), Callback.due_at <= due_before)
    if line_of_business is not None:
        query = query.where(Callback.line_of_business == line_of_business)
    if owner_agent_id is not None:
        query = query.where(Callback.owner_agent_id == owner_agent_id)
    if in_pool is not None:
        query = query.where(Callback.in_assignment_pool.is_(in_pool))
    return query


def events_query(*, callback_id: int) -> Select[CallbackEvent]:
    return select(CallbackEvent).where(CallbackEvent.callback_id == callback_id)


def attempts_query(*, callback_id: int) -> Select[CallbackAttempt]:
    return select(CallbackAttempt).where(CallbackAttempt.callback_id == callback_id)
