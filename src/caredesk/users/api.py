"""`/v1/auth/token`, `/v1/me` and `/v1/users`: logging in, who am I, and the users."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, status

from caredesk.db.paging import MAX_LIMIT, fetch_page
from caredesk.users import service
from caredesk.users.models import User
from caredesk.users.schemas import LoginRequest, TokenCreate, TokenIssued, UserCreate, UserRead
from caredesk.users.throttle import LoginLimits
from caredesk.web.deps import Admin, AnyUser, UoW
from caredesk.web.pagination import Page

router = APIRouter(tags=["users"])


@router.post("/v1/auth/token", response_model=TokenIssued, status_code=status.HTTP_201_CREATED)
def login(body: LoginRequest, uow: UoW, request: Request) -> service.IssuedToken:
    """Exchange a login and password for a bearer token valid for one day. Failed attempts are
    limited per login and per client address; past the limit the answer is 429 with
    Retry-After."""
    return service.login_with_password(
        uow,
        login=body.login,
        password=body.password,
        address=request.client.host if request.client else "unknown",
        limits=LoginLimits.from_settings(request.app.state.settings),
    )


@router.get("/v1/me", response_model=UserRead)
def me(principal: AnyUser, uow: UoW) -> User | None:
    return uow.session.get(User, principal.user_id)


@router.post("/v1/users", response_model=UserRead, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, principal: Admin, uow: UoW) -> User:
    return service.create_user(uow, actor=principal.actor, **body.model_dump())


@router.get("/v1/users", response_model=Page[UserRead])
def list_users(
    principal: Admin,
    uow: UoW,
    limit: int = Query(default=50, ge=1, le=MAX_LIMIT),
    cursor: str | None = Query(default=None, max_length=200, description="next_cursor of a page."),
) -> dict[str, Any]:
    items, next_cursor = fetch_page(uow, service.users_query(), User.id, limit=limit, cursor=cursor)
    return {"items": items, "next_cursor": next_cursor}


@router.post(
    "/v1/users/{login}/tokens", response_model=TokenIssued, status_code=status.HTTP_201_CREATED
)
def issue_token(
    login: Annotated[str, Path(max_length=80)],
    body: TokenCreate,
    principal: Admin,
    uow: UoW,
    request: Request,
) -> service.IssuedToken:
    """Issue a token for a user; its lifetime defaults to CAREDESK_TOKEN_TTL_DAYS."""
    user = service.get_user(uow, login=login)
    ttl = body.ttl_days or request.app.state.settings.token_ttl_days
    return service.issue_token(uow, actor=principal.actor, user=user, name=body.name, ttl_days=ttl)
