"""Requesting a callback: from a dropped call, an agent's follow-up, a leader's ticket follow-up,
a Service Assurance ticket or an email request. The request comes as one frozen
``inputs.CallbackRequest``; the policy, the brand and the line to call from come with the
``CallbackRuntime``.

What is refused how:
- A malformed request (unknown account, person, ticket or interaction; a number that is not a
  phone number; no address to schedule an email request by) raises ``ValidationFailed`` or
  ``NotFound`` naming the field, and nothing is stored.
- A well-formed request the policy refuses for good (a FINAL rule at the create or plan step:
  OB-SPOKE-FIRST, OB-REASON, OB-SCOPE-CUSTOMER, OB-INTL, ...) is stored with status REFUSED and
  the rule IDs, so the refusal is on record; it is returned, not raised.
- Otherwise the notice (or the Service Assurance scheduling email) goes into the outbox in the
  same transaction, ownership is decided, and the callback waits for the message to go out.

An idempotency key makes a retried request return the callback the first one made; the same key
with a different request is a Conflict naming ``Idempotency-Key``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError, OperationalError

from caredesk.accounts.checks import load_account
from caredesk.accounts.consent import record_consent
from caredesk.accounts.models import AccountStatus
from caredesk.audit.service import Actor, record
from caredesk.callbacks.inputs import AgreedWindow, CallbackRequest
from caredesk.callbacks.models import Callback, CallbackStatus
from caredesk.callbacks.notices import offer_times, queue_notice, recipient_for
from caredesk.callbacks.policy_view import build_context
from caredesk.callbacks.records import Event, add_event, plain
from caredesk.callbacks.refusals import add_requested, store_refused
from caredesk.callbacks.request_inputs import (
    MAX_POLICY_REFERENCE,
    Submitted,
    agent_or_none,
    check_choice,
    check_slots,
    find_by_idempotency_key,
    number_to_call,
    person_to_call,
    replay,
)
from caredesk.callbacks.runtime import CallbackRuntime
from caredesk.callbacks.scheduling import final_failures, notice_times, ownership
from caredesk.db.idempotency_keys import HEADER as IDEMPOTENCY_FIELD
from caredesk.db.idempotency_keys import check_key
from caredesk.db.session import UnitOfWork
from caredesk.errors import Conflict, NotFound, ValidationFailed
from caredesk.interactions.service import get_interaction
from caredesk.policy import (
    CallbackOrigin,
    CallbackReason,
    CallEnd,
    CallerRole,
    LineOfBusiness,
    Step,
    evaluate,
)
from caredesk.tickets.queries import get_ticket

_TRIES = 3


def submit_callback_request(
    uow: UnitOfWork, request: CallbackRequest, *, actor: Actor, runtime: CallbackRuntime
) -> Submitted:
    """``request_callback`` that also says whether this request created the callback. With
    ``agreed_window``, the customer's chosen time is recorded as consent for it before the
    policy plans it, so it is planned inside that time. One transaction; when another request
    with the same key got in first, its callback is returned instead (or, inside another
    transaction, the error is that transaction's)."""
    key = check_key(request.idempotency_key)
    fingerprint = request.fingerprint()
    if key is not None:
        existing = find_by_idempotency_key(uow, key)
        if existing is not None:
            return replay(uow, existing, fingerprint)
    nested = uow.in_transaction
    for _ in range(_TRIES):
        try:
            with uow.atomic():
                callback = _create(
                    uow, request, actor=actor, runtime=runtime, fingerprint=fingerprint, key=key
                )
            return Submitted(callback, True)
        except (IntegrityError, OperationalError) as exc:
            # Two requests with one key at once: the database lets one in, and the other
            # returns what that one made (or tries again while SQLite's single writer is busy).
            if key is None or nested:
                raise
            existing = find_by_idempotency_key(uow, key)
            if existing is not None:
                return replay(uow, existing, fingerprint)
            if isinstance(exc, IntegrityError):
                raise
    raise Conflict(
        "another request with this key is being stored right now; send it again",
        field=IDEMPOTENCY_FIELD,
    )


def request_callback(
    uow: UnitOfWork, request: CallbackRequest, *, actor: Actor, runtime: CallbackRuntime
) -> Callback:
    """Records a callback request: refused for good and stored as REFUSED with the rule IDs
    when a FINAL rule fails at the create or plan step, else waiting for its notice or
    scheduling email. See the module docstring."""
    return submit_callback_request(uow, request, actor=actor, runtime=runtime).callback


def _create(
    uow: UnitOfWork,
    request: CallbackRequest,
    *,
    actor: Actor,
    runtime: CallbackRuntime,
    fingerprint: str,
    key: str | None,
) -> Callback:
    policy = runtime.policy
    now = uow.clock.now()
    origin: CallbackOrigin = check_choice(CallbackOrigin, request.origin, "origin")
    reason: CallbackReason = check_choice(CallbackReason, request.reason, "reason")
    lob: LineOfBusiness = check_choice(LineOfBusiness, request.line_of_business, "line_of_business")
    role: CallerRole = check_choice(CallerRole, request.caller_role, "caller_role")
    ending = request.last_call_end
    last_end: CallEnd | None = check_choice(CallEnd, ending, "last_call_end") if ending else None
    account = load_account(uow, request.account_id)
    if account.status == AccountStatus.CLOSED.value:
        raise ValidationFailed("the account is closed", field="account_id")
    person = person_to_call(uow, account.id, request.person_id)
    number = number_to_call(uow, account.id, person, request.number)
    ticket_id = None
    if request.ticket_ref is not None:
        try:
            ticket = get_ticket(uow, ref=request.ticket_ref)
        except (NotFound, ValidationFailed) as exc:
            raise type(exc)(exc.detail, field="ticket_ref") from None
        if ticket.account_id != account.id:
            raise ValidationFailed("the case is on another account", field="ticket_ref")
        ticket_id = ticket.id
    elif origin is CallbackOrigin.SA_TICKET:
        # OB-SA-DOCS documents a ticket-driven call on its ticket; without one it could never
        # be wrapped up.
        raise ValidationFailed(
            "a Service Assurance ticket callback names its ticket", field="ticket_ref"
        )
    if request.interaction_id is not None:
        interaction = get_interaction(uow, interaction_id=request.interaction_id)
        if interaction.account_id not in (None, account.id):
            raise ValidationFailed("the interaction is on another account", field="interaction_id")
    reference = (request.policy_reference or "").strip() or None
    if reference is not None and len(reference) > MAX_POLICY_REFERENCE:
        raise ValidationFailed(
            f"must be at most {MAX_POLICY_REFERENCE} characters", field="policy_reference"
        )
    owner = agent_or_none(uow, request.owner_agent_id, "owner_agent_id")
    if owner is not None and owner.line_of_business != lob.value:
        raise ValidationFailed(
            f"the owner works in {owner.line_of_business}, not {lob.value}", field="owner_agent_id"
        )
    agent_or_none(uow, request.requested_by_agent_id, "requested_by_agent_id")
    offered = check_slots(request.slots, origin, now)

    callback = Callback(
        account_id=account.id,
        person_id=person.id,
        ticket_id=ticket_id,
        origin_interaction_id=request.interaction_id,
        line_of_business=lob.value,
        origin=origin.value,
        reason=reason.value,
        policy_reference=reference,
        requested_by=str(actor)[:120],
        requested_by_agent_id=request.requested_by_agent_id,
        caller_role=role.value,
        number=number,
        customer_spoken_to=bool(request.customer_spoken_to),
        agent_spoke_to_customer=bool(request.agent_spoke_to_customer),
        last_call_end=last_end.value if last_end else None,
        status=CallbackStatus.REQUESTED.value,
        owner_agent_id=owner.id if owner else None,
        in_assignment_pool=False,
        attempts_without_contact=0,
        contact_made=False,
        idempotency_key=key,
        created_at=now,
        updated_at=now,
        version=0,
    )
    if request.agreed_window is not None:
        _record_agreed_window(uow, callback, actor=actor, window=request.agreed_window)
    created = evaluate(
        build_context(uow, callback=callback, step=Step.CREATE, now=now, caller_role=role), policy
    )
    refusing = list(created.failed_rule_ids) if not created.allowed else []
    decision = created
    if not refusing:
        decision = evaluate(
            build_context(uow, callback=callback, step=Step.PLAN, now=now, agent=owner), policy
        )
        refusing = final_failures(decision)
    facts = {"request_fingerprint": fingerprint, "number": number, "person_id": person.id}
    if refusing:
        return store_refused(
            uow,
            callback,
            actor=actor,
            results=[result for result in decision.failed if result.rule_id in refusing],
            snapshot=_snapshot,
            facts=facts,
        )

    brand = runtime.brand
    email_request = origin is CallbackOrigin.SA_EMAIL_REQUEST
    due = None if email_request else decision.next_allowed_at
    # OB-NOTIFY: "about to call" — the notice goes the lead time before the planned dial.
    plan = notice_times(uow, policy=policy, callback=callback, now=now) if due else None
    if plan is not None:
        due = plan.dial_at
    owned = ownership(uow, lob=lob, owner=owner, due=due)
    if email_request and owner is not None:
        # Decided again when the customer picks a time; until then the specialist who will
        # offer the times keeps it.
        owned = {"owner_agent_id": owner.id, "in_assignment_pool": False, "pooled_at": None}
    for name, value in owned.items():
        setattr(callback, name, value)
    callback.due_at = due
    add_requested(uow, callback, actor=actor, facts=facts)
    recipient = recipient_for(uow, account, person, number)
    line = owner.platform_line if owner else runtime.default_line
    if email_request:
        message = offer_times(
            uow,
            policy=policy,
            callback=callback,
            recipient=recipient,
            owner=owner,
            offered=offered,
            from_line=line,
            brand=brand,
        )
        target, kind = CallbackStatus.AWAITING_SCHEDULE, Event.SCHEDULING_EMAIL_QUEUED
    else:
        template = policy.template_for(reason, origin)
        message = queue_notice(
            uow,
            callback=callback,
            recipient=recipient,
            template=template,
            callback_at=due or now,
            from_line=line,
            brand=brand,
            send_at=plan.notice_at if plan is not None else None,
        )
        callback.notification_template = template
        callback.notification_message_id = message.id
        target, kind = CallbackStatus.AWAITING_NOTIFICATION, Event.NOTIFICATION_QUEUED
    callback.status = target.value
    uow.flush()
    step_facts = {
        "message_id": message.id,
        "channel": message.channel,
        "template": callback.notification_template or "Service Assurance Scheduling Email",
        "next_allowed_at": decision.next_allowed_at,
        "owner_agent_id": callback.owner_agent_id,
        "assignment_pool": callback.in_assignment_pool,
        "offered_slots": callback.offered_slots,
    }
    add_event(
        uow,
        callback,
        actor=actor,
        kind=kind,
        from_status=CallbackStatus.REQUESTED.value,
        to_status=target.value,
        facts=step_facts,
    )
    record(
        uow,
        actor=actor,
        action="callback.requested",
        subject_type="callback",
        subject_id=callback.id,
        after=_snapshot(callback),
        details=plain(step_facts),
    )
    return callback


def _record_agreed_window(
    uow: UnitOfWork, callback: Callback, *, actor: Actor, window: AgreedWindow
) -> None:
    """Stores the request (the consent names it) and the customer's window as its consent."""
    uow.session.add(callback)
    uow.flush()
    assert callback.person_id is not None
    record_consent(
        uow,
        actor=actor,
        account_id=callback.account_id,
        person_id=callback.person_id,
        window_start=window.start,
        window_end=window.end,
        channel=window.channel,
        callback_id=callback.id,
        time_zone=window.zone,
    )


def _snapshot(callback: Callback) -> dict[str, Any]:
    snapshot: dict[str, Any] = plain(
        {
            "status": callback.status,
            "account_id": callback.account_id,
            "line_of_business": callback.line_of_business,
            "origin": callback.origin,
            "reason": callback.reason,
            "due_at": callback.due_at,
            "owner_agent_id": callback.owner_agent_id,
            "in_assignment_pool": callback.in_assignment_pool,
            "refused_rules": callback.refused_rules,
        }
    )
    return snapshot
