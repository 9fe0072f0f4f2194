"""One callback as a leader drills down to it (``/lead/callbacks/{id}``): where it stands, its
timeline (every transition, offer and guided-call step), its dial attempts, its refusals with
each rule ID and sentence, and the messages it owes the customer. It refreshes itself when an
event of this callback arrives. A callback whose notice died has its message queued again here."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Request, Response
from sqlalchemy import select

from caredesk.accounts.models import Account
from caredesk.callbacks.attention import requeue_notice
from caredesk.callbacks.models import Callback, CallbackAttempt, CallbackEvent
from caredesk.callbacks.queries import attempts_query, events_query, get_callback
from caredesk.callbacks.records import Event
from caredesk.channels.models import OutboxMessage
from caredesk.db.paging import fetch_page
from caredesk.db.session import UnitOfWork
from caredesk.privacy import scrub_text
from caredesk.reports.refusals import explain
from caredesk.schemas import MAX_ID
from caredesk.web.deps import UoW
from caredesk.web.pages.lead_lists import MAX_ERROR, next_url
from caredesk.web.pages.lead_support import Cursor, agent_names, lead_page, leader_zone
from caredesk.web.pages.routing import SignedLeader, page_router, see_other

router = page_router()
CallbackId = Annotated[int, Path(ge=1, le=MAX_ID)]
EVENTS_PER_PAGE = 100
MAX_ATTEMPTS_SHOWN = 100


def _messages(uow: UnitOfWork, callback: Callback) -> list[tuple[str, OutboxMessage]]:
    owed = [
        ("Notice", callback.notification_message_id),
        ("Scheduling email", callback.scheduling_email_message_id),
    ]
    found = []
    for role, message_id in owed:
        row = uow.session.get(OutboxMessage, message_id) if message_id is not None else None
        if row is not None:
            found.append((role, row))
    return found


def _detail(
    request: Request, uow: UnitOfWork, callback_id: int, zone: str, cursor: str | None
) -> dict[str, Any]:
    callback = get_callback(uow, callback_id=callback_id)
    events, after = fetch_page(
        uow, events_query(callback_id=callback.id), CallbackEvent.id, limit=EVENTS_PER_PAGE,
        cursor=cursor,
    )  # fmt: skip
    attempts = list(
        uow.session.scalars(
            attempts_query(callback_id=callback.id)
            .order_by(CallbackAttempt.id)
            .limit(MAX_ATTEMPTS_SHOWN)
        )
    )
    refusals = list(
        uow.session.scalars(
            events_query(callback_id=callback.id)
            .where(CallbackEvent.kind == Event.REFUSED)
            .order_by(CallbackEvent.id)
        )
    )
    agents = agent_names(
        uow,
        [
            callback.owner_agent_id,
            callback.offered_to_agent_id,
            callback.requested_by_agent_id,
            *(attempt.agent_id for attempt in attempts),
        ],
    )
    account = uow.session.scalar(select(Account.number).where(Account.id == callback.account_id))
    return {
        "callback": callback,
        "account_number": account,
        "agents": agents,
        "events": events,
        "attempts": attempts,
        "refusals": [explain(event) for event in refusals],
        "messages": _messages(uow, callback),
        "zone": zone,
        "next_url": next_url(request, after),
        "error_text": lambda text: scrub_text(text or "")[:MAX_ERROR],
        "words": lambda value: (value or "").replace("_", " "),
    }


@router.get("/lead/callbacks/{callback_id}")
def lead_callback(
    request: Request,
    callback_id: CallbackId,
    principal: SignedLeader,
    uow: UoW,
    cursor: Cursor = None,
) -> Response:
    context = _detail(request, uow, callback_id, leader_zone(uow, principal), cursor)
    return lead_page(request, "lead/callback.html", "lead/_callback.html", context)


@router.post("/lead/callbacks/{callback_id}/requeue-notice")
def lead_requeue_notice(callback_id: CallbackId, principal: SignedLeader, uow: UoW) -> Response:
    """The dead notice (or scheduling email) of a callback needing attention, queued again."""
    requeue_notice(uow, actor=principal.actor, callback_id=callback_id)
    return see_other(f"/lead/callbacks/{callback_id}")
