"""The IVR walker over the shipped menu: digits and keywords, invalid and no input replayed up to
the limit then general care, language choice, back and repeat, after-hours behaviour."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from caredesk.routing.config import parse_routing_config
from caredesk.routing.config_file import default_routing_config
from caredesk.routing.config_queues import AfterHoursAction
from caredesk.routing.ivr import (
    CallerInput,
    InputKind,
    IvrState,
    RouteReason,
    match_keywords,
    start,
    step,
    walk,
)

CONFIG = default_routing_config()
# Tuesday 10 March 2026, 14:00 in New York: every department open.
OPEN = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
# 01:00 in New York: only the emergency line abroad is open.
NIGHT = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)
D = CallerInput.digit
W = CallerInput.words


def test_the_call_starts_with_the_language_menu() -> None:
    first = start(CONFIG)
    assert first.state.menu == "language" and first.state.language == "en"
    assert "Para español" in first.say[0]
    assert not first.finished


@pytest.mark.parametrize(
    ("inputs", "queue", "priority"),
    [
        ([D("1"), D("1")], "billing", 0),
        ([D("1"), D("2")], "technical", 0),
        ([D("1"), D("3")], "account", 0),
        ([D("1"), D("4"), D("1")], "business", 2),
        ([D("1"), D("4"), D("2")], "business_technical", 2),
        ([D("1"), D("5"), D("1")], "international_emergency", 5),
        ([D("1"), D("5"), D("2")], "international", 0),
        ([D("1"), D("5"), D("3")], "international_billing", 0),
        ([D("1"), D("0")], "general_care", 0),
        ([W("English"), W("I want to pay my BILL")], "billing", 0),
        ([D("1"), W("can I talk to a supervisor")], "supervisor", 0),
        ([D("1"), W("international"), W("my phone was stolen")], "international_emergency", 5),
        ([D("2"), W("quiero cambiar mi plan")], "account", 0),
    ],
)
def test_menu_paths_reach_the_departments(
    inputs: list[CallerInput], queue: str, priority: int
) -> None:
    result = walk(CONFIG, inputs, OPEN)
    assert result.finished and result.route is not None
    assert (result.route.queue, result.route.priority) == (queue, priority)
    assert result.route.reason is RouteReason.SELECTED
    assert len(result.state.path) == len(inputs)
    assert all(entry.accepted for entry in result.state.path)


def test_spanish_callers_hear_spanish() -> None:
    chosen = walk(CONFIG, [D("2")], OPEN)
    assert chosen.state.language == "es"
    assert chosen.say[0].startswith("Para facturación")
    routed = step(CONFIG, chosen.state, D("1"), OPEN)
    assert routed.say == ("Por favor espere mientras le comunicamos.",)


def test_invalid_and_no_input_replay_then_general_care() -> None:
    at_main = walk(CONFIG, [D("1")], OPEN)
    once = step(CONFIG, at_main.state, D("7"), OPEN)
    assert once.say[0] == "Sorry, that isn't one of the choices."
    assert once.say[1] == CONFIG.ivr.menus["main"].prompt["en"]
    assert once.state.misses == 1 and not once.finished
    twice = step(CONFIG, once.state, CallerInput.no_input(), OPEN)
    assert twice.say[0] == "Sorry, I didn't hear anything." and twice.state.misses == 2
    third = step(CONFIG, twice.state, CallerInput.invalid(), OPEN)
    assert third.finished and third.route is not None
    assert (third.route.queue, third.route.reason) == ("general_care", RouteReason.FALLBACK)
    assert third.say[0] == "Let me connect you with our general care team."
    assert [entry.kind for entry in third.state.path][1:] == [
        InputKind.DIGIT,
        InputKind.NO_INPUT,
        InputKind.INVALID,
    ]
    assert [entry.accepted for entry in third.state.path] == [True, False, False, False]


def test_a_good_choice_resets_the_miss_count() -> None:
    result = walk(CONFIG, [D("1"), D("8"), D("8"), D("5"), D("8"), D("8"), D("2")], OPEN)
    assert result.route is not None and result.route.queue == "international"


def test_repeat_and_back() -> None:
    at_main = walk(CONFIG, [D("1")], OPEN)
    repeated = step(CONFIG, at_main.state, D("9"), OPEN)
    assert repeated.say == (CONFIG.ivr.menus["main"].prompt["en"],)
    inside = step(CONFIG, repeated.state, D("5"), OPEN)
    assert inside.state.menu == "international" and inside.state.trail == ("language", "main")
    back = step(CONFIG, inside.state, D("*"), OPEN)
    assert back.state.menu == "main" and back.state.trail == ("language",)


def test_after_hours_offers_the_queues_action() -> None:
    billing = walk(CONFIG, [D("1"), D("1")], NIGHT)
    assert billing.finished and billing.route is None and billing.closed is not None
    assert (billing.closed.queue, billing.closed.action) == ("billing", AfterHoursAction.CALLBACK)
    general = walk(CONFIG, [D("1"), D("0")], NIGHT)
    assert general.closed is not None and general.closed.action is AfterHoursAction.VOICEMAIL
    emergency = walk(CONFIG, [D("1"), D("5"), D("1")], NIGHT)
    assert emergency.route is not None and emergency.route.queue == "international_emergency"


def test_after_hours_transfer_to_an_open_queue(minimal: dict[str, Any]) -> None:
    minimal["queues"]["billing"]["after_hours"] = {
        "action": "queue",
        "queue": "care",
        "message": {"en": "Billing is closed; general care will help."},
    }
    config = parse_routing_config(minimal)
    sunday = datetime(2026, 3, 15, 16, tzinfo=UTC)
    result = walk(config, [D("1")], sunday)
    assert result.route is not None
    assert (result.route.queue, result.route.chosen_queue) == ("care", "billing")
    assert result.route.reason is RouteReason.AFTER_HOURS
    assert result.say == ("Billing is closed; general care will help.", "Hold on.")


def test_keyword_matching_prefers_the_longest_and_refuses_ties() -> None:
    international = CONFIG.ivr.menus["international"]
    option = match_keywords(international, "I have international charges on my bill")
    assert option is not None and option.queue == "international_billing"
    main = CONFIG.ivr.menus["main"]
    assert match_keywords(main, "billing and technical") is None
    assert match_keywords(main, "banana") is None
    assert match_keywords(main, "  Pay   My Bill ") is main.by_keyword["pay my bill"]


def test_misuse_is_refused() -> None:
    done = walk(CONFIG, [D("1"), D("1")], OPEN)
    with pytest.raises(ValueError, match="ended"):
        step(CONFIG, done.state, D("1"), OPEN)
    with pytest.raises(ValueError, match="aware"):
        step(CONFIG, start(CONFIG).state, D("1"), datetime(2026, 3, 10, 12))
    with pytest.raises(ValueError, match="no menu"):
        step(CONFIG, IvrState(menu="nowhere", language="en"), D("1"), OPEN)
    with pytest.raises(ValueError, match="digit"):
        D("12")
    with pytest.raises(ValueError, match="at most"):
        W("x" * 501)
