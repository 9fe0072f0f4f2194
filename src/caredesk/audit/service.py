"""Recording audit events. Every secret-looking key or value is scrubbed before it is stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from caredesk.audit.actor import Actor as Actor
from caredesk.audit.models import AuditEvent
from caredesk.db.session import UnitOfWork
from caredesk.privacy import scrub


def record(
    uow: UnitOfWork,
    *,
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: object,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        at=uow.clock.now(),
        actor=str(actor),
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        before=scrub(before) if before is not None else None,
        after=scrub(after) if after is not None else None,
        details=scrub(details) if details is not None else None,
    )
    uow.session.add(event)
    return event


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
