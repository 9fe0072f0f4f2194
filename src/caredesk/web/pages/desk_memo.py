"""The memo after the call: checked as the agent types (htmx posts the draft to
``/desk/callbacks/{id}/memo-check``, which runs the wrap-up's own rules on it: OB-MEMO's
completeness and its refusal of SSNs, PINs/passcodes and card numbers, OB-TICKET-UPDATE,
OB-VOICEMAIL), with the submit button disabled while anything fails; then submitted to the
wrap-up use case, which decides again.

A finding names the field, the kind of value and where it is, never the value; and a refused
draft comes back without any field that holds a secret, so no page ever shows one."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request, Response

from caredesk.callbacks.guide import call_guide
from caredesk.callbacks.inputs import WrapUp
from caredesk.callbacks.wrapup import MAX_REASON, MAX_TEXT, wrap_up
from caredesk.callbacks.wrapup_check import WrapUpDraft
from caredesk.errors import DomainError
from caredesk.privacy import find_secrets
from caredesk.web.deps import UoW
from caredesk.web.pages.desk_call_view import call_context, memo_context
from caredesk.web.pages.desk_support import (
    CallbackId,
    acting_agent_id,
    refusal_lines,
    runtime_of,
)
from caredesk.web.pages.rendering import render
from caredesk.web.pages.routing import SignedStaff, page_router, see_other

router = page_router()
Outcome = Annotated[str, Form(max_length=30)]
Reason = Annotated[str, Form(max_length=MAX_REASON)]
Text = Annotated[str, Form(max_length=MAX_TEXT)]


def _draft(
    outcome: str,
    reason: str,
    summary: str,
    customer_response: str,
    findings: str,
    actions_taken: str,
    new_information: str,
) -> WrapUpDraft:
    return WrapUpDraft(
        outcome=outcome,
        reason=reason,
        summary=summary,
        customer_response=customer_response,
        findings=findings,
        actions_taken=actions_taken,
        new_information=new_information,
    )


def without_secrets(draft: WrapUpDraft) -> WrapUpDraft:
    """The draft with every field that holds a secret emptied, to be shown again."""
    holding = {finding.field for finding in find_secrets(draft.texts())}
    values = {name: "" if name in holding else text for name, text in draft.texts().items()}
    return WrapUpDraft(outcome=draft.outcome, **values)


@router.post("/desk/callbacks/{callback_id}/memo-check")
def memo_check(
    request: Request,
    callback_id: CallbackId,
    principal: SignedStaff,
    uow: UoW,
    outcome: Outcome = "",
    reason: Reason = "",
    summary: Text = "",
    customer_response: Text = "",
    findings: Text = "",
    actions_taken: Text = "",
    new_information: Text = "",
) -> Response:
    """The wrap-up's verdict on the draft, and the submit button it allows (an htmx fragment;
    nothing is written)."""
    guide = call_guide(
        uow, runtime=runtime_of(request), callback_id=callback_id, agent_id=principal.agent_id
    )
    draft = _draft(
        outcome, reason, summary, customer_response, findings, actions_taken, new_information
    )
    context = {"guide": guide, "cb": guide.callback, **memo_context(request, uow, guide, draft)}
    return render(request, "desk/_memo_check.html", context)


@router.post("/desk/callbacks/{callback_id}/wrap-up")
def submit_wrap_up(
    request: Request,
    callback_id: CallbackId,
    principal: SignedStaff,
    uow: UoW,
    outcome: Outcome = "",
    reason: Reason = "",
    summary: Text = "",
    customer_response: Text = "",
    findings: Text = "",
    actions_taken: Text = "",
    new_information: Text = "",
) -> Response:
    """The memo, the case update when the callback has a case, and the outcome, in one
    transaction of the wrap-up use case; a refusal shows the form again with its rules."""
    runtime = runtime_of(request)
    draft = _draft(
        outcome, reason, summary, customer_response, findings, actions_taken, new_information
    )
    try:
        given = WrapUp(
            callback_id=callback_id,
            outcome=outcome,
            reason=reason,
            summary=summary,
            customer_response=customer_response,
            findings=findings,
            actions_taken=actions_taken,
            new_information=new_information,
            agent_id=acting_agent_id(principal),
            author_user_id=principal.user_id,
        )
        wrap_up(uow, given, actor=principal.actor, runtime=runtime)
    except DomainError as exc:
        uow.session.rollback()
        context = call_context(
            request,
            uow,
            principal,
            callback_id,
            refused=refusal_lines(exc),
            draft=without_secrets(draft),
        )
        return render(request, "desk/call.html", context, status_code=exc.status)
    return see_other(f"/desk/callbacks/{callback_id}#call")
