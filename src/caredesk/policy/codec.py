"""JSON to PolicyContext, strictly: a wrong value is refused with its field path.

The same shape serves `caredesk policy check CASE.json` and `POST /v1/policy/evaluate`; see
config/examples/policy-case-dial.json. Instants are ISO 8601 with an offset ("...Z" is fine);
local times are "HH:MM"; numbers are E.164; unknown fields are refused so a typo never passes
as a default.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from caredesk.policy.codec_fields import ContextError, FieldReader, build, number_at
from caredesk.policy.context import (
    Agent,
    Attempt,
    Callback,
    CallProgress,
    ConsentWindow,
    ContactPoint,
    Customer,
    DialTarget,
    History,
    InboundCall,
    Memo,
    Notification,
    PolicyContext,
    SchedulingEmail,
    Shift,
    TicketUpdate,
    WrapUp,
    ZoneConfirmation,
)
from caredesk.policy.vocabulary import (
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

T = TypeVar("T")
__all__ = ["ContextError", "context_from_json"]


def _shift(value: object, path: str) -> Shift:
    fields = FieldReader(value, path, ("start", "end"))
    return build(path, lambda: Shift(fields.instant("start"), fields.instant("end")))


def _inbound_call(value: object, path: str) -> InboundCall:
    fields = FieldReader(value, path, ("call_id", "agent_id", "ended_at"))
    return InboundCall(
        call_id=fields.text("call_id"),
        agent_id=fields.text("agent_id", ""),
        ended_at=fields.optional_instant("ended_at"),
    )


def _agent(value: object, path: str) -> Agent:
    fields = FieldReader(value, path, ("agent_id", "state", "inbound_call", "shift"))
    shift = _shift(fields.data["shift"], fields.at("shift")) if fields.has("shift") else None
    inbound = (
        _inbound_call(fields.data["inbound_call"], fields.at("inbound_call"))
        if fields.has("inbound_call")
        else None
    )
    return Agent(
        agent_id=fields.text("agent_id"),
        state=fields.choice("state", AgentState),
        inbound_call=inbound,
        shift=shift,
    )


def _contact_point(value: object, path: str) -> ContactPoint:
    if isinstance(value, str):
        return ContactPoint(number_at(value, path))
    fields = FieldReader(value, path, ("number", "provenance"))
    return ContactPoint(
        fields.number("number"),
        fields.choice("provenance", ContactProvenance, ContactProvenance.ACCOUNT),
    )


def _zone_confirmation(value: object, path: str) -> ZoneConfirmation:
    fields = FieldReader(value, path, ("zone", "number", "confirmed_by", "confirmed_at"))
    zone = fields.zone("zone")
    if zone is None:
        raise ContextError(fields.at("zone"), "is required")
    return ZoneConfirmation(
        zone=zone,
        number=fields.number("number") if fields.has("number") else None,
        confirmed_by=fields.text("confirmed_by", ""),
        confirmed_at=fields.optional_instant("confirmed_at"),
    )


def _customer(value: object, path: str) -> Customer:
    fields = FieldReader(value, path, ("account_id", "zone", "contact_points", "confirmed_zones"))
    return Customer(
        account_id=fields.text("account_id"),
        zone=fields.zone("zone"),
        contact_points=tuple(_contact_point(v, p) for p, v in fields.items("contact_points")),
        confirmed_zones=tuple(_zone_confirmation(v, p) for p, v in fields.items("confirmed_zones")),
    )


def _consent(value: object, path: str) -> ConsentWindow:
    fields = FieldReader(
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
            "entered_by",
        ),
    )
    return build(
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
            entered_by=fields.optional_text("entered_by"),
        ),
    )


def _attempt(value: object, path: str) -> Attempt:
    fields = FieldReader(value, path, ("at", "number", "result", "ended_at"))
    return Attempt(
        fields.instant("at"),
        fields.number("number"),
        fields.choice("result", AttemptResult),
        fields.optional_instant("ended_at"),
    )


def _notification(value: object, path: str) -> Notification:
    fields = FieldReader(value, path, ("template", "sent_at"))
    return Notification(fields.text("template"), fields.instant("sent_at"))


def _email(value: object, path: str) -> SchedulingEmail:
    fields = FieldReader(value, path, ("sent_at", "includes"))
    return SchedulingEmail(fields.instant("sent_at"), fields.choices("includes", EmailItem))


def _callback(value: object, path: str) -> Callback:
    fields = FieldReader(
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
            "notice_queued_for",
            "scheduling_email",
            "consents",
        ),
    )
    email = fields.data.get("scheduling_email")
    return build(
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
            notice_queued_for=fields.optional_instant("notice_queued_for"),
            scheduling_email=(
                _email(email, fields.at("scheduling_email")) if email is not None else None
            ),
            consents=tuple(_consent(v, p) for p, v in fields.items("consents")),
        ),
    )


def _history(value: object, path: str) -> History:
    fields = FieldReader(
        value, path, ("customer_spoken_to", "agent_spoke_to_customer", "last_call_end")
    )
    return History(
        customer_spoken_to=fields.flag("customer_spoken_to", True),
        agent_spoke_to_customer=fields.flag("agent_spoke_to_customer", True),
        last_call_end=fields.optional_choice("last_call_end", CallEnd),
    )


def _dial(value: object, path: str) -> DialTarget:
    fields = FieldReader(
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
    fields = FieldReader(value, path, tuple(CallProgress.__dataclass_fields__))
    alternate = fields.data.get("alternate_number")
    consulted = fields.data.get("consulted_number")
    return CallProgress(
        answered=fields.flag("answered", False),
        disclosure_read=fields.flag("disclosure_read", False),
        name_verified=fields.flag("name_verified", False),
        verification_fields=fields.choices("verification_fields", VerificationField),
        otp_guidelines_followed=fields.flag("otp_guidelines_followed", False),
        proof_facts=fields.choices("proof_facts", ProofFact),
        payment_raised_by=fields.optional_choice("payment_raised_by", PaymentRaisedBy),
        account_change=fields.optional_text("account_change"),
        pin_checks_failed=fields.integer("pin_checks_failed", 0, 0),
        troubleshooting_device_being_called=fields.flag(
            "troubleshooting_device_being_called", False
        ),
        alternate_number_asked=fields.flag("alternate_number_asked", False),
        alternate_number=(
            number_at(alternate, fields.at("alternate_number")) if alternate is not None else None
        ),
        consulted_number=(
            number_at(consulted, fields.at("consulted_number")) if consulted is not None else None
        ),
        line_one_ended=fields.flag("line_one_ended", False),
        reconnected=fields.flag("reconnected", False),
        voicemail_left=fields.flag("voicemail_left", False),
        support_number_offered=fields.flag("support_number_offered", False),
    )


def _wrap_up(value: object, path: str) -> WrapUp:
    fields = FieldReader(value, path, ("memo", "outcome", "ticket_update"))
    memo = None
    if fields.has("memo"):
        memo_fields = FieldReader(
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
        update_fields = FieldReader(
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


def _section(fields: FieldReader, key: str, read: Callable[[object, str], T]) -> T | None:
    return read(fields.data[key], fields.at(key)) if fields.has(key) else None


def context_from_json(data: object) -> PolicyContext:
    """Reads a case document (parsed JSON) into a PolicyContext; raises ContextError."""
    fields = FieldReader(data, "", tuple(PolicyContext.__dataclass_fields__))
    history = _section(fields, "history", _history)
    call = _section(fields, "call", _call)
    return build(
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
