"""Recording audit events. Every secret-looking key or value is scrubbed before it is stored.
Reading them is ``audit.queries``, whose query is named here too."""

from __future__ import annotations

from typing import Any

from caredesk.audit.actor import Actor as Actor
from caredesk.audit.models import AuditEvent
from caredesk.audit.queries import events_query as events_query
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
