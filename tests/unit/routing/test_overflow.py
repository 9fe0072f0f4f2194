"""Overflow: entry rules (estimate, waiting per agent, full queue, closing time) and waited_over
rules firing once while the contact keeps waiting; moves keep the caller's place."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from types import MappingProxyType

from caredesk.routing.config_file import default_routing_config
from caredesk.routing.config_queues import OverflowActionKind, OverflowCondition, OverflowRule
from caredesk.routing.overflow import EntryFacts, entry_overflow, offers_callback
from caredesk.routing.state import RoutingState
from tests.unit.routing.routing_cases import agent, at, contact, queue

CONFIG = default_routing_config()
WORDS = MappingProxyType({"en": "x"})


def test_entry_rules_of_the_default_line() -> None:
    billing = CONFIG.queues["billing"]
    noon = datetime(2026, 3, 10, 16, tzinfo=UTC)
    assert entry_overflow(billing, EntryFacts(3, 5, 600), noon) is None
    fired = entry_overflow(billing, EntryFacts(3, 5, 901), noon)
    assert fired is not None and fired.action is OverflowActionKind.CALLBACK
    technical = CONFIG.queues["technical"]
    assert entry_overflow(technical, EntryFacts(199, 5), noon) is None
    full = entry_overflow(technical, EntryFacts(200, 5), noon)
    assert full is not None and full.condition is OverflowCondition.QUEUE_FULL
    general = CONFIG.queues["general_care"]
    # General care closes at 22:00 New York time (02:00 UTC in March after the DST change).
    assert (
        entry_overflow(general, EntryFacts(0, 5), datetime(2026, 3, 11, 1, 54, tzinfo=UTC)) is None
    )
    closing = entry_overflow(general, EntryFacts(0, 5), datetime(2026, 3, 11, 1, 55, tzinfo=UTC))
    assert closing is not None and closing.name == "closing_soon"


def test_waiting_per_agent_and_the_first_rule_wins() -> None:
    rules = (
        OverflowRule(
            "per_agent",
            OverflowCondition.WAITING_PER_AGENT_OVER,
            3,
            OverflowActionKind.QUEUE,
            "care",
        ),
        OverflowRule(
            "full", OverflowCondition.QUEUE_FULL, 5, OverflowActionKind.VOICEMAIL, None, WORDS
        ),
    )
    settings = queue("billing", overflow=rules)
    now = at(0)
    # Both apply to a seventh caller for two agents: the first written wins.
    assert entry_overflow(settings, EntryFacts(6, 2), now) is rules[0]
    # Six for two is 3 per agent, not over 3; the queue is full, though.
    assert entry_overflow(settings, EntryFacts(5, 2), now) is rules[1]
    assert entry_overflow(settings, EntryFacts(4, 2), now) is None
    assert entry_overflow(settings, EntryFacts(0, 0), now) is rules[0]
    assert offers_callback(settings, 241) and not offers_callback(settings, 240)
    assert not offers_callback(settings, None)


def test_waited_over_fires_once_and_the_move_keeps_the_place() -> None:
    rules = (
        OverflowRule(
            "offer", OverflowCondition.WAITED_OVER, 60, OverflowActionKind.CALLBACK, None, WORDS
        ),
        OverflowRule("spill", OverflowCondition.WAITED_OVER, 120, OverflowActionKind.QUEUE, "care"),
    )
    state = RoutingState(
        {"billing": queue("billing", overflow=rules), "care": queue("care", skill="care")}
    )
    state.add_contact(contact("c", "billing", 0))
    state.add_contact(contact("early_care", "care", 50))
    assert state.route(at(59)).overflows == ()
    first = state.route(at(60)).overflows
    assert [(o.rule, o.action) for o in first] == [("offer", OverflowActionKind.CALLBACK)]
    assert state.route(at(90)).overflows == ()
    spill = state.route(at(130)).overflows
    assert [(o.rule, o.target_queue) for o in spill] == [("spill", "care")]
    state.move_contact("c", "care")
    assert state.contact("c").overflowed == frozenset({"billing.offer", "billing.spill"})
    # In care the contact is ahead of a care caller who arrived after it.
    assert state.ahead("early_care") == 1
    state.add_agent(agent("carer", skills={"care": 1}, primary=("care",), idle=0))
    assert [m.contact_id for m in state.route(at(131)).assignments] == ["c"]


def test_with_nobody_logged_in_a_callback_is_offered_where_the_queue_offers_them() -> None:
    settings = queue("billing")
    assert settings.callback_offer_seconds is not None
    # No figure to compare with the threshold, and no agent to end the wait.
    assert offers_callback(settings, None, staffed=0)
    assert offers_callback(settings, 10, staffed=0)
    assert not offers_callback(settings, None, staffed=1)
    assert not offers_callback(settings, 10, staffed=3)
    silent = dataclasses.replace(settings, callback_offer_seconds=None)
    assert not offers_callback(silent, None, staffed=0)
