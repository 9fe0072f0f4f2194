"""`/v1/tickets`: staff work cases; a customer opens cases on their own account and reads their
own cases with their customer-visible updates. A case out of the caller's reach is a 404, the
same as a missing one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from caredesk.db.session import UnitOfWork
from caredesk.errors import PermissionDenied, ValidationFailed
from caredesk.schemas import MAX_ID
from caredesk.tickets import lifecycle, resolution, service, timeline
from caredesk.tickets.models import Ticket, TicketPriority, TicketStatus, TicketUpdate
from caredesk.tickets.schemas import (
    QUEUE_PATTERN,
    EscalationCreate,
    ReopenRequest,
    ResolutionCheckCreate,
    ResolutionCreate,
    StatusChange,
    TicketCreate,
    TicketPatch,
    TicketRead,
    TicketUpdateCreate,
    TicketUpdateRead,
)
from caredesk.web.deps import AnyUser, Principal, Staff, UoW
from caredesk.web.pagination import Page

router = APIRouter(tags=["tickets"])
CaseRef = Annotated[
    str, Path(min_length=1, max_length=40, description="Case number (CS-000123) or numeric id.")
]


def _visible(uow: UnitOfWork, principal: Principal, ref: str) -> Ticket:
    """The case, if the caller reaches it; otherwise the very 404 of a missing case."""
    return service.get_ticket(uow, ref=ref, within_account=principal.account_scope)


@router.post("/v1/tickets", response_model=TicketRead, status_code=status.HTTP_201_CREATED)
def create_ticket(body: TicketCreate, principal: AnyUser, uow: UoW) -> TicketRead:
    """Open a case. Customers open cases on their own account; triage fields are staff-only."""
    principal.require_account(body.account_id)
    if not principal.is_staff:
        for name in ("priority", "queue", "assignee_id"):
            if getattr(body, name) is not None:
                raise PermissionDenied("only staff set triage fields", field=name)
    ticket = service.create_ticket(
        uow,
        actor=principal.actor,
        account_id=body.account_id,
        subject=body.subject,
        description=body.description,
        priority=body.priority or TicketPriority.NORMAL,
        queue=body.queue or service.DEFAULT_QUEUE,
        assignee_id=body.assignee_id,
    )
    return TicketRead.of(ticket, uow.clock.now())


@router.get("/v1/tickets", response_model=Page[TicketRead])
def list_tickets(
    principal: AnyUser,
    uow: UoW,
    status_: TicketStatus | None = Query(default=None, alias="status"),
    priority: TicketPriority | None = None,
    queue: str | None = Query(default=None, max_length=40, pattern=QUEUE_PATTERN),
    assignee_id: int | None = Query(default=None, ge=1, le=MAX_ID),
    account_id: int | None = Query(default=None, ge=1, le=MAX_ID),
    q: str | None = Query(default=None, max_length=200, description="Text in subject/description."),
    overdue: bool | None = None,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[TicketRead]:
    """Cases, oldest first; customers always see only their own account's."""
    if not principal.is_staff:
        if account_id is not None:
            principal.require_account(account_id)
        account_id = principal.account_id
    rows, next_cursor = service.list_tickets(
        uow,
        status=status_,
        priority=priority,
        queue=queue,
        assignee_id=assignee_id,
        account_id=account_id,
        text=q,
        overdue=overdue,
        limit=limit,
        cursor=cursor,
    )
    now = uow.clock.now()
    return Page[TicketRead](items=[TicketRead.of(t, now) for t in rows], next_cursor=next_cursor)


@router.get("/v1/tickets/{ref}", response_model=TicketRead)
def get_ticket(ref: CaseRef, principal: AnyUser, uow: UoW) -> TicketRead:
    return TicketRead.of(_visible(uow, principal, ref), uow.clock.now())


@router.patch("/v1/tickets/{ref}", response_model=TicketRead)
def update_ticket(ref: CaseRef, body: TicketPatch, principal: Staff, uow: UoW) -> TicketRead:
    """Change priority, queue or assignee; send only what changes (`assignee_id: null`
    unassigns)."""
    sent = body.model_fields_set
    if not sent:
        raise ValidationFailed("send at least one of priority, queue, assignee_id", field="body")
    for name in ("priority", "queue"):
        if name in sent and getattr(body, name) is None:
            raise ValidationFailed("cannot be null", field=name)
    ticket = service.update_ticket(
        uow,
        actor=principal.actor,
        ticket=service.get_ticket(uow, ref=ref),
        priority=body.priority,
        queue=body.queue,
        assignee_id=body.assignee_id if "assignee_id" in sent else service.KEEP,
    )
    return TicketRead.of(ticket, uow.clock.now())


@router.post("/v1/tickets/{ref}/status", response_model=TicketRead)
def change_status(ref: CaseRef, body: StatusChange, principal: Staff, uow: UoW) -> TicketRead:
    """Move between open and the pending statuses, or close a resolved case."""
    ticket = lifecycle.change_status(
        uow,
        actor=principal.actor,
        ticket=service.get_ticket(uow, ref=ref),
        status=body.status,
        note=body.note,
    )
    return TicketRead.of(ticket, uow.clock.now())


@router.post("/v1/tickets/{ref}/escalate", response_model=TicketRead)
def escalate(ref: CaseRef, body: EscalationCreate, principal: Staff, uow: UoW) -> TicketRead:
    """Escalate to a leader (agent id) and/or a department, with a reason."""
    ticket = lifecycle.escalate_ticket(
        uow,
        actor=principal.actor,
        ticket=service.get_ticket(uow, ref=ref),
        reason=body.reason,
        leader_id=body.leader_id,
        department=body.department,
    )
    return TicketRead.of(ticket, uow.clock.now())


@router.post("/v1/tickets/{ref}/reopen", response_model=TicketRead)
def reopen(ref: CaseRef, body: ReopenRequest, principal: Staff, uow: UoW) -> TicketRead:
    """Reopen a resolved or closed case within the reopen window."""
    ticket = resolution.reopen_ticket(
        uow, actor=principal.actor, ticket=service.get_ticket(uow, ref=ref), reason=body.reason
    )
    return TicketRead.of(ticket, uow.clock.now())


@router.post("/v1/tickets/{ref}/resolve", response_model=TicketRead)
def resolve(ref: CaseRef, body: ResolutionCreate, principal: Staff, uow: UoW) -> TicketRead:
    """Resolve with a summary; the customer is asked on the follow-up date whether it held."""
    ticket = resolution.resolve_ticket(
        uow,
        actor=principal.actor,
        ticket=service.get_ticket(uow, ref=ref),
        summary=body.summary,
        follow_up_at=body.follow_up_at,
    )
    return TicketRead.of(ticket, uow.clock.now())


@router.post("/v1/tickets/{ref}/resolution-check", response_model=TicketRead)
def resolution_check(
    ref: CaseRef, body: ResolutionCheckCreate, principal: AnyUser, uow: UoW
) -> TicketRead:
    """The customer's answer to "is it fixed?"; customers answer for their own cases."""
    ticket = _visible(uow, principal, ref)
    if not principal.is_staff and body.held is None:
        raise ValidationFailed("say whether the fix held: true or false", field="held")
    ticket = resolution.record_resolution_check(
        uow, actor=principal.actor, ticket=ticket, held=body.held, note=body.note
    )
    return TicketRead.of(ticket, uow.clock.now())


@router.get("/v1/tickets/{ref}/updates", response_model=Page[TicketUpdateRead])
def list_updates(
    ref: CaseRef,
    principal: AnyUser,
    uow: UoW,
    limit: int = Query(default=50, ge=1, le=200),
    cursor: str | None = Query(default=None, max_length=200),
) -> Page[TicketUpdateRead]:
    """The case timeline, oldest first; customers do not see internal entries."""
    rows, next_cursor = timeline.list_updates(
        uow,
        ticket=_visible(uow, principal, ref),
        include_internal=principal.is_staff,
        limit=limit,
        cursor=cursor,
    )
    items = [TicketUpdateRead.model_validate(row) for row in rows]
    return Page[TicketUpdateRead](items=items, next_cursor=next_cursor)


@router.post(
    "/v1/tickets/{ref}/updates",
    response_model=TicketUpdateRead,
    status_code=status.HTTP_201_CREATED,
)
def add_update(ref: CaseRef, body: TicketUpdateCreate, principal: Staff, uow: UoW) -> TicketUpdate:
    """Add a comment, follow-up or callback update to the timeline."""
    return timeline.add_update(
        uow,
        actor=principal.actor,
        ticket=service.get_ticket(uow, ref=ref),
        body=body.body,
        kind=body.kind,
        details=body.details,
        internal=body.internal,
    )
