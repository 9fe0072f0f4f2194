"""Use cases of a caller's IVR walk: start one (which records the inbound call as an
interaction), take the caller's next input, read a walk and its steps.

The menu decisions are `caredesk.routing.ivr`'s; this module keeps its state on the walk row and
records every step, each input with what the caller heard after it. A walk's call id is its
interaction's id. Inputs to one walk are taken one at a time (the walk row is locked), so two at
once cannot both be step 5."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from caredesk.accounts.models import ContactKind, ContactPoint, Line, Person
from caredesk.audit.service import Actor, record
from caredesk.callbacks.runtime import CallbackRuntime
from caredesk.db.session import UnitOfWork
from caredesk.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from caredesk.inbound import entry, offers, voicemail
from caredesk.inbound.models import MAX_INPUT, IvrStep, IvrWalk, WalkOutcome, WalkPhase
from caredesk.interactions.models import Channel, Direction, Interaction
from caredesk.interactions.service import create_interaction, normalise_address
from caredesk.privacy import scrub_text
from caredesk.routing import ivr
from caredesk.routing.config import RoutingConfig
from caredesk.routing.config_queues import AfterHoursAction
from caredesk.routing.ivr import CallerInput, InputKind, IvrState

EVENTS = {"no_input": InputKind.NO_INPUT, "invalid": InputKind.INVALID}
# Inputs racing for one walk on SQLite: more than a caller's two hands can send at once.
_TRIES = 8


@dataclass(frozen=True)
class CallerMove:
    """One input: a DTMF digit, spoken or typed words, or an event the phone reports (no input
    before the timeout, or speech it could not make out). Exactly one is given."""

    digit: str | None = None
    words: str | None = None
    event: str | None = None

    def as_input(self) -> CallerInput:
        given = [name for name in ("digit", "words", "event") if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValidationFailed("send exactly one of digit, words or event", field="digit")
        if self.digit is not None:
            if len(self.digit) != 1 or self.digit not in "0123456789*#":
                raise ValidationFailed("must be one of 0-9, * or #", field="digit")
            return CallerInput.digit(self.digit)
        if self.words is not None:
            if not self.words.strip():
                raise ValidationFailed("must hold some words", field="words")
            if len(self.words) > MAX_INPUT:
                raise ValidationFailed(f"must be at most {MAX_INPUT} characters", field="words")
            return CallerInput.words(self.words)
        if self.event not in EVENTS:
            raise ValidationFailed(f"must be one of {', '.join(EVENTS)}", field="event")
        return CallerInput(EVENTS[self.event])


def account_for_number(uow: UnitOfWork, number: str) -> int | None:
    """The one account with a line or a phone contact at `number`; None when none or several
    (a shared number cannot say whose call it is)."""
    holders = select(Person.account_id).join(ContactPoint, ContactPoint.person_id == Person.id)
    holders = holders.where(
        ContactPoint.kind == ContactKind.PHONE.value, ContactPoint.value == number
    )
    lines = select(Line.account_id).where(Line.msisdn == number)
    found = set(uow.session.scalars(holders)) | set(uow.session.scalars(lines))
    return found.pop() if len(found) == 1 else None


def _opening(routing: RoutingConfig, language: str | None) -> ivr.IvrStep:
    """The first prompt. A language given up front (a number dialled for it) is the caller's
    choice already made: the entry menu's option for that language is taken for them."""
    first = ivr.start(routing)
    if language is None:
        return first
    if language not in routing.languages:
        choices = ", ".join(routing.languages)
        raise ValidationFailed(f"must be one of {choices}", field="language")
    state = replace(first.state, language=language)
    entry = routing.ivr.menus[state.menu]
    for option in entry.options:
        if option.language == language and option.next is not None:
            state = replace(state, menu=option.next, trail=(entry.name,))
            break
    return ivr.IvrStep(state, (routing.ivr.menus[state.menu].prompt[language],))


def start_call(
    uow: UnitOfWork,
    *,
    actor: Actor,
    routing: RoutingConfig,
    number: str,
    language: str | None = None,
    account_id: int | None = None,
    find_account: bool = True,
) -> IvrWalk:
    """An inbound call from `number` starts its walk: the interaction (voice, inbound) and the
    greeting as step 0. The call is put on `account_id` or, with `find_account`, on the one
    account the number belongs to."""
    with uow.atomic():
        caller = normalise_address(number, channel=Channel.VOICE, field="number")
        assert caller is not None
        opening = _opening(routing, language)
        if account_id is None and find_account:
            account_id = account_for_number(uow, caller)
        interaction = create_interaction(
            uow,
            actor=actor,
            channel=Channel.VOICE,
            direction=Direction.INBOUND,
            account_id=account_id,
            from_address=caller,
        )
        now = uow.clock.now()
        walk = IvrWalk(
            interaction_id=interaction.id,
            phase=WalkPhase.MENU.value,
            menu=opening.state.menu,
            language=opening.state.language,
            misses=0,
            trail=list(opening.state.trail),
            steps_taken=0,
            priority=0,
            started_at=now,
        )
        uow.session.add(walk)
        uow.flush()
        add_step(uow, walk, menu=walk.menu, kind="start", value="", accepted=True, said=opening.say)
        record(
            uow,
            actor=actor,
            action="ivr.call_started",
            subject_type="interaction",
            subject_id=interaction.id,
            after={"language": walk.language, "menu": walk.menu, "account_id": account_id},
        )
        return walk


def add_step(
    uow: UnitOfWork,
    walk: IvrWalk,
    *,
    menu: str,
    kind: str,
    value: str,
    accepted: bool,
    said: tuple[str, ...] | list[str],
) -> IvrStep:
    row = IvrStep(
        walk_id=walk.id,
        seq=walk.steps_taken,
        at=uow.clock.now(),
        menu=menu,
        kind=kind,
        # A caller may say a PIN or a card number to a menu: it is never stored.
        value=scrub_text(value)[:MAX_INPUT] if kind == InputKind.KEYWORD.value else value,
        accepted=accepted,
        said=list(said),
        phase=walk.phase,
    )
    # The walk's guarded write goes first: an input that lost a race stops here (StaleDataError)
    # rather than on its step's number.
    walk.steps_taken += 1
    uow.flush()
    uow.session.add(row)
    return row


def load_walk(
    uow: UnitOfWork, *, call_id: int, within_account: int | None = None, for_update: bool = False
) -> IvrWalk:
    """The walk of call `call_id`. With `within_account`, a call on another account (or on
    none) is not found, exactly as a missing one."""
    query = select(IvrWalk).join(Interaction, Interaction.id == IvrWalk.interaction_id)
    query = query.where(IvrWalk.interaction_id == call_id)
    if within_account is not None:
        query = query.where(Interaction.account_id == within_account)
    if for_update:
        query = query.with_for_update(of=IvrWalk)
    walk = uow.session.scalar(query)
    if walk is None:
        raise NotFound(f"no IVR call with id {call_id}", field="call_id")
    if for_update:
        uow.session.refresh(walk)
    return walk


@dataclass(frozen=True)
class HeldCall:
    """A connected call, locked, and the agent who has it."""

    walk: IvrWalk
    interaction: Interaction
    agent_id: int


def held_call(uow: UnitOfWork, *, call_id: int, by_agent: int | None, unanswered: str) -> HeldCall:
    """Call `call_id` as the agent who has it may act on it: Conflict when it has ended or no
    agent has it yet (`unanswered` says what to do instead), PermissionDenied when `by_agent`
    is not the agent who has it (None: a leader acting for them)."""
    walk = load_walk(uow, call_id=call_id, for_update=True)
    interaction = uow.session.get(Interaction, walk.interaction_id)
    assert interaction is not None
    uow.session.refresh(interaction, with_for_update=True)
    if interaction.ended_at is not None:
        raise Conflict("this call has already ended", field="call_id")
    holder = interaction.agent_id
    if holder is None:
        raise Conflict(f"no agent has this call yet; {unanswered}", field="call_id")
    if by_agent is not None and holder != by_agent:
        raise PermissionDenied(f"call {call_id} is another agent's", field="call_id")
    return HeldCall(walk, interaction, holder)


def state_of(walk: IvrWalk) -> IvrState:
    return IvrState(
        menu=walk.menu,
        language=walk.language,
        misses=walk.misses,
        trail=tuple(walk.trail),
        finished=walk.phase == WalkPhase.ENDED.value,
    )


def take_input(
    uow: UnitOfWork,
    *,
    actor: Actor,
    routing: RoutingConfig,
    runtime: CallbackRuntime,
    call_id: int,
    move: CallerMove,
    within_account: int | None = None,
) -> IvrWalk:
    """The caller's next input to call `call_id`: the walk moves on and the step is recorded.
    A walk that has ended takes no more input (Conflict). Inputs sent at once are taken one
    after the other: PostgreSQL locks the walk's row; on SQLite, which has no row locks, the
    walk's write is guarded by its step count (`IvrWalk.steps_taken`, the row's version), and
    an input that lost the race is taken again on the walk as the other left it."""
    given = move.as_input()
    nested = uow.in_transaction
    for attempt in range(_TRIES):
        try:
            return _take(
                uow,
                actor=actor,
                routing=routing,
                runtime=runtime,
                call_id=call_id,
                given=given,
                within_account=within_account,
            )
        except StaleDataError:
            if nested or attempt == _TRIES - 1:
                raise Conflict(
                    "another input to this call was taken at the same moment; send it again",
                    field="call_id",
                ) from None
    raise AssertionError("unreachable")


def _take(
    uow: UnitOfWork,
    *,
    actor: Actor,
    routing: RoutingConfig,
    runtime: CallbackRuntime,
    call_id: int,
    given: CallerInput,
    within_account: int | None,
) -> IvrWalk:
    with uow.atomic():
        walk = load_walk(uow, call_id=call_id, within_account=within_account, for_update=True)
        if walk.phase == WalkPhase.ENDED.value:
            raise Conflict("this call's IVR walk has ended", field="call_id")
        interaction = uow.session.get(Interaction, walk.interaction_id)
        if interaction is not None and interaction.ended_at is not None:
            # Ended by staff (PATCH /v1/interactions) while the caller was in the menus.
            raise Conflict("this call has ended", field="call_id")
        now = uow.clock.now()
        if walk.phase == WalkPhase.OFFER.value:
            accepted, said = offers.answer_offer(
                uow, actor=actor, runtime=runtime, routing=routing, walk=walk, given=given, now=now
            )
            menu = "offer"
        elif walk.phase == WalkPhase.VOICEMAIL.value:
            accepted, said = voicemail.take_message(
                uow, actor=actor, routing=routing, walk=walk, given=given, now=now
            )
            menu = "voicemail"
        else:
            menu = walk.menu
            accepted, said = _menu_step(uow, routing=routing, walk=walk, given=given, now=now)
        add_step(
            uow,
            walk,
            menu=menu,
            kind=given.kind.value,
            value=given.value,
            accepted=accepted,
            said=said,
        )
        if walk.phase == WalkPhase.ENDED.value:
            record(
                uow,
                actor=actor,
                action="ivr.walk_ended",
                subject_type="interaction",
                subject_id=walk.interaction_id,
                after={
                    "outcome": walk.outcome,
                    "queue": walk.queue,
                    "steps": walk.steps_taken,
                    "callback_id": walk.callback_id,
                },
            )
        return walk


def _menu_step(
    uow: UnitOfWork, *, routing: RoutingConfig, walk: IvrWalk, given: CallerInput, now: datetime
) -> tuple[bool, tuple[str, ...]]:
    try:
        moved = ivr.step(routing, state_of(walk), given, now)
    except ValueError as error:
        # The routing file changed under a live call (its menu or language is gone).
        raise Conflict(f"the walk cannot go on: {error}", field="call_id") from None
    state = moved.state
    walk.menu, walk.language, walk.misses = state.menu, state.language, state.misses
    walk.trail = list(state.trail)
    said = moved.say
    if moved.route is not None:
        route = moved.route
        walk.queue, walk.chosen_queue = route.queue, route.chosen_queue
        walk.route_reason, walk.priority = route.reason.value, route.priority
        said = (*said, *entry.enter_queue(uow, routing=routing, walk=walk, now=now))
    elif moved.closed is not None:
        closed = moved.closed
        walk.queue = walk.chosen_queue = closed.queue
        walk.after_hours_action, walk.priority = closed.action.value, closed.priority
        walk.route_reason = "closed"
        if closed.action is AfterHoursAction.CALLBACK:
            said = (*said, *offers.offer_after_hours(uow, walk=walk, now=now))
        elif closed.action is AfterHoursAction.VOICEMAIL:
            said = (*said, *voicemail.ask_for_message(uow, walk=walk, now=now))
        else:
            offers.end_in(walk, WalkOutcome.CLOSED, now)
    accepted = state.path[-1].accepted if state.path else False
    return accepted, said


def walk_steps(uow: UnitOfWork, walk: IvrWalk) -> list[IvrStep]:
    return list(
        uow.session.scalars(select(IvrStep).where(IvrStep.walk_id == walk.id).order_by(IvrStep.seq))
    )


def last_step(uow: UnitOfWork, walk: IvrWalk) -> IvrStep:
    step = uow.session.scalar(
        select(IvrStep).where(IvrStep.walk_id == walk.id).order_by(IvrStep.seq.desc()).limit(1)
    )
    assert step is not None, "every walk has its greeting"
    return step
