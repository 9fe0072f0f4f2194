from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query

from caredesk.audit import service
from caredesk.audit.models import AuditEvent
from caredesk.schemas import MAX_ID, Output
from caredesk.web.deps import Leader, UoW

router = APIRouter(tags=["audit"])


class AuditEventRead(Output):
    id: int
    at: datetime
    actor: str
    action: str
    subject_type: str
    subject_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    details: dict[str, Any] | None


@router.get("/v1/audit-events", response_model=list[AuditEventRead])
def list_audit_events(
    principal: Leader,
    uow: UoW,
    subject_type: str | None = Query(default=None, max_length=40),
    subject_id: str | None = Query(default=None, max_length=64),
    action: str | None = Query(default=None, max_length=80),
    after_id: int | None = Query(default=None, ge=0, le=MAX_ID),
    limit: int = Query(default=50, ge=1, le=200),
) -> list[AuditEvent]:
    """The audit trail, oldest first; page with `after_id`. No endpoint changes or deletes it."""
    return service.list_events(
        uow,
        subject_type=subject_type,
        subject_id=subject_id,
        action=action,
        after_id=after_id,
        limit=limit,
    )
