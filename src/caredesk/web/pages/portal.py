"""The customer portal: my cases (list, open one, add a comment) and my callbacks (see them,
cancel one; asking for one is in portal_callbacks). A customer reaches only their own account:
every record is loaded through the account scope, so another account's case answers 404 exactly
like a missing one. Internal entries, memos and notes never reach these pages, and staff appear
by role ("Customer Care agent"), never by name or id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Form, Path, Query, Request, Response
from sqlalchemy import select

from caredesk.callbacks.customer_requests import customer_zone, upcoming
from caredesk.db.paging import fetch_page
from caredesk.db.session import UnitOfWork
from caredesk.errors import ValidationFailed
from caredesk.schemas import MAX_ID
from caredesk.tickets.models import Ticket, TicketUpdate, UpdateKind
from caredesk.tickets.service import get_ticket
from caredesk.tickets.timeline import add_update
from caredesk.users.models import Role, User
from caredesk.web.deps import Principal, UoW
from caredesk.web.pages.rendering import ROLE_NAMES, render
from caredesk.web.pages.routing import SignedCustomer, page_router, see_other

router = page_router()
CASES_PER_PAGE = 20
ENTRIES_PER_PAGE = 50
MAX_COMMENT = 4000
CaseRef = Annotated[str, Path(min_length=1, max_length=40)]
Cursor = Annotated[str | None, Query(max_length=200)]

STATUS_TONES = {
    "new": "info",
    "open": "info",
    "pending_customer": "warn",
    "pending_internal": "neutral",
    "escalated": "warn",
    "resolved": "ok",
    "closed": "neutral",
    "reopened": "info",
}
# A callback's status as the customer reads it.
CALLBACK_STATUS_TEXT = {
    "requested": "Planned",
    "awaiting_notification": "Planned",
    "scheduled": "Planned",
    "needs_attention": "Planned",
    "offered": "Planned",
    "awaiting_schedule": "Waiting for you to choose a time",
    "dialing": "Calling you now",
    "in_call": "Calling you now",
    "wrap_up": "Call finished",
}
# What a customer reads for each kind of entry; an assignment names no staff id.
ENTRY_TITLES = {
    UpdateKind.COMMENT.value: "Comment",
    UpdateKind.STATUS_CHANGE.value: "Status changed",
    UpdateKind.ASSIGNMENT.value: "Passed to the team handling it",
    UpdateKind.RESOLUTION.value: "Resolved",
    UpdateKind.FOLLOW_UP.value: "Follow-up",
    UpdateKind.CALLBACK_UPDATE.value: "After our call",
}


@dataclass(frozen=True)
class Entry:
    title: str
    author: str
    at: datetime
    body: str | None


def account_of(principal: Principal) -> int:
    assert principal.account_scope is not None
    return principal.account_scope


def status_text(status: str) -> str:
    return status.replace("_", " ")


def _authors(
    uow: UnitOfWork, entries: list[TicketUpdate], principal: Principal, brand: str
) -> dict[str, str]:
    ids = {
        int(entry.author.split(":", 1)[1])
        for entry in entries
        if entry.author.startswith("user:") and entry.author.split(":", 1)[1].isdigit()
    }
    users = (
        {user.id: user for user in uow.session.scalars(select(User).where(User.id.in_(ids)))}
        if ids
        else {}
    )
    names: dict[str, str] = {}
    for entry in entries:
        kind, _, ident = entry.author.partition(":")
        user = users.get(int(ident)) if kind == "user" and ident.isdigit() else None
        if user is not None and user.id == principal.user_id:
            names[entry.author] = "You"
        elif user is not None and user.role == Role.CUSTOMER.value:
            names[entry.author] = user.display_name
        elif user is not None:
            # Staff by role: the API keeps agents' names from customers too.
            names[entry.author] = f"{brand} {ROLE_NAMES[Role(user.role)].lower()}"
        else:
            names[entry.author] = brand
    return names


def customer_timeline(
    uow: UnitOfWork, ticket: Ticket, principal: Principal, *, brand: str, cursor: str | None
) -> tuple[list[Entry], str | None]:
    """The case's entries a customer may read (never an internal one), oldest first."""
    query = select(TicketUpdate).where(
        TicketUpdate.ticket_id == ticket.id, TicketUpdate.internal.is_(False)
    )
    rows, next_cursor = fetch_page(
        uow, query, TicketUpdate.id, limit=ENTRIES_PER_PAGE, cursor=cursor
    )
    names = _authors(uow, rows, principal, brand)
    entries = [
        Entry(
            ENTRY_TITLES.get(row.kind, "Update"),
            names[row.author],
            row.at,
            None if row.kind == UpdateKind.ASSIGNMENT.value else row.body,
        )
        for row in rows
    ]
    return entries, next_cursor


def _home(uow: UnitOfWork, principal: Principal, cursor: str | None) -> dict[str, Any]:
    account_id = account_of(principal)
    cases, next_cursor = fetch_page(
        uow,
        select(Ticket).where(Ticket.account_id == account_id),
        Ticket.id,
        limit=CASES_PER_PAGE,
        cursor=cursor,
    )
    return {
        "cases": cases,
        "next_cursor": next_cursor,
        "callbacks": upcoming(uow, account_id=account_id),
        "zone": customer_zone(uow, account_id=account_id),
        "tones": STATUS_TONES,
        "status_text": status_text,
        "callback_status": CALLBACK_STATUS_TEXT,
    }


@router.get("/portal")
def portal_home(
    request: Request,
    principal: SignedCustomer,
    uow: UoW,
    cursor: Cursor = None,
    requested: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    cancelled: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    context = _home(uow, principal, cursor)
    context.update(requested=requested, cancelled=cancelled)
    return render(request, "portal/home.html", context)


@router.get("/portal/cases")
def portal_cases(
    request: Request, principal: SignedCustomer, uow: UoW, cursor: Cursor = None
) -> Response:
    """The list of my cases (htmx refreshes it when a case changes)."""
    return render(request, "portal/_cases.html", _home(uow, principal, cursor))


@router.get("/portal/callbacks")
def portal_callbacks(request: Request, principal: SignedCustomer, uow: UoW) -> Response:
    """My callbacks still to come (htmx refreshes them when one changes)."""
    return render(request, "portal/_callbacks.html", _home(uow, principal, None))


def _case(
    request: Request, uow: UnitOfWork, principal: Principal, ref: str, cursor: str | None
) -> dict[str, Any]:
    ticket = get_ticket(uow, ref=ref, within_account=account_of(principal))
    brand = request.app.state.settings.brand_name
    entries, next_cursor = customer_timeline(uow, ticket, principal, brand=brand, cursor=cursor)
    return {
        "case": ticket,
        "entries": entries,
        "next_cursor": next_cursor,
        "zone": customer_zone(uow, account_id=ticket.account_id),
        "tones": STATUS_TONES,
        "status_text": status_text,
        "max_comment": MAX_COMMENT,
    }


@router.get("/portal/cases/{ref}")
def portal_case(
    request: Request, ref: CaseRef, principal: SignedCustomer, uow: UoW, cursor: Cursor = None
) -> Response:
    return render(request, "portal/case.html", _case(request, uow, principal, ref, cursor))


@router.get("/portal/cases/{ref}/timeline")
def portal_case_timeline(
    request: Request, ref: CaseRef, principal: SignedCustomer, uow: UoW, cursor: Cursor = None
) -> Response:
    """The case's timeline (htmx refreshes it when the case changes)."""
    return render(request, "portal/_timeline.html", _case(request, uow, principal, ref, cursor))


@router.post("/portal/cases/{ref}/comments")
def portal_comment(
    request: Request,
    ref: CaseRef,
    principal: SignedCustomer,
    uow: UoW,
    body: Annotated[str, Form(max_length=MAX_COMMENT)] = "",
) -> Response:
    ticket = get_ticket(uow, ref=ref, within_account=account_of(principal))
    try:
        add_update(uow, actor=principal.actor, ticket=ticket, body=body, kind=UpdateKind.COMMENT)
    except ValidationFailed as exc:
        # An empty comment, or one holding a secret (a PIN, a card number): said by the form,
        # which does not hand the text back (a secret never appears on a page).
        uow.session.rollback()
        context = _case(request, uow, principal, ref, None)
        context["comment_error"] = exc.detail[:1].upper() + exc.detail[1:]
        return render(request, "portal/case.html", context, status_code=422)
    return see_other(f"/portal/cases/{ticket.case_number}#timeline")
