"""`/v1/ivr/calls`: a caller walks the IVR menus. Used by the phone adapter (a staff token), by
a signed-in customer (a call on their own account) and by the phone page; a call out of the
caller's reach is a 404, the same as a missing one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, status

from caredesk.callbacks.api_support import Runtime
from caredesk.errors import PermissionDenied
from caredesk.inbound import walks
from caredesk.inbound.announcements import wait_now
from caredesk.inbound.hangup import hang_up
from caredesk.inbound.schemas import (
    CallDetailRead,
    CallInput,
    CallRead,
    CallStart,
    WaitNowRead,
    WaitRead,
)
from caredesk.inbound.views import call_view
from caredesk.routing.config import RoutingConfig
from caredesk.schemas import MAX_ID
from caredesk.web.deps import AnyUser, Principal, UoW

router = APIRouter(tags=["ivr"])
CallId = Annotated[int, Path(ge=1, le=MAX_ID, description="The call's id (its interaction's).")]


def get_routing(request: Request) -> RoutingConfig:
    routing: RoutingConfig = request.app.state.routing
    return routing


Routing = Annotated[RoutingConfig, Depends(get_routing)]


def call_account(principal: Principal) -> int | None:
    """A customer's call is on their own account; staff calls find theirs by the number."""
    if principal.is_staff:
        return None
    if principal.account_id is None:
        raise PermissionDenied("your user has no account to call about", field="account_id")
    return principal.account_id


@router.post("/v1/ivr/calls", response_model=CallRead, status_code=status.HTTP_201_CREATED)
def start_call(body: CallStart, principal: AnyUser, uow: UoW, routing: Routing) -> CallRead:
    """An inbound call starts: its interaction is recorded and the caller hears the greeting."""
    account_id = call_account(principal)
    walk = walks.start_call(
        uow,
        actor=principal.actor,
        routing=routing,
        number=body.number,
        language=body.language,
        account_id=account_id,
        find_account=account_id is None,
    )
    return call_view(uow, routing, walk)


@router.post("/v1/ivr/calls/{call_id}/input", response_model=CallRead)
def give_input(
    body: CallInput,
    principal: AnyUser,
    uow: UoW,
    routing: Routing,
    runtime: Runtime,
    call_id: CallId,
) -> CallRead:
    """The caller's next input: a digit, words, or no_input / invalid from the phone. At the
    end of the walk in a queue the answer tells the estimated wait, and offers a callback when
    it is long; answering the offer (1 / "call me back", 2 / "hold") is an input too."""
    walk = walks.take_input(
        uow,
        actor=principal.actor,
        routing=routing,
        runtime=runtime,
        call_id=call_id,
        move=walks.CallerMove(digit=body.digit, words=body.words, event=body.event),
        within_account=principal.account_scope,
    )
    return call_view(uow, routing, walk)


@router.post("/v1/ivr/calls/{call_id}/hangup", response_model=CallRead)
def hangup(principal: AnyUser, uow: UoW, routing: Routing, call_id: CallId) -> CallRead:
    """The caller hung up: the call ends now, as abandoned when it was waiting in a queue; on
    an agent who had answered, as customer_disconnected, and the agent goes to After-Call
    Work."""
    walk = hang_up(
        uow,
        actor=principal.actor,
        routing=routing,
        call_id=call_id,
        within_account=principal.account_scope,
    )
    return call_view(uow, routing, walk)


@router.get("/v1/ivr/calls/{call_id}", response_model=CallDetailRead)
def get_call(principal: AnyUser, uow: UoW, routing: Routing, call_id: CallId) -> CallRead:
    """The call with every step of its walk."""
    walk = walks.load_walk(uow, call_id=call_id, within_account=principal.account_scope)
    return call_view(uow, routing, walk, with_steps=True)


@router.get("/v1/ivr/calls/{call_id}/wait", response_model=WaitNowRead)
def get_wait(principal: AnyUser, uow: UoW, routing: Routing, call_id: CallId) -> WaitNowRead:
    """The estimate now for a caller waiting in a queue (to announce it again, or when asked);
    409 when the call is not waiting."""
    found = wait_now(uow, routing=routing, call_id=call_id, within_account=principal.account_scope)
    language = found.walk.language
    seconds = found.estimate.seconds
    return WaitNowRead(
        call_id=found.walk.interaction_id,
        queue=found.queue.name,
        queue_title=found.queue.title,
        ahead=found.estimate.view.ahead,
        waited_seconds=found.waited_seconds,
        estimated_wait=WaitRead(
            seconds=round(seconds, 1) if seconds is not None else None,
            **found.estimate.told(language),
        ),
        next_announcement_at=found.next_announcement_at,
    )
