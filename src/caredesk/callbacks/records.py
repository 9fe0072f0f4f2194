"""Keeping a callback's record: loading it, changing it under its version, and writing the
timeline event and audit record that go with every change, in the caller's transaction.

A refused step is recorded too: a use case that may refuse runs in
``atomic_keeping_refusals``, so the ``refused`` event (with the rule IDs) is committed and then
the refusal is raised: the record survives the refused request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import Enum
from typing import Any, NoReturn, cast

from sqlalchemy import CursorResult, update

from caredesk.audit.service import Actor, record
from caredesk.callbacks.models import TRANSITIONS, Callback, CallbackEvent, CallbackStatus
from caredesk.callbacks.queries import load_callback as load_callback
from caredesk.db.session import UnitOfWork
from caredesk.errors import Conflict, InvalidTransition, PolicyRefused
from caredesk.live import Audience, publish
from caredesk.policy import Decision, Step, decision_to_json
from caredesk.privacy import scrub, scrub_text

MAX_DETAIL = 2000


class Event:
    """Every kind of timeline event a callback can have, the dispatcher's included: one list
    for the timeline's readers, the API's documentation and the tests."""

    REQUESTED = "requested"
    REFUSED = "refused"
    NOTIFICATION_QUEUED = "notification_queued"
    NOTIFIED = "notified"
    SCHEDULING_EMAIL_QUEUED = "scheduling_email_queued"
    SCHEDULING_EMAIL_SENT = "scheduling_email_sent"
    SLOT_CHOSEN = "slot_chosen"
    SLOTS_OFFERED = "slots_offered"
    SCHEDULED = "scheduled"
    DIALING = "dialing"
    CALL_PLACED = "call_placed"
    ATTEMPT_RESULT = "attempt_result"
    CALL_ENDED = "call_ended"
    VOICEMAIL_LEFT = "voicemail_left"
    WRAPPED_UP = "wrapped_up"
    CANCELLED = "cancelled"
    NEEDS_ATTENTION = "needs_attention"
    NOTICE_REQUEUED = "notice_requeued"
    # Guided-call steps.
    DISCLOSURE_READ = "disclosure_read"
    NAME_VERIFIED = "name_verified"
    NAME_NOT_VERIFIED = "name_not_verified"
    PROOF_GIVEN = "proof_given"
    PIN_CHECKED = "pin_checked"
    OTP_FOLLOWED = "otp_followed"
    PAYMENT_HELP = "payment_help"
    ALTERNATE_NUMBER = "alternate_number"
    TROUBLESHOOTING = "troubleshooting"
    SUPPORT_NUMBER_OFFERED = "support_number_offered"
    # OB-ALT-NUMBER's Consult path on a call tied to an active inbound call.
    CONSULTED = "consulted"
    LINE_ONE_ENDED = "line_one_ended"
    RECONNECTED = "reconnected"
    # The dispatcher's.
    OFFERED = "offered"
    OFFER_EXPIRED = "offer_expired"
    NO_AGENT = "no_agent"
    POOLED = "pooled"
    # "Call me back, keep my place": inbound routing's.
    QUEUE_HELD = "queue_held"
    QUEUE_PUT_OFF = "queue_put_off"
    QUEUE_TURN = "queue_turn"


def plain(value: Any) -> Any:
    """JSON-ready: enums by value, instants in ISO 8601."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(item) for item in value]
    return value


def status_of(callback: Callback) -> CallbackStatus:
    return CallbackStatus(callback.status)


def add_event(
    uow: UnitOfWork,
    callback: Callback | int,
    *,
    actor: Actor,
    kind: str,
    from_status: str | None = None,
    to_status: str | None = None,
    rule_ids: list[str] | None = None,
    detail: str | None = None,
    facts: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> CallbackEvent:
    """The one writer of callback events: detail and facts are scrubbed of secrets here. The
    dispatcher passes the callback's id (it works from claims, not loaded rows) and the instant
    of its round."""
    event = CallbackEvent(
        callback_id=callback if isinstance(callback, int) else callback.id,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        rule_ids=rule_ids,
        detail=scrub_text(detail)[:MAX_DETAIL] if detail else None,
        facts=scrub(plain(facts)) if facts else None,
        actor=str(actor),
        at=at or uow.clock.now(),
    )
    uow.session.add(event)
    _publish(uow, callback, kind=kind, from_status=from_status, to_status=to_status, facts=facts)
    return event


def _publish(
    uow: UnitOfWork,
    callback: Callback | int,
    *,
    kind: str,
    from_status: str | None,
    to_status: str | None,
    facts: dict[str, Any] | None,
) -> None:
    """The live event of a timeline entry, in its transaction: for leaders and the agent it
    concerns (the one offered it, else its owner), and for the account's customers when the
    callback's status moved (the dispatcher's entries name only the id: they are staff's)."""
    loaded = callback if isinstance(callback, Callback) else None
    agent_id = (facts or {}).get("agent_id")
    if not isinstance(agent_id, int) and loaded is not None:
        agent_id = loaded.offered_to_agent_id or loaded.owner_agent_id
    callback_id = loaded.id if loaded is not None else callback
    publish(
        uow,
        f"callback.{kind}",
        audience=Audience(agent_id=agent_id if isinstance(agent_id, int) else None, leaders=True),
        payload={
            "callback_id": callback_id,
            "from_status": from_status,
            "to_status": to_status,
            "agent_id": agent_id,
        },
    )
    if loaded is not None and to_status is not None and to_status != from_status:
        publish(
            uow,
            "callback.status_changed",
            audience=Audience(account_id=loaded.account_id),
            payload={"callback_id": loaded.id, "status": to_status},
        )


def change(
    uow: UnitOfWork,
    callback: Callback,
    *,
    actor: Actor,
    kind: str,
    to: CallbackStatus | None = None,
    values: dict[str, Any] | None = None,
    rule_ids: list[str] | None = None,
    detail: str | None = None,
    facts: dict[str, Any] | None = None,
) -> CallbackEvent:
    """Applies one change under the version the callback was read at (no commit): a status
    move checked against ``TRANSITIONS`` and/or new field values, the timeline event and the
    audit record. Another change that got there first makes this one a Conflict."""
    current = status_of(callback)
    target = to or current
    if to is not None and to not in TRANSITIONS[current]:
        allowed = ", ".join(sorted(s.value for s in TRANSITIONS[current])) or "none (closed)"
        raise InvalidTransition(
            f"a {current.value} callback cannot become {to.value}; from {current.value} it may "
            f"become: {allowed}",
            field="status",
            extra={"from_status": current.value, "to_status": to.value},
        )
    changes = dict(values or {})
    now = uow.clock.now()
    prior = callback.version
    result = cast(
        "CursorResult[Any]",
        uow.session.execute(
            update(Callback)
            .where(Callback.id == callback.id, Callback.version == prior)
            .values(status=target.value, version=prior + 1, updated_at=now, **changes)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        raise Conflict(
            f"callback {callback.id} changed while this request was deciding (it was at "
            f"version {prior}); reload it and try again",
            field="version",
        )
    uow.session.refresh(callback)
    shown = {key: plain(value) for key, value in changes.items() if key != "lease_token"}
    event = add_event(
        uow,
        callback,
        actor=actor,
        kind=kind,
        from_status=current.value,
        to_status=target.value,
        rule_ids=rule_ids,
        detail=detail,
        facts=facts,
    )
    record(
        uow,
        actor=actor,
        action=f"callback.{kind}",
        subject_type="callback",
        subject_id=callback.id,
        before={"status": current.value, "version": prior},
        after={"status": target.value, "version": prior + 1, **shown},
        details={"rule_ids": rule_ids, **plain(facts or {})} if (rule_ids or facts) else None,
    )
    return event


def note(
    uow: UnitOfWork,
    callback: Callback,
    *,
    actor: Actor,
    kind: str,
    rule_ids: list[str] | None = None,
    detail: str | None = None,
    facts: dict[str, Any] | None = None,
) -> CallbackEvent:
    """A timeline entry that changes no field (a guided-call step), with its audit record."""
    event = add_event(
        uow,
        callback,
        actor=actor,
        kind=kind,
        from_status=callback.status,
        to_status=callback.status,
        rule_ids=rule_ids,
        detail=detail,
        facts=facts,
    )
    record(
        uow,
        actor=actor,
        action=f"callback.{kind}",
        subject_type="callback",
        subject_id=callback.id,
        details={"rule_ids": rule_ids, **plain(facts or {})} if (rule_ids or facts) else None,
    )
    return event


class StepRefused(PolicyRefused):
    """A refusal ``refuse`` put on the callback's record; ``atomic_keeping_refusals`` keeps it."""


@contextmanager
def atomic_keeping_refusals(uow: UnitOfWork, *, durable: bool = False) -> Iterator[None]:
    """``uow.atomic()`` around a use case that may refuse a step: a refusal ``refuse`` wrote is
    the record of what was refused, so the block commits it and the refusal is raised after;
    any other error writes nothing. Inside another transaction the refusal is that
    transaction's to keep or roll back, as every nested block's work is."""
    refused: StepRefused | None = None
    with uow.atomic(durable=durable):
        try:
            yield
        except StepRefused as error:
            refused = error
    if refused is not None:
        raise refused


def refusal_text(decision: Decision) -> str:
    return "; ".join(result.explanation for result in decision.failed)


def refuse(
    uow: UnitOfWork,
    callback: Callback,
    decision: Decision,
    *,
    actor: Actor,
    step: Step | str,
    agent_id: int | None = None,
    facts: dict[str, Any] | None = None,
    field: str = "step",
) -> NoReturn:
    """Records the refusal (``refused`` event naming the rule IDs, the callback's last refusal,
    an audit record) and raises ``StepRefused`` carrying the decision; the use case's
    ``atomic_keeping_refusals`` block commits the record. Callers refuse before they write:
    whatever else the transaction holds is committed with the refusal."""
    rule_ids = list(decision.failed_rule_ids)
    detail = refusal_text(decision)
    step_name = step.value if isinstance(step, Step) else step
    shown = {
        "step": step_name,
        "agent_id": agent_id,
        "next_allowed_at": decision.next_allowed_at,
        "required_steps": [item.label for item in decision.required_steps],
        **(facts or {}),
    }
    uow.session.execute(
        update(Callback)
        .where(Callback.id == callback.id)
        .values(refused_rules=rule_ids, refusal_detail=scrub_text(detail)[:MAX_DETAIL])
        .execution_options(synchronize_session=False)
    )
    add_event(
        uow,
        callback,
        actor=actor,
        kind=Event.REFUSED,
        from_status=callback.status,
        to_status=callback.status,
        rule_ids=rule_ids,
        detail=detail,
        facts=shown,
    )
    record(
        uow,
        actor=actor,
        action="callback.step_refused",
        subject_type="callback",
        subject_id=callback.id,
        details={"rule_ids": rule_ids, **plain(shown)},
    )
    first = decision.failed[0].sentence if decision.failed else "refused"
    raise StepRefused(
        f"{step_name} refused by {', '.join(rule_ids)}: {first}",
        field=field,
        extra={"rule_ids": rule_ids, "decision": decision_to_json(decision)},
    )
