"""A callback request the policy refuses for good: stored as a REFUSED callback (so the refusal
is on record, with its rule IDs and their sentences), then answered as a refusal — a 409 problem
document from the API, one line per rule on stderr from the CLI — naming the stored refusal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select

from caredesk.audit.service import Actor, record
from caredesk.callbacks.models import Callback, CallbackEvent, CallbackStatus
from caredesk.callbacks.records import MAX_DETAIL, Event, add_event
from caredesk.db.session import UnitOfWork
from caredesk.errors import PolicyRefused
from caredesk.policy import RuleResult

# The request field each rule that can refuse a request for good judges; the problem document
# names it so a client knows what to change.
RULE_FIELDS = {
    "OB-SCOPE-CUSTOMER": "number",
    "OB-SCOPE-BULK": "reason",
    "OB-REASON": "reason",
    "OB-NO-CALL-DISCONNECT": "last_call_end",
    "OB-NO-CALL-TIME": "last_call_end",
    "OB-NO-ACTIVATION": "policy_reference",
    "OB-NO-SALES": "policy_reference",
    "OB-SPOKE-FIRST": "customer_spoken_to",
    "OB-LEADER-TICKET": "agent_spoke_to_customer",
    "OB-INTL": "number",
    "OB-WINDOW": "number",
    "OB-SA-OWNERSHIP": "owner_agent_id",
}


class CallbackRequestRefused(PolicyRefused):
    """The request was refused for good and stored as refusal ``callback_id``."""


def add_requested(
    uow: UnitOfWork, callback: Callback, *, actor: Actor, facts: dict[str, Any]
) -> None:
    """Stores a new request and its REQUESTED event, whatever the policy then says of it."""
    uow.session.add(callback)
    uow.flush()
    add_event(
        uow,
        callback,
        actor=actor,
        kind=Event.REQUESTED,
        to_status=CallbackStatus.REQUESTED.value,
        facts=facts,
    )


def store_refused(
    uow: UnitOfWork,
    callback: Callback,
    *,
    actor: Actor,
    results: Sequence[RuleResult],
    snapshot: Callable[[Callback], dict[str, Any]],
    facts: dict[str, Any],
) -> Callback:
    """Stores the request as REFUSED, with the refusing rules and their sentences (no commit)."""
    now = uow.clock.now()
    rule_ids = [result.rule_id for result in results]
    detail = "; ".join(result.explanation for result in results)
    callback.status = CallbackStatus.REFUSED.value
    callback.refused_rules = rule_ids
    callback.refusal_detail = detail[:MAX_DETAIL]
    callback.closed_at = now
    add_requested(uow, callback, actor=actor, facts=facts)
    add_event(
        uow,
        callback,
        actor=actor,
        kind=Event.REFUSED,
        from_status=CallbackStatus.REQUESTED.value,
        to_status=CallbackStatus.REFUSED.value,
        rule_ids=rule_ids,
        detail=detail,
        facts={
            "step": "create",
            "rules": [{"rule_id": r.rule_id, "sentence": r.sentence} for r in results],
        },
    )
    record(
        uow,
        actor=actor,
        action="callback.refused",
        subject_type="callback",
        subject_id=callback.id,
        after=snapshot(callback),
        details={"rule_ids": rule_ids},
    )
    return callback


def refusal_rules(uow: UnitOfWork, callback: Callback) -> list[dict[str, str]]:
    """The refusing rules of a stored refusal, each with its sentence."""
    event = uow.session.scalar(
        select(CallbackEvent)
        .where(CallbackEvent.callback_id == callback.id, CallbackEvent.kind == Event.REFUSED)
        .order_by(CallbackEvent.id.desc())
        .limit(1)
    )
    stored = (event.facts or {}).get("rules") if event is not None else None
    if isinstance(stored, list) and stored:
        return [{"rule_id": str(i["rule_id"]), "sentence": str(i["sentence"])} for i in stored]
    # Refusals stored before the sentences were kept one by one: the joined text for each.
    return [
        {"rule_id": rule_id, "sentence": callback.refusal_detail or "refused"}
        for rule_id in callback.refused_rules or []
    ]


def refused_error(uow: UnitOfWork, callback: Callback) -> CallbackRequestRefused:
    """The refusal to answer for a request stored as REFUSED."""
    rules = refusal_rules(uow, callback)
    rule_ids = [item["rule_id"] for item in rules]
    first = rules[0] if rules else {"rule_id": "", "sentence": "refused"}
    return CallbackRequestRefused(
        f"the callback request is refused by {', '.join(rule_ids)}: {first['sentence']} "
        f"(the refusal is stored as callback {callback.id})",
        field=RULE_FIELDS.get(first["rule_id"], "reason"),
        extra={
            "callback_id": callback.id,
            "refusal_id": callback.id,
            "rule_ids": rule_ids,
            "rules": rules,
        },
    )


def raise_if_refused(uow: UnitOfWork, callback: Callback) -> Callback:
    """The callback itself, unless the request was refused for good: then the refusal."""
    if callback.status == CallbackStatus.REFUSED.value:
        raise refused_error(uow, callback)
    return callback
