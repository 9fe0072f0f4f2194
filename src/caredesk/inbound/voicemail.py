"""Voicemail that becomes a case: a caller whose queue is closed (or full) and whose action is
`voicemail` leaves a message, and the message opens a case on their account, tied to the call's
interaction. The phone sends the message as words (its transcription); a secret said in it (a
PIN, a card number) is masked before the case is written. Only a call on a known account is
asked for a message: a case belongs to an account."""

from __future__ import annotations

from datetime import datetime

from caredesk.audit.service import Actor
from caredesk.db.session import UnitOfWork
from caredesk.errors import ValidationFailed
from caredesk.inbound.models import IvrWalk, WalkOutcome, WalkPhase
from caredesk.inbound.offers import account_of, end_in
from caredesk.inbound.words import offer_words
from caredesk.interactions.models import Interaction
from caredesk.privacy import scrub_text
from caredesk.routing.config import RoutingConfig
from caredesk.routing.ivr import CallerInput, InputKind
from caredesk.tickets.service import DEFAULT_QUEUE, create_ticket, require_queue

END_DIGIT = "#"


def ask_for_message(uow: UnitOfWork, *, walk: IvrWalk, now: datetime) -> tuple[str, ...]:
    """The caller on a known account is asked for a message (the walk waits for it); another
    caller is told that none can be taken, and the walk ends. Returns the words to add."""
    if account_of(uow, walk) is None:
        end_in(walk, WalkOutcome.CLOSED, now)
        return (offer_words(walk.language, "voicemail_unknown"),)
    walk.phase, walk.misses = WalkPhase.VOICEMAIL.value, 0
    return ()


def _case_queue(queue: str | None) -> str:
    try:
        return require_queue(queue or DEFAULT_QUEUE)
    except ValidationFailed:
        return DEFAULT_QUEUE


def take_message(
    uow: UnitOfWork,
    *,
    actor: Actor,
    routing: RoutingConfig,
    walk: IvrWalk,
    given: CallerInput,
    now: datetime,
) -> tuple[bool, tuple[str, ...]]:
    """The caller's message (words) opens a case; `#` or silence past the replays ends the call
    without one; anything else asks again. Returns whether the input was understood and the
    words said."""
    language = walk.language
    if given.kind is InputKind.KEYWORD:
        interaction = uow.session.get(Interaction, walk.interaction_id)
        assert interaction is not None and interaction.account_id is not None
        queue = routing.queues.get(walk.queue or "")
        title = queue.title if queue is not None else (walk.queue or "care")
        ticket = create_ticket(
            uow,
            actor=actor,
            account_id=interaction.account_id,
            subject=f"Voicemail for {title}"[:200],
            description=(
                f"Voicemail left from {interaction.from_address} at {now.isoformat()}:\n\n"
                f"{scrub_text(given.value)}"
            ),
            queue=_case_queue(walk.queue),
        )
        interaction.ticket_id = ticket.id
        end_in(walk, WalkOutcome.CLOSED, now)
        return True, (offer_words(language, "voicemail_taken").format(case=ticket.case_number),)
    if given.kind is InputKind.DIGIT and given.value == END_DIGIT:
        end_in(walk, WalkOutcome.CLOSED, now)
        return True, (offer_words(language, "declined"),)
    walk.misses += 1
    if walk.misses > routing.ivr.max_replays:
        end_in(walk, WalkOutcome.CLOSED, now)
        return False, (offer_words(language, "declined"),)
    return False, (offer_words(language, "voicemail_again"),)
