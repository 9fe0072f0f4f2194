"""A customer's own callbacks, from the portal: asking to be called in a time they choose (in
their own zone; the time is their consent for that callback, per OB-WINDOW), seeing the ones
still to come and cancelling one. Each reaches only the customer's own account: another
account's callback is not found, exactly as a missing one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from caredesk.accounts.consent import list_consents
from caredesk.accounts.models import ConsentChannel, ConsentWindow
from caredesk.accounts.zones import zones_for_account
from caredesk.audit.service import Actor
from caredesk.callbacks.inputs import AgreedWindow, CallbackRequest
from caredesk.callbacks.models import OPEN_STATUSES, Callback, CallbackStatus
from caredesk.callbacks.records import load_callback
from caredesk.callbacks.refusals import refusal_rules
from caredesk.callbacks.requests import submit_callback_request
from caredesk.callbacks.runtime import CallbackRuntime
from caredesk.callbacks.wrapup import CANCELLABLE, cancel_callback
from caredesk.db.session import UnitOfWork
from caredesk.policy import (
    CallbackOrigin,
    CallbackReason,
    CallerRole,
    LineOfBusiness,
)

PORTAL_CANCEL_REASON = "cancelled by the customer in the portal"
MAX_UPCOMING = 20


@dataclass(frozen=True)
class CustomerRequest:
    """What the customer asked for, and how it was answered."""

    callback: Callback
    refused: list[dict[str, str]]
    """The refusing rules (rule ID and sentence) when the policy refused the request."""


@dataclass(frozen=True)
class Upcoming:
    callback: Callback
    window: ConsentWindow | None
    cancellable: bool


def customer_zone(uow: UnitOfWork, *, account_id: int) -> str | None:
    """The zone the customer's calling times are read in (the policy's own resolution), or None
    while it is unknown."""
    zones = zones_for_account(uow, account_id=account_id).resolution.zones
    return zones[0] if zones else None


def request_by_customer(
    uow: UnitOfWork,
    *,
    actor: Actor,
    runtime: CallbackRuntime,
    account_id: int,
    start: datetime,
    end: datetime,
    zone: str | None,
    number: str | None = None,
    idempotency_key: str | None = None,
) -> CustomerRequest:
    """A callback the customer asked for, in ``start``-``end``: stored with that window as the
    customer's consent (through the portal) and planned inside it, or stored as refused with
    the rules that refused it. One transaction, committed here."""
    request = CallbackRequest(
        account_id=account_id,
        origin=CallbackOrigin.FOLLOW_UP,
        reason=CallbackReason.CUSTOMER_REQUESTED,
        line_of_business=LineOfBusiness.CARE,
        caller_role=CallerRole.AGENT,
        number=number,
        agreed_window=AgreedWindow(start, end, zone, ConsentChannel.PORTAL.value),
        idempotency_key=idempotency_key,
    )
    submitted = submit_callback_request(uow, request, actor=actor, runtime=runtime)
    callback = submitted.callback
    refused = []
    if callback.status == CallbackStatus.REFUSED.value:
        refused = refusal_rules(uow, callback)
    return CustomerRequest(callback, refused)


def upcoming(uow: UnitOfWork, *, account_id: int) -> list[Upcoming]:
    """The account's callbacks still to come, soonest first, each with the window the
    customer agreed to (if any)."""
    rows = list(
        uow.session.scalars(
            select(Callback)
            .where(
                Callback.account_id == account_id,
                Callback.status.in_([status.value for status in OPEN_STATUSES]),
            )
            .order_by(Callback.due_at.is_(None), Callback.due_at, Callback.id)
            .limit(MAX_UPCOMING)
        )
    )
    found = []
    for callback in rows:
        windows = list_consents(uow, account_id=account_id, callback_id=callback.id)
        open_windows = [w for w in windows if w.closed_at is None]
        found.append(
            Upcoming(
                callback,
                open_windows[-1] if open_windows else None,
                CallbackStatus(callback.status) in CANCELLABLE,
            )
        )
    return found


def cancel_by_customer(
    uow: UnitOfWork, *, actor: Actor, account_id: int, callback_id: int
) -> Callback:
    """The customer calls off one of their callbacks (one not yet dialled)."""
    load_callback(uow, callback_id, within_account=account_id)
    return cancel_callback(uow, actor=actor, callback_id=callback_id, reason=PORTAL_CANCEL_REASON)
