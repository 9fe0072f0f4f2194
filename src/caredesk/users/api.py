from __future__ import annotations

from fastapi import APIRouter, Request, status

from caredesk.users import service
from caredesk.users.models import User
from caredesk.users.schemas import LoginRequest, TokenCreate, TokenIssued, UserCreate, UserRead
from caredesk.web.deps import Admin, AnyUser, UoW

router = APIRouter(tags=["users"])


@router.post("/v1/auth/token", response_model=TokenIssued, status_code=status.HTTP_201_CREATED)
def login(body: LoginRequest, uow: UoW) -> service.IssuedToken:
    """Exchange a login and password for a bearer token valid for one day."""
    return service.login_with_password(uow, login=body.login, password=body.password)


@router.get("/v1/me", response_model=UserRead)
def me(principal: AnyUser, uow: UoW) -> User | None:
    return uow.session.get(User, principal.user_id)


@router.post("/v1/users", response_model=UserRead, status_code=status.HTTP_201_CREATED)
def create_user(body: UserCreate, principal: Admin, uow: UoW) -> User:
    return service.create_user(uow, actor=principal.actor, **body.model_dump())


@router.get("/v1/users", response_model=list[UserRead])
def list_users(principal: Admin, uow: UoW) -> list[User]:
    return service.list_users(uow)


@router.post(
    "/v1/users/{login}/tokens", response_model=TokenIssued, status_code=status.HTTP_201_CREATED
)
def issue_token(
    login: str, body: TokenCreate, principal: Admin, uow: UoW, request: Request
) -> service.IssuedToken:
    """Issue a token for a user; its lifetime defaults to CAREDESK_TOKEN_TTL_DAYS."""
    user = service.get_user(uow, login=login)
    ttl = body.ttl_days or request.app.state.settings.token_ttl_days
    return service.issue_token(uow, actor=principal.actor, user=user, name=body.name, ttl_days=ttl)
