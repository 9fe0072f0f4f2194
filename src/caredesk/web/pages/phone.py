"""The phone page, for demonstrations: a caller's keypad in the browser. It places an inbound
call and walks the IVR menus through the same use cases as the API (`caredesk.inbound`), so the
walk is recorded on the call's interaction exactly as a real call's would be; the page shows
what the caller hears, the choices, and where the call went (queue, wait, callback offer).

A customer calls from one of their own numbers (the call is on their account); staff call from
any number (the call is put on the account the number belongs to, if one). Without scripts the
keypad is a plain form whose answer is the page again; with htmx only the call panel is
swapped."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Path, Query, Request, Response
from sqlalchemy import select

from caredesk.accounts.models import ContactKind, ContactPoint, Person
from caredesk.db.session import UnitOfWork
from caredesk.errors import DomainError, PermissionDenied
from caredesk.inbound import walks
from caredesk.inbound.announcements import wait_now
from caredesk.inbound.hangup import hang_up
from caredesk.inbound.views import call_view
from caredesk.routing.config import RoutingConfig
from caredesk.schemas import MAX_ID
from caredesk.users.models import Role
from caredesk.web.deps import Principal, UoW
from caredesk.web.pages.desk_support import runtime_of
from caredesk.web.pages.rendering import NavItem, add_nav, is_htmx, render
from caredesk.web.pages.routing import SignedIn, page_router, see_other

router = page_router()
add_nav(NavItem("Phone", "/phone", frozenset(Role)), before="/docs")
CallId = Annotated[int, Path(ge=1, le=MAX_ID)]
KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#")
DEMO_NUMBER = "+14155550123"


def routing_of(request: Request) -> RoutingConfig:
    routing: RoutingConfig = request.app.state.routing
    return routing


def _own_numbers(uow: UnitOfWork, principal: Principal) -> list[str]:
    if principal.is_staff or principal.account_id is None:
        return []
    return list(
        uow.session.scalars(
            select(ContactPoint.value)
            .join(Person, Person.id == ContactPoint.person_id)
            .where(
                Person.account_id == principal.account_id,
                ContactPoint.kind == ContactKind.PHONE.value,
            )
            .order_by(ContactPoint.id)
        )
    )


def _context(
    request: Request, uow: UnitOfWork, principal: Principal, call_id: int | None
) -> dict[str, Any]:
    routing = routing_of(request)
    call = None
    if call_id is not None:
        walk = walks.load_walk(uow, call_id=call_id, within_account=principal.account_scope)
        call = call_view(uow, routing, walk, with_steps=True)
    numbers = _own_numbers(uow, principal)
    return {
        "call": call,
        "keys": KEYS,
        "numbers": numbers,
        "number": numbers[0] if numbers else DEMO_NUMBER,
        "languages": routing.languages,
        "error": None,
        "wait_now": None,
    }


def _answer(request: Request, context: dict[str, Any], status_code: int = 200) -> Response:
    if is_htmx(request):
        # htmx swaps in no 4xx answer: the panel with its error notice must come back as 200
        # to be shown (a form post without scripts gets the real status).
        return render(request, "phone/_call.html", context)
    return render(request, "phone/phone.html", context, status_code=status_code)


@router.get("/phone")
def phone(
    request: Request,
    principal: SignedIn,
    uow: UoW,
    call: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
) -> Response:
    return render(request, "phone/phone.html", _context(request, uow, principal, call))


@router.post("/phone/calls")
def place_call(
    request: Request,
    principal: SignedIn,
    uow: UoW,
    number: Annotated[str, Form(max_length=32)],
    language: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    context = _context(request, uow, principal, None)
    if not principal.is_staff and number not in context["numbers"]:
        raise PermissionDenied("call from one of your own numbers", field="number")
    try:
        walk = walks.start_call(
            uow,
            actor=principal.actor,
            routing=routing_of(request),
            number=number,
            language=language or None,
            account_id=None if principal.is_staff else principal.account_id,
            find_account=principal.is_staff,
        )
    except DomainError as exc:
        uow.session.rollback()
        context.update(number=number, error=exc.detail)
        return _answer(request, context, exc.status)
    if not is_htmx(request):
        return see_other(f"/phone?call={walk.interaction_id}")
    return _answer(request, _context(request, uow, principal, walk.interaction_id))


@router.post("/phone/calls/{call_id}/input")
def press(
    request: Request,
    call_id: CallId,
    principal: SignedIn,
    uow: UoW,
    digit: Annotated[str, Form(max_length=1)] = "",
    words: Annotated[str, Form(max_length=500)] = "",
    event: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    move = walks.CallerMove(digit=digit or None, words=words or None, event=event or None)
    try:
        walks.take_input(
            uow,
            actor=principal.actor,
            routing=routing_of(request),
            runtime=runtime_of(request),
            call_id=call_id,
            move=move,
            within_account=principal.account_scope,
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        uow.session.rollback()
        context = _context(request, uow, principal, call_id)
        context["error"] = exc.detail[:1].upper() + exc.detail[1:]
        return _answer(request, context, exc.status)
    if not is_htmx(request):
        return see_other(f"/phone?call={call_id}")
    return _answer(request, _context(request, uow, principal, call_id))


@router.post("/phone/calls/{call_id}/hangup")
def hangup(request: Request, call_id: CallId, principal: SignedIn, uow: UoW) -> Response:
    hang_up(
        uow,
        actor=principal.actor,
        routing=routing_of(request),
        call_id=call_id,
        within_account=principal.account_scope,
    )
    if not is_htmx(request):
        return see_other(f"/phone?call={call_id}")
    return _answer(request, _context(request, uow, principal, call_id))


@router.get("/phone/calls/{call_id}/wait")
def how_long(request: Request, call_id: CallId, principal: SignedIn, uow: UoW) -> Response:
    """The caller asks how long now: the call panel with the estimate told again."""
    found = wait_now(
        uow, routing=routing_of(request), call_id=call_id, within_account=principal.account_scope
    )
    context = _context(request, uow, principal, call_id)
    context["wait_now"] = found
    context["wait_words"] = found.estimate.announcement.words(found.walk.language)
    template = "phone/_call.html" if is_htmx(request) else "phone/phone.html"
    return render(request, template, context)
