"""`/v1/callbacks`: request, follow and work callbacks. Staff do everything; a customer sees the
status of their own account's callbacks and picks a time from their scheduling email."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from caredesk.accounts.models import ConsentChannel
from caredesk.callbacks import (
    attention,
    dropped_calls,
    queries,
    refusals,
    requests,
    scheduling,
    slots,
    wrapup,
)
from caredesk.callbacks.api_support import (
    CallbackId,
    Cursor,
    IdempotencyKey,
    Limit,
    Runtime,
    caller_role,
)
from caredesk.callbacks.call_api import router as call_router
from caredesk.callbacks.inputs import CallbackRequest
from caredesk.callbacks.models import Callback, CallbackAttempt, CallbackEvent, CallbackStatus
from caredesk.callbacks.schemas import (
    AttemptRead,
    CallbackCancel,
    CallbackCreate,
    CallbackEventRead,
    CallbackRead,
    CallbackStatusRead,
    DroppedCallCallbackCreate,
    SlotChoice,
)
from caredesk.db.paging import fetch_page
from caredesk.policy import LineOfBusiness, Step, decision_to_json
from caredesk.schemas import MAX_ID, AwareDatetime
from caredesk.web.deps import AnyUser, Leader, Staff, UoW
from caredesk.web.pagination import Page

router = APIRouter(tags=["callbacks"])
REFUSED_DESCRIPTION = (
    "Refused for good by the outbound-call policy: `rules` lists each rule ID with its "
    "sentence, `refusal_id` is the refused callback kept on record."
)


@router.post(
    "/v1/callbacks",
    response_model=CallbackRead,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "The callback an earlier request with this key made."},
        409: {"description": REFUSED_DESCRIPTION},
    },
)
def request_callback(
    body: CallbackCreate,
    principal: Staff,
    uow: UoW,
    runtime: Runtime,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> Callback:
    """Request a callback. One the policy refuses for good is kept with status `refused` and
    answered 409 (a problem document naming the rules and the stored refusal's id); otherwise
    the customer's notice (or the scheduling email) is queued and the callback waits for it."""
    request = CallbackRequest(
        account_id=body.account_id,
        origin=body.origin,
        reason=body.reason,
        line_of_business=body.line_of_business,
        caller_role=caller_role(principal),
        number=body.number,
        person_id=body.person_id,
        ticket_ref=body.ticket,
        interaction_id=body.interaction_id,
        policy_reference=body.policy_reference,
        customer_spoken_to=body.customer_spoken_to,
        agent_spoke_to_customer=body.agent_spoke_to_customer,
        last_call_end=body.last_call_end,
        owner_agent_id=body.owner_agent_id,
        requested_by_agent_id=principal.agent_id,
        slots=[(slot.start, slot.end) for slot in body.slots] if body.slots else None,
        idempotency_key=idempotency_key,
    )
    submitted = requests.submit_callback_request(
        uow, request, actor=principal.actor, runtime=runtime
    )
    if not submitted.created:
        response.status_code = status.HTTP_200_OK
    return refusals.raise_if_refused(uow, submitted.callback)


@router.post(
    "/v1/interactions/{interaction_id}/callback",
    response_model=CallbackRead,
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "The callback already made for this dropped call."},
        409: {"description": REFUSED_DESCRIPTION},
    },
)
def request_dropped_call_callback(
    body: DroppedCallCallbackCreate,
    principal: Staff,
    uow: UoW,
    runtime: Runtime,
    response: Response,
    interaction_id: int = Path(ge=1, le=MAX_ID),
    idempotency_key: IdempotencyKey = None,
) -> Callback:
    """Call back a dropped call ("Dropped Call" template); one callback per dropped call."""
    submitted = dropped_calls.request_dropped_call_callback(
        uow,
        actor=principal.actor,
        runtime=runtime,
        interaction_id=interaction_id,
        line_of_business=body.line_of_business,
        caller_role=caller_role(principal),
        owner_agent_id=body.owner_agent_id,
        requested_by_agent_id=principal.agent_id,
        idempotency_key=idempotency_key,
    )
    if not submitted.created:
        response.status_code = status.HTTP_200_OK
    return refusals.raise_if_refused(uow, submitted.callback)


def _page(uow: UoW, query: Any, limit: int, cursor: str | None) -> Page[CallbackRead]:
    rows, next_cursor = fetch_page(uow, query, Callback.id, limit=limit, cursor=cursor)
    return Page[CallbackRead](
        items=[CallbackRead.model_validate(row) for row in rows], next_cursor=next_cursor
    )


@router.get("/v1/callbacks", response_model=Page[CallbackRead])
def list_callbacks(
    principal: Staff,
    uow: UoW,
    status_: Annotated[CallbackStatus | None, Query(alias="status")] = None,
    due_before: AwareDatetime | None = None,
    line_of_business: LineOfBusiness | None = None,
    owner: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Owner agent id.")] = None,
    pool: Annotated[bool | None, Query(description="true: in the assignment pool.")] = None,
    account_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[CallbackRead]:
    query = queries.callbacks_query(
        account_id=account_id,
        status=status_,
        due_before=due_before,
        line_of_business=line_of_business.value if line_of_business else None,
        owner_agent_id=owner,
        in_pool=pool,
    )
    return _page(uow, query, limit, cursor)


@router.get("/v1/callbacks/due", response_model=Page[CallbackRead])
def callbacks_due(
    principal: Staff,
    uow: UoW,
    line_of_business: LineOfBusiness | None = None,
    owner: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Owner agent id.")] = None,
    pool: bool | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[CallbackRead]:
    """Scheduled callbacks whose due time has come, not yet on a call."""
    query = queries.callbacks_query(
        status=CallbackStatus.SCHEDULED,
        due_before=uow.clock.now(),
        line_of_business=line_of_business.value if line_of_business else None,
        owner_agent_id=owner,
        in_pool=pool,
    )
    return _page(uow, query, limit, cursor)


@router.get("/v1/callbacks/needs-attention", response_model=Page[CallbackRead])
def callbacks_needing_attention(
    principal: Leader,
    uow: UoW,
    line_of_business: LineOfBusiness | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[CallbackRead]:
    """Callbacks whose notice or scheduling email the outbox gave up on: requeue the message
    (`POST /v1/callbacks/{id}/requeue-notice`) or cancel the callback."""
    query = queries.callbacks_query(
        status=CallbackStatus.NEEDS_ATTENTION,
        line_of_business=line_of_business.value if line_of_business else None,
    )
    return _page(uow, query, limit, cursor)


@router.get("/v1/accounts/{account_id}/callbacks", response_model=Page[CallbackStatusRead])
def account_callbacks(
    principal: AnyUser,
    uow: UoW,
    account_id: int = Path(ge=1, le=MAX_ID),
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[CallbackStatusRead]:
    """The status of an account's callbacks; customers see their own account only."""
    principal.require_account(account_id)
    query = queries.callbacks_query(account_id=account_id)
    rows, next_cursor = fetch_page(uow, query, Callback.id, limit=limit, cursor=cursor)
    return Page[CallbackStatusRead](
        items=[CallbackStatusRead.model_validate(row) for row in rows], next_cursor=next_cursor
    )


@router.get("/v1/callbacks/{callback_id}", response_model=CallbackRead)
def get_callback(callback_id: CallbackId, principal: Staff, uow: UoW) -> Callback:
    return queries.get_callback(uow, callback_id=callback_id)


@router.get("/v1/callbacks/{callback_id}/status", response_model=CallbackStatusRead)
def get_callback_status(callback_id: CallbackId, principal: AnyUser, uow: UoW) -> Callback:
    """A callback's status; customers see their own account's only (another account's is a
    404, as a missing one)."""
    return queries.get_callback(
        uow, callback_id=callback_id, within_account=principal.account_scope
    )


@router.get("/v1/callbacks/{callback_id}/why-not-now", response_model=dict[str, Any])
def why_not_now(
    callback_id: CallbackId,
    principal: Staff,
    uow: UoW,
    runtime: Runtime,
    agent_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    step: Step = Step.DIAL,
    inbound_call_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> dict[str, Any]:
    """The policy's decision for one step now: every rule with its verdict and facts, the next
    allowed instant and the steps still required. ``inbound_call_id`` judges a dial from that
    live inbound call (OB-STATE's exception), as the stored call shows it."""
    decision = scheduling.why_not_now(
        uow,
        policy=runtime.policy,
        callback_id=callback_id,
        agent_id=agent_id,
        step=step,
        now=uow.clock.now(),
        inbound_call_id=inbound_call_id,
    )
    return decision_to_json(decision)


@router.get("/v1/callbacks/{callback_id}/events", response_model=Page[CallbackEventRead])
def list_events(
    callback_id: CallbackId, principal: Staff, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> Page[CallbackEventRead]:
    """The callback's timeline, oldest first: every change, step and refusal with rule IDs."""
    queries.get_callback(uow, callback_id=callback_id)
    query = queries.events_query(callback_id=callback_id)
    rows, next_cursor = fetch_page(uow, query, CallbackEvent.id, limit=limit, cursor=cursor)
    return Page[CallbackEventRead](
        items=[CallbackEventRead.model_validate(row) for row in rows], next_cursor=next_cursor
    )


@router.get("/v1/callbacks/{callback_id}/attempts", response_model=Page[AttemptRead])
def list_attempts(
    callback_id: CallbackId, principal: Staff, uow: UoW, limit: Limit = 50, cursor: Cursor = None
) -> Page[AttemptRead]:
    queries.get_callback(uow, callback_id=callback_id)
    query = queries.attempts_query(callback_id=callback_id)
    rows, next_cursor = fetch_page(uow, query, CallbackAttempt.id, limit=limit, cursor=cursor)
    return Page[AttemptRead](
        items=[AttemptRead.model_validate(row) for row in rows], next_cursor=next_cursor
    )


@router.post("/v1/callbacks/{callback_id}/cancel", response_model=CallbackRead)
def cancel_callback(
    callback_id: CallbackId, body: CallbackCancel, principal: Staff, uow: UoW
) -> Callback:
    return wrapup.cancel_callback(
        uow, actor=principal.actor, callback_id=callback_id, reason=body.reason
    )


@router.post("/v1/callbacks/{callback_id}/requeue-notice", response_model=CallbackRead)
def requeue_notice(callback_id: CallbackId, principal: Leader, uow: UoW) -> Callback:
    """Send a callback's dead notice or scheduling email again (after fixing its cause); the
    callback waits for it where it waited before."""
    return attention.requeue_notice(uow, actor=principal.actor, callback_id=callback_id)


@router.post("/v1/callbacks/{callback_id}/slot", response_model=CallbackStatusRead)
def choose_slot(
    callback_id: CallbackId, body: SlotChoice, principal: AnyUser, uow: UoW, runtime: Runtime
) -> Callback:
    """Pick one of the times offered in the scheduling email: a customer for their own
    account (through the portal), or staff entering the customer's reply."""
    queries.get_callback(uow, callback_id=callback_id, within_account=principal.account_scope)
    # A customer picks in the portal; staff enter what the customer chose (a reply, a call).
    staff_channel = body.channel or ConsentChannel.EMAIL
    channel = staff_channel if principal.is_staff else ConsentChannel.PORTAL
    return slots.choose_slot(
        uow,
        actor=principal.actor,
        runtime=runtime,
        callback_id=callback_id,
        slot=body.slot,
        channel=channel,
    )


# The guided call has its own module; it is served under the same router.
router.include_router(call_router)
