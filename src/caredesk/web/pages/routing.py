"""How a page route is declared: ``page_router()`` gives an APIRouter whose routes

- stay out of the OpenAPI document (they are HTML, not API; tests/api/test_route_access.py
  lists them in its ACCESS table all the same);
- check the CSRF token of every state-changing request (caredesk.web.sessions.check_csrf);
- answer a domain error as an HTML page with the same status (404 stays 404, so a record out
  of reach looks exactly like a missing one), and a missing session by sending the browser to
  sign in (htmx requests get ``HX-Redirect``).

Guard a route with the same dependencies as the API, taking the principal from the session:
``principal: SignedCustomer`` (or ``Annotated[Principal, Depends(require_roles(..., via=
session_principal))]``)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from caredesk.errors import DomainError, ValidationFailed
from caredesk.users.models import LEADER_ROLES, STAFF_ROLES, Role
from caredesk.web.deps import Principal, require_roles
from caredesk.web.guards import CONTROL_MESSAGE, has_control_characters
from caredesk.web.pages.rendering import is_htmx, render, secure_page
from caredesk.web.sessions import (
    SAFE_METHODS,
    SignInRequired,
    check_csrf,
    is_form,
    read_form,
    session_principal,
)

log = logging.getLogger("caredesk.web")
SIGN_IN = "/signin"
MAX_NEXT = 500

ERROR_TITLES = {
    400: "That request could not be read",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    409: "That could not be done now",
    422: "Please check what you entered",
    429: "Too many attempts",
}


def safe_next(target: str | None) -> str | None:
    """A local path to return to after signing in; anything else (another host, a scheme,
    ``//evil``) is dropped."""
    if not target or len(target) > MAX_NEXT or not target.startswith("/"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//") or "\\" in target:
        return None
    return target


def sign_in_url(request: Request) -> str:
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{SIGN_IN}?next={quote(here, safe='/')}"


def see_other(url: str) -> RedirectResponse:
    """After a form post: the browser GETs ``url`` (303), so a reload does not post again."""
    return RedirectResponse(url, status_code=303)


def _error_page(request: Request, status: int, detail: str, field: str | None) -> Response:
    headers = {"Retry-After": "60"} if status == 429 else None
    return render(
        request,
        "errors/error.html",
        {
            "status": status,
            "title": ERROR_TITLES.get(status, "Something went wrong"),
            "detail": detail,
            "field": field,
        },
        status_code=status,
        headers=headers,
    )


class PageRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return secure_page(await handler(request))
            except SignInRequired:
                target = sign_in_url(request) if request.method == "GET" else SIGN_IN
                if is_htmx(request):
                    return Response(status_code=401, headers={"HX-Redirect": target})
                return see_other(target)
            except DomainError as exc:
                return _error_page(request, exc.status, exc.detail, exc.field)
            except RequestValidationError as exc:
                first: dict[str, Any] = next(iter(exc.errors()), {})
                where = ".".join(str(part) for part in first.get("loc", ())[1:]) or None
                return _error_page(request, 422, str(first.get("msg", "is invalid")), where)

        return page_handler


async def check_form_fields(request: Request) -> None:
    """Form fields pass the API's rule for JSON strings: no NUL or other control character."""
    if request.method in SAFE_METHODS or not is_form(request):
        return
    for name, value in (await read_form(request)).multi_items():
        if isinstance(value, str) and has_control_characters(value):
            raise ValidationFailed(CONTROL_MESSAGE, field=name)


def page_router() -> APIRouter:
    return APIRouter(
        route_class=PageRoute,
        include_in_schema=False,
        dependencies=[Depends(check_csrf), Depends(check_form_fields)],
    )


SignedIn = Annotated[Principal, Depends(session_principal)]
SignedCustomer = Annotated[Principal, Depends(require_roles(Role.CUSTOMER, via=session_principal))]
SignedStaff = Annotated[Principal, Depends(require_roles(*STAFF_ROLES, via=session_principal))]
SignedLeader = Annotated[Principal, Depends(require_roles(*LEADER_ROLES, via=session_principal))]
