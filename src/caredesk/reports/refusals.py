"""Refusals by rule: how many times each catalogue rule refused a callback (at its request or
at any later step), over all time for /metrics or over a period for the dashboard; the query
of the refusals behind a figure; and each refusal's rules with their sentences."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, bindparam, cast, select, text
from sqlalchemy.sql import Select

from caredesk.callbacks.models import CallbackEvent
from caredesk.callbacks.records import Event
from caredesk.db.base import UTCDateTime
from caredesk.db.session import UnitOfWork
from caredesk.errors import ValidationFailed
from caredesk.policy import RULES_BY_ID

OTHER = "other"
MAX_RULE = 40
_PERIOD = "AND at >= :since AND at < :until"
_BY_RULE_SQL = {
    # rule_ids is a JSON array; a JSON null (no rules) counts for nothing.
    "postgresql": """
        SELECT rule, count(*) FROM callback_events,
            json_array_elements_text(
                CASE WHEN json_typeof(rule_ids) = 'array' THEN rule_ids ELSE '[]'::json END
            ) AS rule
        WHERE kind = 'refused' {period} GROUP BY rule
    """,
    "sqlite": """
        SELECT rules.value, count(*) FROM callback_events,
            json_each(CASE WHEN json_type(rule_ids) = 'array' THEN rule_ids ELSE '[]' END) AS rules
        WHERE kind = 'refused' {period} GROUP BY rules.value
    """,
}
# "blocked by OB-WINDOW: it is 21:40 in New York; ..." as a step's refusal is written.
_EXPLAINED = re.compile(r"(?:^|; )blocked by ([A-Z][A-Z0-9-]{0,39}): ")


def rule_title(rule_id: str) -> str:
    rule = RULES_BY_ID.get(rule_id)
    return rule.title if rule is not None else ""


def known_rule(rule_id: str, *, field: str = "rule") -> str:
    if len(rule_id) > MAX_RULE or rule_id not in RULES_BY_ID:
        raise ValidationFailed(f"{rule_id[:MAX_RULE]!r} is not a catalogue rule ID", field=field)
    return rule_id


def refusals_by_rule(
    uow: UnitOfWork, *, since: datetime | None = None, until: datetime | None = None
) -> dict[str, int]:
    """Refusals per rule ID (a refusal naming two rules counts for each), every catalogue rule
    listed (zero when it refused nothing), anything else as "other"; within [since, until)
    when both are given."""
    counts = dict.fromkeys(sorted(RULES_BY_ID), 0)
    dialect = uow.session.get_bind().dialect.name
    period = since is not None and until is not None
    query = text(_BY_RULE_SQL[dialect].format(period=_PERIOD if period else ""))
    if period:
        query = query.bindparams(
            bindparam("since", since, type_=UTCDateTime()),
            bindparam("until", until, type_=UTCDateTime()),
        )
    for rule, count in uow.session.execute(query):
        key = rule if rule in counts else OTHER
        counts[key] = counts.get(key, 0) + int(count)
    return counts


def refusals_query(
    *, rule: str | None = None, since: datetime | None = None, until: datetime | None = None
) -> Select[CallbackEvent]:
    """The refusal events (of ``rule`` when given) in [since, until)."""
    query = select(CallbackEvent).where(CallbackEvent.kind == Event.REFUSED)
    if since is not None:
        query = query.where(CallbackEvent.at >= since)
    if until is not None:
        query = query.where(CallbackEvent.at < until)
    if rule is not None:
        # The array as stored holds each ID in quotes; a catalogue ID has no LIKE wildcard.
        query = query.where(cast(CallbackEvent.rule_ids, String).like(f'%"{known_rule(rule)}"%'))
    return query


@dataclass(frozen=True)
class RuleReason:
    rule_id: str
    title: str
    sentence: str


@dataclass(frozen=True)
class Refusal:
    """One refusal as a leader reads it: when, at which step, by which rules and why."""

    event: CallbackEvent
    step: str
    reasons: list[RuleReason]


def explain(event: CallbackEvent) -> Refusal:
    step = str((event.facts or {}).get("step") or "create")
    # A request refused for good is refused at its creation.
    words = "request" if step == "create" else step.replace("_", " ")
    return Refusal(event, words, refusal_reasons(event))


def refusal_reasons(event: CallbackEvent) -> list[RuleReason]:
    """The rules of one refusal, each with its sentence: as stored with the refusal of a
    request, else read from the step refusal's explanation, else the whole explanation."""
    facts: dict[str, Any] = event.facts or {}
    stored = facts.get("rules")
    if isinstance(stored, list) and stored:
        return [
            RuleReason(
                str(item["rule_id"]), rule_title(str(item["rule_id"])), str(item["sentence"])
            )
            for item in stored
            if isinstance(item, dict) and "rule_id" in item and "sentence" in item
        ]
    detail = event.detail or ""
    parts = _EXPLAINED.split(detail)
    # split() gives ["", id1, text1, id2, text2, ...] when the text is a list of explanations.
    explained = dict(zip(parts[1::2], parts[2::2], strict=True)) if len(parts) > 1 else {}
    return [
        RuleReason(rule_id, rule_title(rule_id), explained.get(rule_id) or detail or "refused")
        for rule_id in event.rule_ids or []
    ]
