"""OB-ALT-NUMBER's Consult path on a call tied to an active inbound call, as three guided-call
steps in the handbook's order: Consult with the customer's 10-digit alternate number, end line
one (the inbound call), reconnect to the outbound call. The policy checks the order and the tie
(each refusal names OB-ALT-NUMBER); each step is put on the callback's timeline and on the
inbound call's own record, both audited.

Ending line one ends the inbound call's interaction (disposition ``transferred``: the customer
carries on with the same agent on the consult line). The agent stays Talking, on the outbound
call. Without an alternate number there is no Consult: guided troubleshooting continues (the
``alternate_number`` step with no number, then ``troubleshoot``)."""

from __future__ import annotations

import re

from caredesk.accounts import values as account_values
from caredesk.callbacks.inbound_link import (
    FIELD,
    audit_on_inbound,
    load_inbound_call,
    tied_call_id,
)
from caredesk.callbacks.inputs import CallStep, StepInput
from caredesk.callbacks.records import Event
from caredesk.callbacks.step_handlers import (
    Progress,
    Recorded,
    StepContext,
    StepHandler,
    add_alternate,
    passed_rules,
    steps_due,
)
from caredesk.errors import Conflict, ValidationFailed
from caredesk.interactions.models import Disposition
from caredesk.interactions.service import end_interaction
from caredesk.policy import Decision, Step, dial_string

_NATIONAL = re.compile(r"[0-9]{10}")
_E164_US = re.compile(r"\+1[0-9]{10}")
NUMBER_HELP = "Consult dials a 10-digit number: give its 10 digits (3035550188) or +1 and them"


def consult_number(value: str | None) -> str | None:
    """The alternate number Consult dials, in E.164: a US 10-digit national number or its E.164
    form; anything else is refused naming ``alternate_number``."""
    if value is None:
        return None
    text = value.strip()
    if _NATIONAL.fullmatch(text):
        text = f"+1{text}"
    elif not _E164_US.fullmatch(text):
        raise ValidationFailed(NUMBER_HELP, field="alternate_number")
    try:
        return account_values.normalise_phone(text)
    except ValueError:
        raise ValidationFailed(
            f"{text} is not a valid US number; {NUMBER_HELP}", field="alternate_number"
        ) from None


def _line_one(ctx: StepContext) -> int:
    call_id = tied_call_id(ctx.uow, ctx.callback)
    # The policy refuses every step of the path on a call that names no inbound call.
    assert call_id is not None
    return call_id


def _consult_progress(ctx: StepContext, given: StepInput) -> Progress:
    number = consult_number(given.alternate_number)
    return {"alternate_number_asked": True, "alternate_number": number}


def _recorded(
    ctx: StepContext,
    kind: str,
    action: str,
    line_one: int,
    decision: Decision | None,
    facts: dict[str, object],
) -> Recorded:
    """A Consult path step on the callback's timeline and in the inbound call's audit."""
    event = ctx.note(kind, passed_rules(decision), facts)
    audit_on_inbound(
        ctx.uow,
        actor=ctx.actor,
        action=action,
        call_id=line_one,
        details={"callback_id": ctx.callback.id, **facts},
    )
    return Recorded(event)


def _consult_record(
    ctx: StepContext, given: StepInput, progress: Progress, decision: Decision | None
) -> Recorded:
    number = progress["alternate_number"]
    assert isinstance(number, str)  # the policy refuses Consult without one
    line_one = _line_one(ctx)
    contact_id = add_alternate(ctx, number)
    facts = {
        **ctx.base,
        FIELD: line_one,
        "consulted_number": number,
        "dial_string": dial_string(number),
        "contact_point_id": contact_id,
        "required_steps": steps_due(decision),
    }
    return _recorded(ctx, Event.CONSULTED, "inbound.consulted", line_one, decision, facts)


def _end_line_one_record(
    ctx: StepContext, given: StepInput, progress: Progress, decision: Decision | None
) -> Recorded:
    line_one = _line_one(ctx)
    interaction = load_inbound_call(ctx.uow, call_id=line_one, account_id=ctx.callback.account_id)
    try:
        end_interaction(
            ctx.uow,
            actor=ctx.actor,
            interaction=interaction,
            disposition=Disposition.TRANSFERRED,
        )
    except Conflict:
        raise Conflict(
            f"inbound call {line_one} ended at the same moment; reconnect to the outbound call",
            field=FIELD,
            extra={"rule_ids": ["OB-ALT-NUMBER"]},
        ) from None
    facts = {
        **ctx.base,
        FIELD: line_one,
        "disposition": Disposition.TRANSFERRED.value,
        "required_steps": steps_due(decision),
    }
    return _recorded(ctx, Event.LINE_ONE_ENDED, "inbound.line_one_ended", line_one, decision, facts)


def _reconnect_record(
    ctx: StepContext, given: StepInput, progress: Progress, decision: Decision | None
) -> Recorded:
    line_one = _line_one(ctx)
    facts = {**ctx.base, FIELD: line_one}
    return _recorded(ctx, Event.RECONNECTED, "inbound.reconnected", line_one, decision, facts)


CONSULT_HANDLERS: dict[CallStep, StepHandler] = {
    CallStep.CONSULT: StepHandler(Step.CONSULT, _consult_record, _consult_progress),
    CallStep.END_LINE_ONE: StepHandler(Step.END_LINE_ONE, _end_line_one_record),
    CallStep.RECONNECT: StepHandler(Step.RECONNECT, _reconnect_record),
}
