"""Signing in and out of the pages, for every role, with the users the API knows. A wrong
password is counted and throttled exactly as for ``POST /v1/auth/token``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Query, Request, Response

from caredesk.errors import TooManyAttempts, Unauthenticated
from caredesk.users import service as users
from caredesk.users.sessions import end_session, start_session
from caredesk.users.throttle import LoginLimits
from caredesk.web.deps import UoW, principal_of
from caredesk.web.pages.rendering import HOME_FOR, render
from caredesk.web.pages.routing import MAX_NEXT, page_router, safe_next, see_other
from caredesk.web.sessions import (
    PRESIGN_COOKIE,
    SESSION_COOKIE,
    Session,
    clear_session_cookie,
    presign_token,
    set_presign_cookie,
    set_session_cookie,
)

router = page_router()


def _form(
    request: Request,
    *,
    next_url: str | None,
    login: str = "",
    error: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    token = presign_token(request)
    response = render(
        request,
        "auth/signin.html",
        {"next_url": next_url or "", "login": login, "error": error, "notice": notice},
        status_code=status_code,
        principal=None,
        csrf_token=token,
    )
    set_presign_cookie(response, request, token)
    return response


@router.get("/signin")
def sign_in_page(
    request: Request,
    signed: Session,
    next_url: Annotated[str | None, Query(alias="next", max_length=MAX_NEXT)] = None,
    signed_out: Annotated[bool, Query(alias="signed_out")] = False,
) -> Response:
    if signed is not None:
        return see_other(safe_next(next_url) or HOME_FOR[principal_of(signed.user).role])
    notice = "You have signed out." if signed_out else None
    return _form(request, next_url=safe_next(next_url), notice=notice)


@router.post("/signin")
def sign_in(
    request: Request,
    uow: UoW,
    login: Annotated[str, Form(max_length=80)],
    password: Annotated[str, Form(max_length=200)],
    next_url: Annotated[str, Form(alias="next", max_length=MAX_NEXT)] = "",
) -> Response:
    target = safe_next(next_url)
    try:
        user = users.authenticate(
            uow,
            login=login.strip(),
            password=password,
            address=request.client.host if request.client else "unknown",
            limits=LoginLimits.from_settings(request.app.state.settings),
        )
    except TooManyAttempts as exc:
        return _form(
            request,
            next_url=target,
            login=login,
            error=f"Too many failed sign-ins. Try again in {exc.retry_after} seconds.",
            status_code=429,
        )
    except Unauthenticated:
        return _form(
            request,
            next_url=target,
            login=login,
            error="The login or the password is wrong.",
            status_code=401,
        )
    # A session cookie the browser brought in is never carried over to the new sign-in.
    old = request.cookies.get(SESSION_COOKIE)
    with uow.atomic():
        if old:
            end_session(uow, token=old)
        opened = start_session(uow, user=user)
    response = see_other(target or HOME_FOR[principal_of(user).role])
    set_session_cookie(response, request, opened.token)
    response.delete_cookie(PRESIGN_COOKIE, path="/")
    return response


@router.post("/signout")
def sign_out(request: Request, uow: UoW) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        end_session(uow, token=token)
    response = see_other("/signin?signed_out=true")
    clear_session_cookie(response, request)
    return response
