"""Rendering customer messages. Each template has a typed context (unknown keys refused, so a
PIN or SSN cannot be handed to a template by accident), Jinja2 with StrictUndefined (a missing
value is an error, never a blank), and HTML autoescaping."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from jinja2 import Environment, FileSystemLoader, StrictUndefined, TemplateError
from pydantic import AfterValidator, Field, ValidationError, field_validator, model_validator

from caredesk.channels.templates.catalog import TEMPLATES, MessageBrand, RenderedMessage
from caredesk.errors import ValidationFailed
from caredesk.privacy import is_secret_key, scrub_text
from caredesk.schemas import AwareDatetime, Input

_env = Environment(
    loader=FileSystemLoader(Path(__file__).parent),
    autoescape=lambda name: name is not None and name.endswith(".html"),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _e164(value: str) -> str:
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("must be an E.164 number, e.g. +12065550100") from exc
    if not value.startswith("+") or not phonenumbers.is_valid_number(number):
        raise ValueError("must be a valid E.164 number, e.g. +12065550100")
    return value


def _zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError("must be an IANA time zone, e.g. America/New_York") from exc
    return value


OneLine = Annotated[str, Field(min_length=1, max_length=120, pattern=r"^[^\r\n]+$")]
Phone = Annotated[str, AfterValidator(_e164)]
Zone = Annotated[str, AfterValidator(_zone)]


class _Context(Input):
    customer_first_name: Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[^\r\n]+$")]
    zone: Zone


class CallbackNoticeContext(_Context):
    """OB-NOTIFY: the text sent before a callback. ``from_number`` is the platform line."""

    from_number: Phone
    callback_at: AwareDatetime
    purpose: OneLine = "your recent call with us"
    ticket_number: Annotated[str, Field(max_length=40, pattern=r"^[A-Za-z0-9-]+$")] | None = None


class Slot(Input):
    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Slot:
        if not timedelta(minutes=5) <= self.end - self.start <= timedelta(hours=12):
            raise ValueError("a slot ends 5 minutes to 12 hours after it starts")
        return self


class SchedulingEmailContext(_Context):
    """OB-SA-EMAIL-FIRST, OB-SA-PREPARE, OB-SA-ALTERNATIVE."""

    purpose: OneLine
    ticket_number: Annotated[str, Field(max_length=40, pattern=r"^[A-Za-z0-9-]+$")] | None = None
    specialist_name: OneLine | None = None
    from_number: Phone
    slots: Annotated[list[Slot], Field(min_length=1, max_length=10)]
    next_steps: Annotated[list[OneLine], Field(max_length=10)] = []
    portal_url: Annotated[str, Field(max_length=500, pattern=r"^https://[^\s]+$")] | None = None
    calendar_attached: bool = False

    @field_validator("slots")
    @classmethod
    def _distinct(cls, slots: list[Slot]) -> list[Slot]:
        starts = [slot.start for slot in slots]
        if len(set(starts)) != len(starts):
            raise ValueError("two slots start at the same time")
        return sorted(slots, key=lambda slot: slot.start)


# Each template's typed context; the catalog names the templates.
_CONTEXTS: dict[str, type[_Context]] = {
    "customer_callback": CallbackNoticeContext,
    "dropped_call": CallbackNoticeContext,
    "sa_scheduling_email": SchedulingEmailContext,
}


def format_phone(e164: str) -> str:
    number = phonenumbers.parse(e164, None)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 1
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return str(phonenumbers.format_number(number, style))


def _abbreviation(local: datetime) -> str:
    name = local.tzname() or ""
    return f"UTC{name}" if name[:1] in "+-" else name


def format_time(instant: datetime, zone: str) -> str:
    """``2:15 PM EDT`` in the customer's zone."""
    local = instant.astimezone(ZoneInfo(zone))
    hour = local.hour % 12 or 12
    return f"{hour}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'} {_abbreviation(local)}"


def format_day(instant: datetime, zone: str) -> str:
    """``Wednesday, March 11``; the year is left out (no four-digit runs next to a PIN line)."""
    local = instant.astimezone(ZoneInfo(zone))
    return f"{local:%A}, {local:%B} {local.day}"


def format_window(start: datetime, end: datetime, zone: str) -> str:
    same_day = start.astimezone(ZoneInfo(zone)).date() == end.astimezone(ZoneInfo(zone)).date()
    head = f"{format_day(start, zone)}, {format_time(start, zone)}"
    tail = format_time(end, zone)
    if not same_day:
        tail = f"{format_day(end, zone)}, {tail}"
    return f"{head} to {tail}"


def _view(context: _Context, brand: MessageBrand) -> dict[str, Any]:
    view: dict[str, Any] = context.model_dump()
    view["brand"] = brand
    view["support_number"] = brand.support_number
    zone = context.zone
    if isinstance(context, CallbackNoticeContext):
        view["from_display"] = format_phone(context.from_number)
        view["when"] = format_time(context.callback_at, zone)
        view["day"] = format_day(context.callback_at, zone)
    if isinstance(context, SchedulingEmailContext):
        view["from_display"] = format_phone(context.from_number)
        view["slots"] = [
            {"number": index, "when": format_window(slot.start, slot.end, zone)}
            for index, slot in enumerate(context.slots, start=1)
        ]
    return view


def _field(loc: tuple[int | str, ...]) -> str:
    return ".".join(["context", *(str(part) for part in loc)])


def render(
    key: str, context: Mapping[str, Any], *, brand: MessageBrand | None = None
) -> RenderedMessage:
    model = _CONTEXTS.get(key)
    if model is None:
        raise ValidationFailed(f"no template {key!r}; known: {', '.join(TEMPLATES)}", field="key")
    for name in context:
        if is_secret_key(str(name)):
            raise ValidationFailed(
                "secrets are never put in customer messages", field=f"context.{name}"
            )
    try:
        parsed = model.model_validate(dict(context))
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ValidationFailed(first["msg"], field=_field(first["loc"])) from exc
    for name, value in parsed.model_dump().items():
        values = value if isinstance(value, list) else [value]
        if any(isinstance(item, str) and scrub_text(item) != item for item in values):
            raise ValidationFailed(
                "holds an SSN or a card number; it cannot go to a customer",
                field=f"context.{name}",
            )
    view = _view(parsed, brand or MessageBrand())
    try:
        subject = _env.get_template(f"{key}.subject.txt").render(view).strip()
        text = _env.get_template(f"{key}.txt").render(view).strip() + "\n"
        html = _env.get_template(f"{key}.html").render(view).strip() + "\n"
    except TemplateError as exc:  # pragma: no cover - a template bug, caught by the unit tests
        raise ValidationFailed(f"template {key} failed: {exc}", field="context") from exc
    for part, value in (("subject", subject), ("text", text), ("html", html)):
        if scrub_text(value) != value:
            raise ValidationFailed(
                "the message would carry an SSN or a card number", field=f"context.{part}"
            )
    return RenderedMessage(subject=" ".join(subject.split()), text=text, html=html)
