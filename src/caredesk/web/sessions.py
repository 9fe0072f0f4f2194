"""The browser pages' side of signing in: the session cookie, the principal it resolves to, and
the CSRF token every form and state-changing request must send back.

- The cookie is HttpOnly, SameSite=Lax, and Secure when the request came over https (directly
  or, behind a proxy, as ``X-Forwarded-Proto``/uvicorn's ``--proxy-headers`` report it).
- ``session_principal`` gives the same ``Principal`` the API builds from a bearer token
  (``caredesk.web.deps.principal_of``), so pages use the API's role checks:
  ``require_roles(Role.X, via=session_principal)``.
- CSRF: a signed-in session has its own token (stored with it); before sign-in, the sign-in
  form's token is a random value also set in a cookie (double submit). Forms send it as the
  ``csrf_token`` field, htmx as the ``X-CSRF-Token`` header; anything else is a 403.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request, Response
from starlette.datastructures import FormData

from caredesk.errors import PermissionDenied, Unauthenticated
from caredesk.security import constant_time_equal
from caredesk.users.sessions import SessionRules, SignedIn, find_session
from caredesk.web.deps import Principal, get_database, principal_of

SESSION_COOKIE = "caredesk_session"
PRESIGN_COOKIE = "caredesk_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SIGN_OUT = "/signout"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_CSRF_LENGTH = 100
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class SignInRequired(Unauthenticated):
    """No live session: a page sends the browser to sign in (caredesk.web.pages.routing)."""


def is_secure(request: Request) -> bool:
    return request.url.scheme == "https"


def session_rules(request: Request) -> SessionRules:
    return SessionRules.from_settings(request.app.state.settings)


def current_session(request: Request) -> SignedIn | None:
    """The request's live session, if its cookie names one (found once per request)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    # In a unit of work of its own, closed at once: the request's own unit of work takes a
    # connection only when its route reads, so a request waiting for a worker thread holds
    # none (held connections and waiting threads could otherwise wait on each other).
    with get_database(request).uow() as uow:
        signed = find_session(uow, token=token, rules=session_rules(request))
    request.state.signed_in = signed
    return signed


Session = Annotated[SignedIn | None, Depends(current_session)]


async def session_principal(signed: Session) -> Principal:
    """The signed-in principal of a page request; SignInRequired when there is none. (Async
    though it awaits nothing: FastAPI runs a plain function dependency in a worker thread,
    and the hop there and back costs more than this check.)"""
    if signed is None:
        raise SignInRequired("sign in to see this page", field="session")
    return principal_of(signed.user)


def optional_principal(signed: Session) -> Principal | None:
    return principal_of(signed.user) if signed is not None else None


def presign_token(request: Request) -> str:
    """The sign-in form's CSRF token: the one its cookie already holds, or a new one (the
    page sets the cookie with ``set_presign_cookie``)."""
    current = request.cookies.get(PRESIGN_COOKIE)
    if current and len(current) <= MAX_CSRF_LENGTH:
        return current
    return secrets.token_urlsafe(32)


def is_form(request: Request) -> bool:
    return request.headers.get("content-type", "").startswith(FORM_TYPES)


async def read_form(request: Request) -> FormData:
    """The posted form, parsed once per request (FastAPI has already parsed it when the route
    takes form fields; the request keeps it)."""
    return await request.form()


def expected_csrf(request: Request, signed: SignedIn | None) -> str | None:
    if signed is not None:
        return signed.csrf_token
    return request.cookies.get(PRESIGN_COOKIE)


async def check_csrf(request: Request, signed: Session) -> None:
    """A dependency of every page route: a state-changing request must carry the token."""
    if request.method in SAFE_METHODS:
        return
    if signed is None and request.url.path == SIGN_OUT:
        # Signing out of a session that has already ended changes nothing to protect.
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and is_form(request):
        value = (await read_form(request)).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    expected = expected_csrf(request, signed)
    if (
        not sent
        or not expected
        or len(sent) > MAX_CSRF_LENGTH
        or not constant_time_equal(sent, expected)
    ):
        raise PermissionDenied(
            "the form's security token is missing or out of date; reload the page and try again",
            field=CSRF_FIELD,
        )


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    rules = session_rules(request)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(rules.lifetime.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_secure(request),
    )


def clear_session_cookie(response: Response, request: Request) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=is_secure(request)
    )


def set_presign_cookie(response: Response, request: Request, token: str) -> None:
    response.set_cookie(
        PRESIGN_COOKIE,
        token,
        max_age=2 * 60 * 60,
        path="/",
        httponly=True,
        samesite="lax",
        secure=is_secure(request),
    )
