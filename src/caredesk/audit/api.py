"""`/v1/audit-events`: the audit trail, read by leaders, paged like every list."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query

from caredesk.audit import service
from caredesk.audit.models import AuditEvent
from caredesk.db.paging import MAX_LIMIT, fetch_page
from caredesk.schemas import Output
from caredesk.web.deps import Leader, UoW
from caredesk.web.pagination import Page

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


@router.get("/v1/audit-events", response_model=Page[AuditEventRead])
def list_audit_events(
    principal: Leader,
    uow: UoW,
    subject_type: str | None = Query(default=None, max_length=40),
    subject_id: str | None = Query(default=None, max_length=64),
    action: str | None = Query(default=None, max_length=80),
    limit: int = Query(default=50, ge=1, le=MAX_LIMIT),
    cursor: str | None = Query(default=None, max_length=200, description="next_cursor of a page."),
) -> dict[str, Any]:
    """The audit trail, oldest first. No endpoint changes or deletes it."""
    query = service.events_query(subject_type=subject_type, subject_id=subject_id, action=action)
    items, next_cursor = fetch_page(uow, query, AuditEvent.id, limit=limit, cursor=cursor)
    return {"items": items, "next_cursor": next_cursor}
