"""What the agent desktop's pages share: the signed-in agent, the customer behind a callback as
a list shows it, the rules a refusal names, and how an action answers (an htmx fragment, or a
redirect after a plain form post)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any

from fastapi import Path, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from caredesk.accounts.models import Account, Person
from caredesk.agents.models import Agent
from caredesk.callbacks.models import Callback
from caredesk.callbacks.runtime import CallbackRuntime
from caredesk.db.session import UnitOfWork
from caredesk.errors import DomainError, ValidationFailed
from caredesk.policy import Decision, EffectiveZone
from caredesk.schemas import MAX_ID
from caredesk.users.sessions import SignedIn
from caredesk.web.deps import Principal
from caredesk.web.pages.rendering import is_htmx, local_time, templates
from caredesk.web.pages.routing import see_other

CallbackId = Annotated[int, Path(ge=1, le=MAX_ID)]
AccountId = Annotated[int, Path(ge=1, le=MAX_ID)]
CaseRef = Annotated[str, Path(min_length=1, max_length=40)]
Cursor = Annotated[str | None, Query(max_length=200)]

REASON_WORDS = {
    "dropped_call": "Dropped call",
    "device_unusable": "Device unusable",
    "device_troubleshooting": "Device troubleshooting",
    "ticket_update": "Case update",
    "ticket_troubleshooting": "Case troubleshooting",
    "email_request": "Email request",
    "shift_handoff": "Shift handoff",
    "queue_callback": "Queue callback",
    "customer_requested": "Customer asked for a call",
    "activation": "Activation",
    "sales": "Sales",
}


def words(value: str | None) -> str:
    """A stored value (``not_ready_follow_up``) as a person reads it."""
    return (value or "").replace("_", " ")


def reason_text(reason: str) -> str:
    return REASON_WORDS.get(reason, words(reason).capitalize())


def runtime_of(request: Request) -> CallbackRuntime:
    runtime: CallbackRuntime = request.app.state.callbacks
    return runtime


def desk_agent(uow: UnitOfWork, principal: Principal) -> Agent | None:
    """The signed-in user's agent record, as committed now (None for a user without one):
    one query, refreshing a copy the unit of work already holds. Their skills, which no desk
    page shows, are read only if asked for."""
    if principal.agent_id is None:
        return None
    return uow.session.scalar(
        select(Agent)
        .where(Agent.id == principal.agent_id)
        .options(lazyload(Agent.skill_rows))
        .execution_options(populate_existing=True)
    )


def desk_zone(request: Request) -> str:
    """The zone the signed-in agent reads times in (UTC for a user without an agent), as
    their session was found with it."""
    signed: SignedIn | None = getattr(request.state, "signed_in", None)
    zone = signed.user.time_zone if signed is not None else None
    return zone or "UTC"


def acting_agent_id(principal: Principal) -> int:
    """The agent an action on the desktop acts as: always the signed-in user's own."""
    if principal.agent_id is None:
        raise ValidationFailed(
            "your login is not tied to an agent, so it cannot take calls", field="agent_id"
        )
    return principal.agent_id


@dataclass(frozen=True)
class CallbackRow:
    """One callback as a list shows it: who it is for."""

    callback: Callback
    customer: str
    account_number: str


def callback_lists(uow: UnitOfWork, *lists: Sequence[Callback]) -> tuple[list[CallbackRow], ...]:
    """Each list of callbacks as rows, the customers' names and account numbers of them all
    read in one query (those columns only: a whole account or person would bring its lines,
    people and contact points with it)."""
    ids = {callback.id for group in lists for callback in group}
    found: dict[int, tuple[str, str]] = {}
    if ids:
        rows = uow.session.execute(
            select(Callback.id, Account.number, Person.first_name, Person.last_name)
            .outerjoin(Account, Account.id == Callback.account_id)
            .outerjoin(Person, Person.id == Callback.person_id)
            .where(Callback.id.in_(ids))
        )
        for callback_id, number, first, last in rows:
            name = f"{first} {last}" if first is not None else "Customer"
            found[callback_id] = (name, number or "")
    return tuple(
        [CallbackRow(callback, *found.get(callback.id, ("Customer", ""))) for callback in group]
        for group in lists
    )


@dataclass(frozen=True)
class RuleLine:
    rule_id: str
    sentence: str


def refusal_lines(exc: DomainError) -> list[RuleLine]:
    """The rules a refusal names, each with its sentence (the dial gate, a refused step, and
    the refusals named after catalogue rules all carry a decision); else its detail alone."""
    decision: dict[str, Any] = exc.extra.get("decision") or {}
    failed = decision.get("failed") or []
    lines = [
        RuleLine(str(item.get("rule_id", "")), str(item.get("sentence", "")))
        for item in failed
        if isinstance(item, dict)
    ]
    return lines or [RuleLine("", exc.detail)]


def next_allowed_text(decision: Decision) -> list[str]:
    """When the time rules next allow the step, as the customer reads the clock in each zone
    the call is judged in ("Tue 10 Mar, 09:00 MDT in America/Denver")."""
    when = decision.next_allowed_at
    if when is None:
        return []
    zones: Iterable[EffectiveZone] = decision.zones
    shown = [f"{local_time(when, zone.zone)} in {zone.zone}" for zone in zones]
    return shown or [local_time(when, "UTC")]


def local_now(now: datetime, decision: Decision) -> list[str]:
    """The customer's local time now, in each zone the call is judged in."""
    return [f"{local_time(now, zone.zone, '%H:%M')} in {zone.zone}" for zone in decision.zones]


def answer(request: Request, fragment: Response, redirect_to: str) -> Response:
    """An htmx request gets the fragment; a plain form post is sent on (303)."""
    return fragment if is_htmx(request) else see_other(redirect_to)


# Parsing a number costs more than the rest of its line on a page; the same few thousand
# numbers are shown again and again (as the policy's number facts are cached).
@lru_cache(maxsize=4096)
def phone(value: str | None) -> str:
    """An E.164 number as people write it at home ("(303) 555-0123"), or abroad with its
    country code; anything else as it is."""
    if not value:
        return ""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if parsed.country_code == 1
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(parsed, style)


templates.env.filters["phone"] = phone
templates.env.filters["words"] = words
