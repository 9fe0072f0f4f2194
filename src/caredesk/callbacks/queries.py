"""Finding callbacks: one by id (within an account when the caller is a customer), and the
queries behind the lists of callbacks, their events and their attempts. Only the callbacks'
tables: a list loads none of the audit, live-event or policy code that changes them."""

from __future__ import annotations

from sqlalchemy import Select, select

from caredesk.callbacks.models import Callback, CallbackAttempt, CallbackEvent, CallbackStatus
from caredesk.db.session import UnitOfWork
from caredesk.errors import NotFound
from caredesk.limits import MAX_ID


def load_callback(
    uow: UnitOfWork, callback_id: int, *, within_account: int | None = None
) -> Callback:
    """The callback as committed now (not a copy this session cached earlier); with
    ``within_account``, one of another account is not found, exactly as a missing one."""
    callback = (
        uow.session.get(Callback, callback_id, populate_existing=True)
        if 1 <= callback_id <= MAX_ID
        else None
    )
    if callback is None or (within_account is not None and callback.account_id != within_account):
        raise NotFound(f"no callback with id {callback_id}", field="callback_id")
    return callback


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
