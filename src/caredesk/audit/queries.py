"""Reading the audit trail: no scrubbing, no policy code, only the events' table."""

from __future__ import annotations

from sqlalchemy import Select, select

from caredesk.audit.models import AuditEvent


def events_query(
    *,
    subject_type: str | None = None,
    subject_id: str | None = None,
    action: str | None = None,
) -> Select[AuditEvent]:
    """Audit events matching every filter given (paged oldest first by the caller)."""
    query = select(AuditEvent)
    if subject_type:
        query = query.where(AuditEvent.subject_type == subject_type)
    if subject_id:
        query = query.where(AuditEvent.subject_id == subject_id)
    if action:
        query = query.where(AuditEvent.action == action)
    return query
