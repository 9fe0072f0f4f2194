"""JSON to PolicyContext, strictly: a wrong value is refused with its field path.

The same shape serves `caredesk policy check CASE.json` and `POST /v1/policy/evaluate`; see
config/examples/policy-case-dial.json. Instants are ISO 8601 with an offset ("...Z" is fine);
local times are "HH:MM"; numbers are E.164; unknown fields are refused so a typo never passes
as a default.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, time
from enum import StrEnum
from typing import Any, TypeVar

from caredesk.callbacks.policy.context import (
    Agent,
    Attempt,
    Callback,
    CallProgress,
    ConsentWindow,
    ContactPoint,
    Customer,
    DialTarget,
    History,
    Memo,
    Notification,
    PolicyContext,
    SchedulingEmail,
    Shift,
    TicketUpdate,
    WrapUp,
)
from caredesk.callbacks.policy.vocabulary import (
    AgentState,
    AttemptResult,
    CallbackOrigin,
    CallbackOutcome,
    CallbackReason,
    CallEnd,
    CallerRole,
    ConsentChannel,
    ContactProvenance,
    EmailItem,
    LineOfBusiness,
    PaymentRaisedBy,
    ProofFact,
    Step,
    VerificationField,
)
from caredesk.callbacks.policy.zones import zone_info

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")
_E164 = re.compile(r"\+[1-9]\d{6,14}")
# Far enough for any real callback, near enough that window arithmetic never overflows.
_EARLIEST_YEAR, _LATEST_YEAR = 1970, 2200


class ContextError(ValueError):
    """A case document is wrong; `path` names the field, e.g. "callback.attempts[1].at"."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class _Fields:
    """One JSON object being read, with its path for error messages."""

    def __init__(self, value: object, path: str, known: tuple[str, ...]) -> None:
        if not isinstance(value, Mapping):
            raise ContextError(path or "(case)", "must be a JSON object")
        for key in value:
            if key not in known:
                where = self._join(path, str(key))
                raise ContextError(where, f"unknown field ({', '.join(known)})")
        self.data: Mapping[str, Any] = value
        self.path = path

    @staticmethod
    def _join(path: str, key: str) -> str:
        return f"{path}.{key}" if path else key

    def at(self, key: str) -> str:
        return self._join(self.path, key)

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def raw(self, key: str) -> object:
        if key not in self.data:
            raise ContextError(self.at(key), "is required")
        return self.data[key]

    def text(self, key: str, default: str | None = None) -> str:
        if not self.has(key):
            if default is None:
                raise ContextError(self.at(key), "is required")
            return default
        value = self.data[key]
        if not isinstance(value, str):
            raise ContextError(self.at(key), "must be a string")
        return value

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if self.has(key) else None

    def flag(self, key: str, default: bool) -> bool:
        if not self.has(key):
            return default
        value = self.data[key]
        if not isinstance(value, bool):
            raise ContextError(self.at(key), "must be true or false")
        return value

    def optional_flag(self, key: str) -> bool | None:
        return self.flag(key, False) if self.has(key) else None

    def integer(self, key: str, default: int, minimum: int) -> int:
        if not self.has(key):
            return default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ContextError(self.at(key), f"must be an integer >= {minimum}")
        return value

    def instant(self, key: str) -> datetime:
        return _instant(self.raw(key), self.at(key))

    def optional_instant(self, key: str) -> datetime | None:
        return self.instant(key) if self.has(key) else None

    def choice(self, key: str, kind: type[E], default: E | None = None) -> E:
        if not self.has(key):
            if default is None:
                raise ContextError(self.at(key), f"is required ({_options(kind)})")
            return default
        return _choice(self.data[key], kind, self.at(key))

    def optional_choice(self, key: str, kind: type[E]) -> E | None:
        return self.choice(key, kind) if self.has(key) else None

    def choices(self, key: str, kind: type[E]) -> frozenset[E]:
        return frozenset(_choice(item, kind, path) for path, item in self.items(key))

    def texts(self, key: str) -> tuple[str, ...]:
        found = []
        for path, item in self.items(key):
            if not isinstance(item, str):
                raise ContextError(path, "must be a string")
            found.append(item)
        return tuple(found)

    def items(self, key: str) -> list[tuple[str, object]]:
        if not self.has(key):
            return []
        value = self.data[key]
        if not isinstance(value, list):
            raise ContextError(self.at(key), "must be a list")
        return [(f"{self.at(key)}[{index}]", item) for index, item in enumerate(value)]

    def zone(self, key: str) -> str | None:
        value = self.optional_text(key)
        if value is not None and zone_info(value) is None:
            raise ContextError(self.at(key), f"{value!r} is not an IANA time zone")
        return value

    def local_time(self, key: str) -> time | None:
        value = self.optional_text(key)
        if value is None:
            return None
        try:
            parsed = time.fromisoformat(value)
        except ValueError:
            raise ContextError(self.at(key), 'must be a local time "HH:MM"') from None
        if parsed.tzinfo is not None:
            raise ContextError(self.at(key), "is a local time: give the zone in `zone`")
        return parsed

    def number(self, key: str) -> str:
        return _number(self.raw(key), self.at(key))


def _options(kind: type[StrEnum]) -> str:
    return "one of " + ", ".join(member.value for member in kind)


def _choice(value: object, kind: type[E], path: str) -> E:
    if not isinstance(value, str):
        raise ContextError(path, f"must be a string, {_options(kind)}")
    try:
        return kind(value)
    except ValueError:
        raise ContextError(path, f"{value!r} is not {_options(kind)}") from None


def _instant(value: object, path: str) -> datetime:
    example = "e.g. 2025-03-09T15:30:00Z"
    if not isinstance(value, str):
        raise ContextError(path, f"must be an ISO 8601 instant with an offset ({example})")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ContextError(path, f"{value!r} is not an ISO 8601 instant ({example})") from None
    if parsed.utcoffset() is None:
        raise ContextError(path, f"needs a UTC offset or Z ({example})")
    if not _EARLIEST_YEAR <= parsed.year <= _LATEST_YEAR:
        raise ContextError(path, f"must fall between {_EARLIEST_YEAR} and {_LATEST_YEAR}")
    return parsed


def _number(value: object, path: str) -> str:
    if not isinstance(value, str) or _E164.fullmatch(value) is None:
        raise ContextError(path, "must be an E.164 number such as +13035550123")
    return value


def _build(path: str, make: Callable[[], T]) -> T:
    """Runs a dataclass constructor, turning its own checks into field-path errors."""
    try:
        return make()
    except ValueError as error:
        if isinstance(error, ContextError):
            raise
        raise ContextError(path or "(case)", str(error)) from None


def _shift(value: object, path: str) -> Shift:
    fields = _Fields(value, path, ("start", "end"))
    return _build(path, lambda: Shift(fields.instant("start"), fields.instant("end")))


def _agent(value: object, path: str) -> Agent:
    fields = _Fields(value, path, ("agent_id", "state", "on_inbound_call", "shift"))
    shift = _shift(fields.data["shift"], fields.at("shift")) if fields.has("shift") else None
    return Agent(
        agent_id=fields.text("agent_id"),
        state=fields.choice("state", AgentState),
        on_inbound_call=fields.flag("on_inbound_call", False),
        shift=shift,
    )


def _contact_point(value: object, path: str) -> ContactPoint:
    if isinstance(value, str):
        return ContactPoint(_number(value, path))
    fields = _Fields(value, path, ("number", "provenance"))
    return ContactPoint(
        fields.number("number"),
        fields.choice("provenance", ContactProvenance, ContactProvenance.ACCOUNT),
    )


def _customer(value: object, path: str) -> Customer:
    fields = _Fields(value, path, ("account_id", "zone", "contact_points"))
    return Customer(
        account_id=fields.text("account_id"),
        zone=fields.zone("zone"),
        contact_points=tuple(_contact_point(v, p) for p, v in fields.items("contact_points")),
    )


def _consent(value: object, path: str) -> ConsentWindow:
    fields = _Fields(
        value,
        path,
        (
            "callback_id",
            "given_by",
            "given_at",
            "channel",
            "start",
            "end",
            "local_start",
            "local_end",
            "zone",
            "expires_at",
        ),
    )
    return _build(
        path,
        lambda: ConsentWindow(
            callback_id=fields.text("callback_id"),
            given_by=fields.text("given_by"),
            given_at=fields.instant("given_at"),
            channel=fields.choice("channel", ConsentChannel),
            start=fields.optional_instant("start"),
            end=fields.optional_instant("end"),
            local_start=fields.local_time("local_start"),
            local_end=fields.local_time("local_end"),
            zone=fields.zone("zone"),
            expires_at=fields.optional_instant("expires_at"),
        ),
    )


def _attempt(value: object, path: str) -> Attempt:
    fields = _Fields(value, path, ("at", "number", "result"))
    return Attempt(
        fields.instant("at"), fields.number("number"), fields.choice("result", AttemptResult)
    )


def _notification(value: object, path: str) -> Notification:
    fields = _Fields(value, path, ("template", "sent_at"))
    return Notification(fields.text("template"), fields.instant("sent_at"))


def _email(value: object, path: str) -> SchedulingEmail:
    fields = _Fields(value, path, ("sent_at", "includes"))
    return SchedulingEmail(fields.instant("sent_at"), fields.choices("includes", EmailItem))


def _callback(value: object, path: str) -> Callback:
    fields = _Fields(
        value,
        path,
        (
            "callback_id",
            "reason",
            "origin",
            "policy_reference",
            "ticket_numbers",
            "campaign",
            "batch_size",
            "due_at",
            "owner_agent_id",
            "assignment_tracked",
            "attempts",
            "notifications",
            "scheduling_email",
            "consents",
        ),
    )
    email = fields.data.get("scheduling_email")
    return _build(
        path,
        lambda: Callback(
            callback_id=fields.text("callback_id"),
            reason=fields.optional_choice("reason", CallbackReason),
            origin=fields.choice("origin", CallbackOrigin),
            policy_reference=fields.optional_text("policy_reference"),
            ticket_numbers=fields.texts("ticket_numbers"),
            campaign=fields.optional_text("campaign"),
            batch_size=fields.integer("batch_size", 1, 1),
            due_at=fields.optional_instant("due_at"),
            owner_agent_id=fields.optional_text("owner_agent_id"),
            assignment_tracked=fields.flag("assignment_tracked", False),
            attempts=tuple(_attempt(v, p) for p, v in fields.items("attempts")),
            notifications=tuple(_notification(v, p) for p, v in fields.items("notifications")),
            scheduling_email=(
                _email(email, fields.at("scheduling_email")) if email is not None else None
            ),
            consents=tuple(_consent(v, p) for p, v in fields.items("consents")),
        ),
    )


def _history(value: object, path: str) -> History:
    fields = _Fields(
        value, path, ("customer_spoken_to", "agent_spoke_to_customer", "last_call_end")
    )
    return History(
        customer_spoken_to=fields.flag("customer_spoken_to", True),
        agent_spoke_to_customer=fields.flag("agent_spoke_to_customer", True),
        last_call_end=fields.optional_choice("last_call_end", CallEnd),
    )


def _dial(value: object, path: str) -> DialTarget:
    fields = _Fields(
        value,
        path,
        (
            "number",
            "is_contact_point",
            "originating_line",
            "platform_line",
            "alternate_for_troubleshooting",
        ),
    )
    return DialTarget(
        number=fields.number("number"),
        is_contact_point=fields.optional_flag("is_contact_point"),
        originating_line=fields.text("originating_line", ""),
        platform_line=fields.flag("platform_line", True),
        alternate_for_troubleshooting=fields.flag("alternate_for_troubleshooting", False),
    )


def _call(value: object, path: str) -> CallProgress:
    fields = _Fields(value, path, tuple(CallProgress.__dataclass_fields__))
    alternate = fields.data.get("alternate_number")
    return CallProgress(
        answered=fields.flag("answered", False),
        disclosure_read=fields.flag("disclosure_read", False),
        name_verified=fields.flag("name_verified", False),
        verification_fields=fields.choices("verification_fields", VerificationField),
        otp_guidelines_followed=fields.flag("otp_guidelines_followed", False),
        proof_facts=fields.choices("proof_facts", ProofFact),
        payment_raised_by=fields.optional_choice("payment_raised_by", PaymentRaisedBy),
        account_change=fields.optional_text("account_change"),
        troubleshooting_device_being_called=fields.flag(
            "troubleshooting_device_being_called", False
        ),
        alternate_number_asked=fields.flag("alternate_number_asked", False),
        alternate_number=(
            _number(alternate, fields.at("alternate_number")) if alternate is not None else None
        ),
        voicemail_left=fields.flag("voicemail_left", False),
        support_number_offered=fields.flag("support_number_offered", False),
    )


def _wrap_up(value: object, path: str) -> WrapUp:
    fields = _Fields(value, path, ("memo", "outcome", "ticket_update"))
    memo = None
    if fields.has("memo"):
        memo_fields = _Fields(
            fields.data["memo"],
            fields.at("memo"),
            ("reason", "ticket_numbers", "summary", "customer_response"),
        )
        memo = Memo(
            reason=memo_fields.text("reason", ""),
            ticket_numbers=memo_fields.texts("ticket_numbers"),
            summary=memo_fields.text("summary", ""),
            customer_response=memo_fields.text("customer_response", ""),
        )
    update = None
    if fields.has("ticket_update"):
        update_fields = _Fields(
            fields.data["ticket_update"],
            fields.at("ticket_update"),
            (
                "ticket_numbers",
                "includes_memo_details",
                "findings",
                "actions_taken",
                "new_information",
            ),
        )
        update = TicketUpdate(
            ticket_numbers=update_fields.texts("ticket_numbers"),
            includes_memo_details=update_fields.flag("includes_memo_details", False),
            findings=update_fields.text("findings", ""),
            actions_taken=update_fields.text("actions_taken", ""),
            new_information=update_fields.text("new_information", ""),
        )
    return WrapUp(
        memo=memo, outcome=fields.optional_choice("outcome", CallbackOutcome), ticket_update=update
    )


def _section(fields: _Fields, key: str, read: Callable[[object, str], T]) -> T | None:
    return read(fields.data[key], fields.at(key)) if fields.has(key) else None


def context_from_json(data: object) -> PolicyContext:
    """Reads a case document (parsed JSON) into a PolicyContext; raises ContextError."""
    fields = _Fields(data, "", tuple(PolicyContext.__dataclass_fields__))
    history = _section(fields, "history", _history)
    call = _section(fields, "call", _call)
    return _build(
        "",
        lambda: PolicyContext(
            now=fields.instant("now"),
            step=fields.choice("step", Step),
            line_of_business=fields.choice("line_of_business", LineOfBusiness),
            caller_role=fields.choice("caller_role", CallerRole, CallerRole.AGENT),
            agent=_agent(fields.raw("agent"), "agent"),
            customer=_customer(fields.raw("customer"), "customer"),
            callback=_callback(fields.raw("callback"), "callback"),
            history=history if history is not None else History(),
            dial=_section(fields, "dial", _dial),
            call=call if call is not None else CallProgress(),
            wrap_up=_section(fields, "wrap_up", _wrap_up),
        ),
    )
