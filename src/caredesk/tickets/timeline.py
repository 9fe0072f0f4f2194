"""A case's timeline: entries are only ever added. Comments, follow-ups and callback updates
come from people and other use cases; status changes, assignments, escalations and resolutions
are written by the lifecycle actions themselves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from caredesk.audit.service import Actor, record
from caredesk.db.paging import fetch_page
from caredesk.db.session import UnitOfWork
from caredesk.errors import Conflict, ValidationFailed
from caredesk.live import Audience, publish
from caredesk.privacy import is_secret_key, refuse_secrets
from caredesk.tickets.models import Ticket, TicketStatus, TicketUpdate, UpdateKind

# Kinds a person may add by hand; the others are written by the lifecycle actions themselves.
MANUAL_UPDATE_KINDS = frozenset(
    {UpdateKind.COMMENT, UpdateKind.FOLLOW_UP, UpdateKind.CALLBACK_UPDATE}
)


def write_timeline(
    uow: UnitOfWork,
    *,
    actor: Actor,
    ticket: Ticket,
    kind: UpdateKind,
    body: str,
    details: dict[str, Any] | None = None,
    internal: bool = False,
) -> TicketUpdate:
    now = uow.clock.now()
    entry = TicketUpdate(
        ticket_id=ticket.id,
        kind=kind.value,
        body=body,
        author=str(actor),
        internal=internal,
        details=details,
        at=now,
    )
    uow.session.add(entry)
    ticket.updated_at = now
    publish_ticket(
        uow,
        ticket,
        "ticket.comment" if kind is UpdateKind.COMMENT else "ticket.updated",
        internal=internal,
        update_kind=kind.value,
    )
    return entry


def publish_ticket(
    uow: UnitOfWork, ticket: Ticket, kind: str, *, internal: bool = False, **facts: Any
) -> None:
    """The live event of a change to a case, in its transaction: for every staff user and the
    assignee, and for the account's customers unless the change is internal."""
    publish(
        uow,
        kind,
        audience=Audience(
            account_id=None if internal else ticket.account_id,
            agent_id=ticket.assignee_id,
            staff=True,
        ),
        payload={
            "ticket_id": ticket.id,
            "case_number": ticket.case_number,
            "status": ticket.status,
            **({"internal": True} if internal else {}),
            **facts,
        },
    )


def _strings_in(value: Any, path: str) -> dict[str, str]:
    """Every string in structured details, keyed by where it sits; a key that names a secret
    (pin, ssn, card, ...) is refused outright, whatever its value looks like."""
    if isinstance(value, str):
        return {path: value}
    found: dict[str, str] = {}
    if isinstance(value, Mapping):
        for key, item in value.items():
            where = f"{path}.{key}"
            if is_secret_key(str(key)):
                raise ValidationFailed("details may not carry secrets", field=where)
            found.update(_strings_in(item, where))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found.update(_strings_in(item, f"{path}[{index}]"))
    return found


def add_update(
    uow: UnitOfWork,
    *,
    actor: Actor,
    ticket: Ticket,
    body: str,
    kind: UpdateKind = UpdateKind.COMMENT,
    details: dict[str, Any] | None = None,
    internal: bool = False,
) -> TicketUpdate:
    """Adds an entry to the case timeline: a comment, a follow-up, or a callback's findings,
    actions taken and new information (put those under ``details``)."""
    with uow.atomic():
        body = body.strip()
        if not body:
            raise ValidationFailed("an update needs a body", field="body")
        if kind not in MANUAL_UPDATE_KINDS:
            names = ", ".join(sorted(k.value for k in MANUAL_UPDATE_KINDS))
            raise ValidationFailed(
                f"{kind.value} entries are written by their own action; add one of: {names}",
                field="kind",
            )
        refuse_secrets({"body": body, **_strings_in(details or {}, "details")})
        if ticket.status == TicketStatus.CLOSED and kind != UpdateKind.COMMENT:
            raise Conflict(
                "a closed case takes comments only; reopen it to work on it", field="kind"
            )
        entry = write_timeline(
            uow,
            actor=actor,
            ticket=ticket,
            kind=kind,
            body=body,
            details=details,
            internal=internal,
        )
        uow.flush()
        record(
            uow,
            actor=actor,
            action="ticket.update_added",
            subject_type="ticket",
            subject_id=ticket.id,
            details={"update_id": entry.id, "kind": kind.value, "internal": internal},
        )
        return entry


def list_updates(
    uow: UnitOfWork,
    *,
    ticket: Ticket,
    include_internal: bool,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[TicketUpdate], str | None]:
    query = select(TicketUpdate).where(TicketUpdate.ticket_id == ticket.id)
    if not include_internal:
        query = query.where(TicketUpdate.internal.is_(False))
    return fetch_page(uow, query, TicketUpdate.id, limit=limit, cursor=cursor)
