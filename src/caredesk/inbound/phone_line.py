"""The phone line: a SIP trunk's callers walk the IVR through the same use cases as the HTTP walk
(`walks.start_call`, `walks.take_input`, `hangup.hang_up`), so every step is recorded on the
call's interaction exactly as for the /phone page. Implements the SIP server's `PhoneMenu`."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from caredesk.audit.service import Actor
from caredesk.callbacks.runtime import CallbackRuntime
from caredesk.channels.voice.sip.menu import CallerRefused, MenuAnswer
from caredesk.db.session import Database, UnitOfWork
from caredesk.errors import Conflict, ValidationFailed
from caredesk.inbound import walks
from caredesk.inbound.hangup import hang_up
from caredesk.inbound.models import IvrWalk
from caredesk.interactions.models import Interaction
from caredesk.routing.config import RoutingConfig

ACTOR = Actor.system("sip")
_VISUAL = str.maketrans("", "", "-.() ")


def e164_of(user: str) -> str:
    """A caller id as trunks send it (`+14155550123`, `14155550123`, `4155550123`,
    `011 44...`, `+1-415-555-0123`) in E.164 form: national numbers are read as North
    American, as the rest of caredesk reads them. Still to be checked as a real number."""
    number = user.translate(_VISUAL)
    if number.startswith("+"):
        return number
    if not number.isdigit():
        raise CallerRefused("the caller id is not a phone number")
    for prefix in ("011", "00"):
        if number.startswith(prefix):
            return "+" + number[len(prefix) :]
    if len(number) == 11 and number.startswith("1"):
        return "+" + number
    if len(number) == 10:
        return "+1" + number
    return "+" + number


def _answer(uow: UnitOfWork, walk: IvrWalk) -> MenuAnswer:
    interaction = uow.session.get(Interaction, walk.interaction_id)
    step = walks.last_step(uow, walk)
    return MenuAnswer(
        call_id=walk.interaction_id,
        say=tuple(step.said),
        phase=walk.phase,
        outcome=walk.outcome,
        queue=walk.queue,
        accepted=step.accepted,
        call_ended=interaction is not None and interaction.ended_at is not None,
    )


class StoredPhoneMenu:
    """`PhoneMenu` on the store: one unit of work per event."""

    def __init__(self, db: Database, routing: RoutingConfig, runtime: CallbackRuntime) -> None:
        self._db = db
        self._routing = routing
        self._runtime = runtime

    @property
    def no_input_seconds(self) -> float:
        return self._routing.ivr.no_input_seconds

    def start(self, *, number: str) -> MenuAnswer:
        caller = e164_of(number)
        with self._db.uow() as uow:
            try:
                walk = walks.start_call(uow, actor=ACTOR, routing=self._routing, number=caller)
            except ValidationFailed:
                raise CallerRefused("the caller id is not a valid phone number") from None
            return _answer(uow, walk)

    def _move(self, call_id: int, move: walks.CallerMove) -> MenuAnswer:
        with self._db.uow() as uow:
            try:
                walk = walks.take_input(
                    uow,
                    actor=ACTOR,
                    routing=self._routing,
                    runtime=self._runtime,
                    call_id=call_id,
                    move=move,
                )
            except Conflict:
                # The walk or the call has ended meanwhile: the answer says so, nothing moved.
                walk = walks.load_walk(uow, call_id=call_id)
                return replace(_answer(uow, walk), say=(), accepted=False)
            return _answer(uow, walk)

    def key(self, call_id: int, digit: str) -> MenuAnswer:
        return self._move(call_id, walks.CallerMove(digit=digit))

    def no_input(self, call_id: int) -> MenuAnswer:
        return self._move(call_id, walks.CallerMove(event="no_input"))

    def hang_up(self, call_id: int) -> MenuAnswer:
        with self._db.uow() as uow:
            try:
                walk = hang_up(uow, actor=ACTOR, routing=self._routing, call_id=call_id)
            except Conflict:
                walk = walks.load_walk(uow, call_id=call_id)
            return _answer(uow, walk)

    def ended(self, call_ids: list[int]) -> set[int]:
        if not call_ids:
            return set()
        with self._db.uow() as uow:
            query = select(Interaction.id).where(
                Interaction.id.in_(call_ids), Interaction.ended_at.is_not(None)
            )
            return set(uow.session.scalars(query))
