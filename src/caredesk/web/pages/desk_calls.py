"""The guided outbound call on the desktop (``/desk/callbacks/{id}``): the pre-call checklist
(the dial gate's verdict on every rule, "why not now" with the next allowed time in the
customer's zone, the dial button disabled with the blocking rules), then the dial's result, the
conversation in the handbook's order (first and last name, the recording disclosure, then proof
only when asked, troubleshooting or the alternate number, a payment the customer raises, a
one-time PIN; on a call made from a live inbound call, the Consult path), the actions that
are never taken with the rule that forbids each, and after the call the voicemail and the memo
(caredesk.web.pages.desk_memo).

Each action is a form posted to one use case of caredesk.callbacks (calls, attempts, steps),
which decides again; a refusal comes back on the page with its rule IDs and sentences. The
agent's state follows the call in those use cases and is shown here."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request, Response

from caredesk.callbacks import attempts, calls, steps
from caredesk.callbacks.guide import call_guide
from caredesk.callbacks.inputs import StepInput
from caredesk.db.session import UnitOfWork
from caredesk.errors import DomainError, ValidationFailed
from caredesk.schemas import MAX_ID
from caredesk.web.deps import Principal, UoW
from caredesk.web.pages.desk_call_view import call_context
from caredesk.web.pages.desk_support import (
    CallbackId,
    Cursor,
    RuleLine,
    acting_agent_id,
    refusal_lines,
    runtime_of,
)
from caredesk.web.pages.rendering import render
from caredesk.web.pages.routing import SignedStaff, page_router, see_other

router = page_router()
# What each step's form sends to the steps use case (its name there).
STEP_NAMES = {
    "verify_name",
    "disclosure",
    "proof",
    "troubleshoot",
    "alternate_number",
    "payment",
    "otp",
    "verify_pin",
    "support_number",
    "consult",
    "end_line_one",
    "reconnect",
}
ANCHORS = {
    "verify_name": "step-disclosure",
    "disclosure": "conversation",
    "end_line_one": "step-consult",
    "reconnect": "step-consult",
}


def _page(
    request: Request,
    uow: UnitOfWork,
    principal: Principal,
    callback_id: int,
    *,
    refused: list[RuleLine] | None = None,
    status_code: int = 200,
) -> Response:
    context = call_context(request, uow, principal, callback_id, refused=refused)
    return render(request, "desk/call.html", context, status_code=status_code)


def _refused(
    request: Request, uow: UnitOfWork, principal: Principal, callback_id: int, exc: DomainError
) -> Response:
    """The call page again, with the refusal's rules (what was refused is on the timeline)."""
    uow.session.rollback()
    return _page(
        request, uow, principal, callback_id, refused=refusal_lines(exc), status_code=exc.status
    )


def _back(callback_id: int, anchor: str = "call") -> Response:
    return see_other(f"/desk/callbacks/{callback_id}#{anchor}")


@router.get("/desk/callbacks/{callback_id}")
def call_page(
    request: Request,
    callback_id: CallbackId,
    principal: SignedStaff,
    uow: UoW,
    cursor: Cursor = None,
) -> Response:
    context = call_context(request, uow, principal, callback_id, cursor=cursor)
    return render(request, "desk/call.html", context)


@router.get("/desk/callbacks/{callback_id}/workspace")
def call_workspace(
    request: Request, callback_id: CallbackId, principal: SignedStaff, uow: UoW
) -> Response:
    """The live part of the call page (refreshed when this callback or the agent changes)."""
    context = call_context(request, uow, principal, callback_id)
    return render(request, "desk/_call.html", context)


@router.post("/desk/callbacks/{callback_id}/dial")
def dial(
    request: Request,
    callback_id: CallbackId,
    principal: SignedStaff,
    uow: UoW,
    number: Annotated[str, Form(max_length=32)] = "",
    inbound_call_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
) -> Response:
    """Takes the offer or the callback and dials: the dial gate runs in ``start_call``. From a
    live inbound call (Consult) the dial names it, and the stored call decides the tie."""
    runtime = runtime_of(request)
    try:
        calls.start_call(
            uow,
            actor=principal.actor,
            runtime=runtime,
            callback_id=callback_id,
            agent_id=acting_agent_id(principal),
            number=number.strip() or None,
            inbound_call_id=inbound_call_id,
        )
    except DomainError as exc:
        return _refused(request, uow, principal, callback_id, exc)
    return _back(callback_id, "dialling")


@router.post("/desk/callbacks/{callback_id}/result")
def dial_result(
    request: Request,
    callback_id: CallbackId,
    principal: SignedStaff,
    uow: UoW,
    result: Annotated[str, Form(max_length=20)],
) -> Response:
    """How the dial ended, as the agent heard it."""
    runtime = runtime_of(request)
    try:
        agent_id = acting_agent_id(principal)
        guide = call_guide(uow, runtime=runtime, callback_id=callback_id, agent_id=agent_id)
        if guide.attempt is None:
            raise ValidationFailed("the callback was never dialled", field="result")
        attempts.record_attempt_result(
            uow,
            actor=principal.actor,
            runtime=runtime,
            callback_id=callback_id,
            attempt_id=guide.attempt.id,
            result=result,
            agent_id=agent_id,
        )
    except DomainError as exc:
        return _refused(request, uow, principal, callback_id, exc)
    return _back(callback_id)


def _checked(value: str) -> bool:
    return value in ("on", "true", "yes", "1")


@router.post("/desk/callbacks/{callback_id}/steps")
def call_step(
    request: Request,
    callback_id: CallbackId,
    principal: SignedStaff,
    uow: UoW,
    step: Annotated[str, Form(max_length=30)],
    name_matched: Annotated[str, Form(max_length=5)] = "true",
    device_being_called: Annotated[str, Form(max_length=5)] = "",
    alternate_number: Annotated[str, Form(max_length=32)] = "",
    no_alternate: Annotated[str, Form(max_length=5)] = "",
    otp_guidelines_followed: Annotated[str, Form(max_length=5)] = "",
    account_change: Annotated[str, Form(max_length=300)] = "",
    pin: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    """One step of the conversation, checked by the policy in ``record_step``."""
    runtime = runtime_of(request)
    if step not in STEP_NAMES:
        names = ", ".join(sorted(STEP_NAMES))
        raise ValidationFailed(f"must be one of: {names}", field="step")
    try:
        given = StepInput(
            callback_id=callback_id,
            step=step,
            agent_id=acting_agent_id(principal),
            name_matched=_checked(name_matched),
            payment_raised_by="customer" if step == "payment" else None,
            device_being_called=_checked(device_being_called) or step == "alternate_number",
            alternate_number=None if _checked(no_alternate) else alternate_number.strip() or None,
            otp_guidelines_followed=_checked(otp_guidelines_followed),
            account_change=account_change or None,
            pin=pin or None,
        )
        steps.record_step(uow, given, actor=principal.actor, runtime=runtime)
    except DomainError as exc:
        return _refused(request, uow, principal, callback_id, exc)
    return _back(callback_id, ANCHORS.get(step, f"step-{step}"))


@router.post("/desk/callbacks/{callback_id}/hangup")
def hang_up(
    request: Request, callback_id: CallbackId, principal: SignedStaff, uow: UoW
) -> Response:
    runtime = runtime_of(request)
    try:
        attempts.end_call(
            uow,
            actor=principal.actor,
            runtime=runtime,
            callback_id=callback_id,
            agent_id=acting_agent_id(principal),
        )
    except DomainError as exc:
        return _refused(request, uow, principal, callback_id, exc)
    return _back(callback_id, "after-call")


@router.post("/desk/callbacks/{callback_id}/voicemail")
def voicemail(
    request: Request, callback_id: CallbackId, principal: SignedStaff, uow: UoW
) -> Response:
    """OB-VOICEMAIL: the voicemail left after the last allowed attempt went unanswered."""
    runtime = runtime_of(request)
    try:
        attempts.leave_voicemail(
            uow,
            actor=principal.actor,
            runtime=runtime,
            callback_id=callback_id,
            agent_id=acting_agent_id(principal),
        )
    except DomainError as exc:
        return _refused(request, uow, principal, callback_id, exc)
    return _back(callback_id, "memo")
