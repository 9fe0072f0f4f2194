"""What the callback routers share: path parameters, the callback runtime, and who acts."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request

from caredesk.callbacks.runtime import CallbackRuntime
from caredesk.db.paging import MAX_LIMIT
from caredesk.errors import PermissionDenied, ValidationFailed
from caredesk.policy import CallerRole
from caredesk.schemas import MAX_ID
from caredesk.users.models import Role
from caredesk.web.deps import Principal

CallbackId = Annotated[int, Path(ge=1, le=MAX_ID, description="The callback's id.")]
AttemptId = Annotated[int, Path(ge=1, le=MAX_ID, description="The attempt's id.")]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=64, description="next_cursor of the last page.")]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Send the same key again to get the same callback instead of a second one.",
    ),
]
_ROLES = {Role.LEADER: CallerRole.LEADER, Role.ADMIN: CallerRole.LEADER}


def get_runtime(request: Request) -> CallbackRuntime:
    runtime: CallbackRuntime = request.app.state.callbacks
    return runtime


Runtime = Annotated[CallbackRuntime, Depends(get_runtime)]


def caller_role(principal: Principal) -> CallerRole:
    if principal.role is Role.SPECIALIST:
        return CallerRole.SPECIALIST
    return _ROLES.get(principal.role, CallerRole.AGENT)


def acting_agent(principal: Principal, agent_id: int | None) -> int:
    """The agent a request acts as: the caller's own, or (for leaders) the one named."""
    if agent_id is None:
        if principal.agent_id is None:
            raise ValidationFailed("your user has no agent record; name agent_id", field="agent_id")
        return principal.agent_id
    if agent_id != principal.agent_id and not principal.is_leader:
        raise PermissionDenied("only a leader acts for another agent", field="agent_id")
    return agent_id
