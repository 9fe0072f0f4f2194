"""Asking for a callback in the portal: the customer picks a day and a time window in their own
zone; the window becomes their consent for that callback (OB-WINDOW) and it is planned inside
it. A refusal names each rule with its sentence. They can also call off one not yet dialled."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Form, Path, Request, Response
from sqlalchemy import select

from caredesk.accounts.models import ContactKind, ContactPoint, Person
from caredesk.callbacks.customer_requests import (
    cancel_by_customer,
    customer_zone,
    request_by_customer,
)
from caredesk.db.session import UnitOfWork
from caredesk.errors import DomainError
from caredesk.schemas import MAX_ID
from caredesk.web.deps import Principal, UoW
from caredesk.web.pages.desk_support import runtime_of
from caredesk.web.pages.portal import account_of
from caredesk.web.pages.rendering import render
from caredesk.web.pages.routing import SignedCustomer, page_router, see_other

router = page_router()
DAYS_AHEAD = 14
STEP_MINUTES = 30
TIMES = [f"{minutes // 60:02d}:{minutes % 60:02d}" for minutes in range(0, 24 * 60, STEP_MINUTES)]
MAX_KEY = 64
CallbackId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _numbers(uow: UnitOfWork, account_id: int) -> list[str]:
    return list(
        uow.session.scalars(
            select(ContactPoint.value)
            .join(Person, Person.id == ContactPoint.person_id)
            .where(Person.account_id == account_id, ContactPoint.kind == ContactKind.PHONE.value)
            .order_by(ContactPoint.id)
        )
    )


def _form_context(
    uow: UnitOfWork, principal: Principal, values: dict[str, str] | None = None
) -> dict[str, Any]:
    account_id = account_of(principal)
    zone = customer_zone(uow, account_id=account_id)
    today = uow.clock.now().astimezone(ZoneInfo(zone or "UTC")).date()
    days = [today + timedelta(days=n) for n in range(DAYS_AHEAD)]
    numbers = _numbers(uow, account_id)
    chosen = {
        "day": days[0].isoformat(),
        "start": "18:00",
        "end": "18:30",
        "number": numbers[0] if numbers else "",
        "key": secrets.token_urlsafe(16),
        **(values or {}),
    }
    return {
        "zone": zone,
        "days": days,
        "times": TIMES,
        "numbers": numbers,
        "values": chosen,
        "errors": {},
        "refused": None,
    }


@router.get("/portal/callbacks/new")
def new_callback(request: Request, principal: SignedCustomer, uow: UoW) -> Response:
    return render(request, "portal/callback_new.html", _form_context(uow, principal))


def _window(
    day: str, start: str, end: str, zone: str | None, now: datetime
) -> tuple[datetime, datetime] | dict[str, str]:
    """The chosen window as instants, or the errors by field."""
    errors: dict[str, str] = {}
    try:
        chosen_day = date.fromisoformat(day)
    except ValueError:
        return {"day": "Choose a day from the list."}
    if start not in TIMES:
        errors["start"] = "Choose a start time from the list."
    if end not in (*TIMES, "24:00") or end == "00:00":
        errors["end"] = "Choose an end time from the list."
    if errors:
        return errors
    local = ZoneInfo(zone or "UTC")

    def instant(clock: str) -> datetime | None:
        hours, minutes = (int(part) for part in clock.split(":"))
        moment = datetime.combine(chosen_day, time(0, 0), tzinfo=local) + timedelta(
            hours=hours, minutes=minutes
        )
        wall = datetime.combine(chosen_day, time(0, 0)) + timedelta(hours=hours, minutes=minutes)
        # A time the clocks skip (spring forward) does not exist on that day.
        back = moment.astimezone(UTC).astimezone(local).replace(tzinfo=None)
        return moment.astimezone(UTC) if back == wall else None

    begins, ends = instant(start), instant(end)
    if begins is None:
        errors["start"] = "The clocks change at that time on that day; choose another time."
    if ends is None:
        errors["end"] = "The clocks change at that time on that day; choose another time."
    if begins is not None and ends is not None and ends <= begins:
        errors["end"] = "The end must be after the start."
    if begins is not None and not errors and ends is not None and ends <= now:
        errors["start"] = "That time has already passed; choose a later one."
    if errors or begins is None or ends is None:
        return errors
    return begins, ends


@router.post("/portal/callbacks")
def request_callback(
    request: Request,
    principal: SignedCustomer,
    uow: UoW,
    day: Annotated[str, Form(max_length=10)],
    start: Annotated[str, Form(max_length=5)],
    end: Annotated[str, Form(max_length=5)],
    number: Annotated[str, Form(max_length=32)] = "",
    key: Annotated[str, Form(max_length=MAX_KEY)] = "",
) -> Response:
    account_id = account_of(principal)
    values = {"day": day, "start": start, "end": end, "number": number, "key": key}
    context = _form_context(uow, principal, values)
    if number and number not in context["numbers"]:
        context["errors"] = {"number": "Choose one of your numbers."}
        return render(request, "portal/callback_new.html", context, status_code=422)
    window = _window(day, start, end, context["zone"], uow.clock.now())
    if isinstance(window, dict):
        context["errors"] = window
        return render(request, "portal/callback_new.html", context, status_code=422)
    try:
        answer = request_by_customer(
            uow,
            actor=principal.actor,
            runtime=runtime_of(request),
            account_id=account_id,
            start=window[0],
            end=window[1],
            zone=context["zone"],
            number=number or None,
            idempotency_key=f"portal:{principal.user_id}:{key}" if key else None,
        )
    except DomainError as exc:
        uow.session.rollback()
        field = {"window_start": "start", "window_end": "end"}.get(exc.field or "", "form")
        context["errors"] = {field: exc.detail[:1].upper() + exc.detail[1:]}
        return render(request, "portal/callback_new.html", context, status_code=exc.status)
    if answer.refused:
        context["refused"] = answer.refused
        return render(request, "portal/callback_new.html", context, status_code=409)
    return see_other(f"/portal?requested={answer.callback.id}#callbacks")


@router.post("/portal/callbacks/{callback_id}/cancel")
def cancel(callback_id: CallbackId, principal: SignedCustomer, uow: UoW) -> Response:
    cancel_by_customer(
        uow, actor=principal.actor, account_id=account_of(principal), callback_id=callback_id
    )
    return see_other(f"/portal?cancelled={callback_id}#callbacks")
