"""A call as the caller hears it: the last thing said, the choices open now and, once the walk
has ended, where it went. Read by the API and by the phone page alike."""

from __future__ import annotations

from sqlalchemy import select

from caredesk.callbacks.models import Callback
from caredesk.db.session import UnitOfWork
from caredesk.inbound.models import IvrWalk, WalkPhase
from caredesk.inbound.offers import QUEUE_OFFER
from caredesk.inbound.schemas import (
    CallDetailRead,
    CallRead,
    ChoiceRead,
    OutcomeRead,
    StepRead,
    WaitRead,
)
from caredesk.inbound.voicemail import END_DIGIT
from caredesk.inbound.walks import last_step, walk_steps
from caredesk.inbound.words import ACCEPT_DIGIT, DECLINE_DIGIT
from caredesk.interactions.models import Interaction
from caredesk.routing.config import RoutingConfig
from caredesk.tickets.models import Ticket


def _title(routing: RoutingConfig, queue: str | None) -> str | None:
    found = routing.queues.get(queue) if queue else None
    return found.title if found else None


def choices(routing: RoutingConfig, walk: IvrWalk) -> list[ChoiceRead]:
    if walk.phase == WalkPhase.OFFER.value:
        return [
            ChoiceRead(
                digit=ACCEPT_DIGIT,
                keywords=["call me back"],
                leads_to="accept",
                target=None,
                title=None,
            ),
            ChoiceRead(
                digit=DECLINE_DIGIT,
                keywords=["hold"],
                leads_to="decline",
                target=None,
                title=None,
            ),
        ]
    if walk.phase == WalkPhase.VOICEMAIL.value:
        return [
            ChoiceRead(
                digit=None, keywords=["your message"], leads_to="message", target=None, title=None
            ),
            ChoiceRead(digit=END_DIGIT, keywords=[], leads_to="end", target=None, title=None),
        ]
    menu = routing.ivr.menus.get(walk.menu)
    if walk.phase == WalkPhase.ENDED.value or menu is None:
        return []
    found = []
    for option in menu.options:
        if option.next is not None:
            leads_to, target = "menu", option.next
        elif option.queue is not None:
            leads_to, target = "queue", option.queue
        else:
            assert option.action is not None
            leads_to, target = option.action.value, None
        found.append(
            ChoiceRead(
                digit=option.digit,
                keywords=list(option.keywords),
                leads_to=leads_to,
                target=target,
                title=_title(routing, option.queue),
            )
        )
    return found


def outcome(uow: UnitOfWork, routing: RoutingConfig, walk: IvrWalk) -> OutcomeRead | None:
    if walk.phase == WalkPhase.MENU.value or walk.queue is None:
        return None
    told = walk.announcement
    wait = WaitRead(seconds=walk.estimate_seconds, **told) if told is not None else None
    callback = uow.session.get(Callback, walk.callback_id) if walk.callback_id else None
    interaction = uow.session.get(Interaction, walk.interaction_id)
    ticket_id = interaction.ticket_id if interaction is not None else None
    case = uow.session.scalar(select(Ticket.case_number).where(Ticket.id == ticket_id))
    pending = "queued" if walk.offer == QUEUE_OFFER else "closed"
    return OutcomeRead(
        outcome=walk.outcome or pending,
        queue=walk.queue,
        queue_title=_title(routing, walk.queue),
        chosen_queue=walk.chosen_queue,
        reason=walk.route_reason,
        priority=walk.priority,
        after_hours_action=walk.after_hours_action,
        overflow_rule=walk.overflow_rule,
        estimated_wait=wait,
        answered_at=walk.answered_at,
        waited_seconds=walk.waited_seconds,
        callback_offered=walk.offer is not None,
        callback_id=walk.callback_id,
        callback_status=callback.status if callback else None,
        callback_due_at=callback.due_at if callback else None,
        callback_rules=walk.callback_rules or [],
        case=case,
    )


def call_view(
    uow: UnitOfWork, routing: RoutingConfig, walk: IvrWalk, *, with_steps: bool = False
) -> CallRead:
    interaction = uow.session.get(Interaction, walk.interaction_id)
    assert interaction is not None
    fields = {
        "id": walk.interaction_id,
        "interaction_id": walk.interaction_id,
        "account_id": interaction.account_id,
        "phase": walk.phase,
        "menu": walk.menu,
        "language": walk.language,
        "say": last_step(uow, walk).said,
        "choices": choices(routing, walk),
        "result": outcome(uow, routing, walk),
        "started_at": walk.started_at,
        "ended_at": walk.ended_at,
        "call_ended_at": interaction.ended_at,
        "disposition": interaction.disposition,
    }
    if not with_steps:
        return CallRead(**fields)
    steps = [StepRead.model_validate(step) for step in walk_steps(uow, walk)]
    return CallDetailRead(**fields, steps=steps)
