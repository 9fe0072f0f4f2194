"""Routing configuration: the shipped default is the customer guide's line; bad values are
refused at start with their dotted key named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from caredesk.routing.config import RoutingConfigError, parse_routing_config
from caredesk.routing.config_file import (
    RoutingFileError,
    default_routing_config,
    default_routing_text,
    load_routing,
    load_routing_file,
)
from caredesk.routing.config_queues import (
    AfterHoursAction,
    CallbackMode,
    OverflowActionKind,
    OverflowCondition,
    SkillStep,
    Strategy,
)


def test_default_file_is_the_customer_guides_main_line() -> None:
    config = default_routing_config()
    assert config.languages == ("en", "es")
    assert {
        "general_care",
        "billing",
        "technical",
        "account",
        "business",
        "international",
        "international_emergency",
        "supervisor",
    } <= set(config.queues)
    main = config.ivr.menus["main"]
    assert {option.queue or option.next for option in main.options} >= {
        "billing",
        "technical",
        "account",
        "business",
        "international",
        "general_care",
    }
    emergency = config.queues["international_emergency"]
    assert emergency.hours.always
    emergency_option = config.ivr.menus["international"].by_digit["1"]
    assert (emergency_option.queue, emergency_option.priority) == ("international_emergency", 5)
    business = config.ivr.menus["business"].by_digit["1"]
    assert (business.queue, business.priority) == ("business", 2)
    assert config.ivr.fallback_queue == "general_care"
    billing = config.queues["billing"]
    assert billing.steps == (SkillStep(0, 3), SkillStep(30, 2), SkillStep(60, 1))
    assert billing.priority_offset_seconds == 60
    assert billing.strategy is Strategy.LONGEST_IDLE
    assert billing.after_hours.action is AfterHoursAction.CALLBACK
    assert [rule.condition for rule in billing.overflow] == [
        OverflowCondition.ESTIMATED_WAIT_OVER,
        OverflowCondition.WAITED_OVER,
    ]
    assert billing.overflow[1].action is OverflowActionKind.QUEUE
    assert config.queues["general_care"].service_level.exclude_short_abandons
    assert {queue.wrap_up_seconds for queue in config.queues.values()} == {60.0}
    assert {queue.callback_mode for queue in config.queues.values()} == {CallbackMode.AGENT_FIRST}
    assert {queue.callback_expiry_minutes for queue in config.queues.values()} == {240}


def test_queue_callback_mode_and_expiry_are_per_queue(minimal: dict[str, Any]) -> None:
    _set(minimal, "queues.billing.callback_mode", "customer_first")
    _set(minimal, "queue_defaults.callback_expiry_minutes", 90)
    queues = parse_routing_config(minimal).queues
    assert queues["billing"].callback_mode is CallbackMode.CUSTOMER_FIRST
    assert queues["care"].callback_mode is CallbackMode.AGENT_FIRST
    assert {queue.callback_expiry_minutes for queue in queues.values()} == {90}


def test_wrap_up_time_is_per_queue_and_may_be_zero(minimal: dict[str, Any]) -> None:
    _set(minimal, "queues.billing.wrap_up_seconds", 0)
    queues = parse_routing_config(minimal).queues
    assert (queues["billing"].wrap_up_seconds, queues["care"].wrap_up_seconds) == (0.0, 60.0)


def test_queue_helpers_follow_the_steps(minimal: dict[str, Any]) -> None:
    billing = parse_routing_config(minimal).queues["billing"]
    assert [billing.min_level_at(t) for t in (0, 29.9, 30, 59, 60, 1e6)] == [4, 4, 2, 2, 0, 0]
    assert [billing.relax_after(level) for level in (5, 4, 3, 2, 1, 0)] == [0, 0, 30, 30, 60, 60]
    care = parse_routing_config(minimal).queues["care"]
    assert care.relax_after(0) is None and care.relax_after(1) == 0


def _set(mapping: dict[str, Any], path: str, value: object) -> None:
    *parents, last = path.split(".")
    for part in parents:
        mapping = mapping[part]
    mapping[last] = value


@pytest.mark.parametrize(
    ("path", "value", "key"),
    [
        ("routing.skills", [], "routing.skills"),
        ("routing.skills", ["care", "Care!"], "routing.skills"),
        ("routing.languages", ["english"], "routing.languages"),
        ("routing.colour", "blue", "routing.colour"),
        ("hours.day.zone", "Mars/Olympus", "hours.day.zone"),
        ("hours.day.monday", "17:00-09:00", "hours.day.monday"),
        ("hours.day.monday", "9-5", "hours.day.monday"),
        ("hours.day.closed_on", ["25/12/2026"], "hours.day.closed_on"),
        ("queues.billing.skill", "sales", "queues.billing.skill"),
        ("queues.billing.hours", "night", "queues.billing.hours"),
        ("queues.billing.priority_offset_seconds", -1, "queues.billing.priority_offset_seconds"),
        ("queues.billing.strategy", "random", "queues.billing.strategy"),
        ("queues.billing.steps", [], "queues.billing.steps"),
        (
            "queues.billing.steps",
            [{"after_seconds": 5, "min_level": 3}],
            "queues.billing.steps[0].after_seconds",
        ),
        (
            "queues.billing.steps",
            [{"after_seconds": 0, "min_level": 2}, {"after_seconds": 10, "min_level": 3}],
            "queues.billing.steps[1].min_level",
        ),
        (
            "queues.billing.steps",
            [{"after_seconds": 0, "min_level": 11}],
            "queues.billing.steps[0].min_level",
        ),
        ("queues.billing.service_level", {"target": 1.5}, "queues.billing.service_level.target"),
        (
            "queues.billing.after_hours",
            {"action": "queue", "message": {"en": "x"}},
            "queues.billing.after_hours.queue",
        ),
        (
            "queues.billing.after_hours",
            {"action": "message"},
            "queues.billing.after_hours.message",
        ),
        (
            "queues.billing.overflow",
            [{"name": "x", "when": "waited_over", "limit": 60, "action": "queue", "queue": "nope"}],
            "queues.billing.overflow[0].queue",
        ),
        (
            "queues.billing.overflow",
            [{"name": "x", "when": "soon", "limit": 60, "action": "voicemail"}],
            "queues.billing.overflow[0].when",
        ),
        (
            "queues.billing.overflow",
            [{"name": "x", "when": "queue_full", "limit": 1.5, "action": "voicemail"}],
            "queues.billing.overflow[0].limit",
        ),
        (
            "queues.billing.overflow",
            [{"name": "x", "when": "queue_full", "limit": 10, "action": "voicemail"}],
            "queues.billing.overflow[0].message",
        ),
        ("queues.billing.wrap_up_seconds", -1, "queues.billing.wrap_up_seconds"),
        ("queues.billing.wrap_up_seconds", 3601, "queues.billing.wrap_up_seconds"),
        ("queues.billing.wrap_up_seconds", "1 min", "queues.billing.wrap_up_seconds"),
        ("queue_defaults.wrap_up_seconds", True, "queue_defaults.wrap_up_seconds"),
        ("queues.billing.callback_mode", "agent", "queues.billing.callback_mode"),
        ("queue_defaults.callback_mode", 1, "queue_defaults.callback_mode"),
        ("queues.billing.callback_expiry_minutes", 0, "queues.billing.callback_expiry_minutes"),
        ("queues.billing.callback_expiry_minutes", 1.5, "queues.billing.callback_expiry_minutes"),
        ("queue_defaults.callback_expiry_minutes", 20000, "queue_defaults.callback_expiry_minutes"),
        ("queue_defaults.title", "x", "queue_defaults.title"),
        ("ivr.entry", "start", "ivr.entry"),
        ("ivr.fallback_queue", "nobody", "ivr.fallback_queue"),
        ("ivr.max_replays", 11, "ivr.max_replays"),
        ("ivr.connect_prompt", {}, "ivr.connect_prompt.en"),
        ("ivr.menus.main.options", [], "ivr.menus.main.options"),
        (
            "ivr.menus.main.options",
            [{"digit": "x", "queue": "care"}],
            "ivr.menus.main.options[0].digit",
        ),
        ("ivr.menus.main.options", [{"queue": "care"}], "ivr.menus.main.options[0]"),
        (
            "ivr.menus.main.options",
            [{"digit": "1", "queue": "care", "next": "main"}],
            "ivr.menus.main.options[0]",
        ),
        (
            "ivr.menus.main.options",
            [{"digit": "1", "next": "other"}],
            "ivr.menus.main.options[0].next",
        ),
        (
            "ivr.menus.main.options",
            [{"digit": "1", "queue": "care"}, {"digit": "1", "queue": "billing"}],
            "ivr.menus.main.options[1].digit",
        ),
        (
            "ivr.menus.main.options",
            [
                {"digit": "1", "keywords": ["Help"], "queue": "care"},
                {"digit": "2", "keywords": [" help "], "queue": "billing"},
            ],
            "ivr.menus.main.options[1].keywords",
        ),
        (
            "ivr.menus.main.options",
            [{"digit": "1", "queue": "care", "language": "fr"}],
            "ivr.menus.main.options[0].language",
        ),
        (
            "ivr.menus.main.options",
            [{"digit": "1", "action": "repeat", "priority": 2}],
            "ivr.menus.main.options[0].priority",
        ),
    ],
)
def test_bad_values_are_refused_naming_the_key(
    minimal: dict[str, Any], path: str, value: object, key: str
) -> None:
    _set(minimal, path, value)
    with pytest.raises(RoutingConfigError) as caught:
        parse_routing_config(minimal)
    assert caught.value.key == key


def test_after_hours_chains_must_end(minimal: dict[str, Any]) -> None:
    minimal["queues"]["care"]["after_hours"] = {
        "action": "queue",
        "queue": "billing",
        "message": {"en": "x"},
    }
    minimal["queues"]["billing"]["after_hours"] = {
        "action": "queue",
        "queue": "care",
        "message": {"en": "x"},
    }
    with pytest.raises(RoutingConfigError, match="circle"):
        parse_routing_config(minimal)


def test_every_language_needs_every_prompt(minimal: dict[str, Any]) -> None:
    minimal["routing"]["languages"] = ["en", "es"]
    with pytest.raises(RoutingConfigError) as caught:
        parse_routing_config(minimal)
    assert caught.value.key.endswith(".es")


def test_queue_defaults_layer_under_each_queue(minimal: dict[str, Any]) -> None:
    minimal["queue_defaults"]["priority_offset_seconds"] = 90
    minimal["queues"]["care"]["priority_offset_seconds"] = 10
    config = parse_routing_config(minimal)
    assert config.queues["billing"].priority_offset_seconds == 90
    assert config.queues["care"].priority_offset_seconds == 10
    assert config.queues["billing"].callback_offer_seconds is None


def test_files_are_read_and_errors_name_the_file(tmp_path: Path) -> None:
    good = tmp_path / "routing.toml"
    good.write_text(default_routing_text(), encoding="utf-8")
    assert load_routing_file(good) == default_routing_config()
    assert load_routing(environ={"CAREDESK_ROUTING_FILE": str(good)}) == default_routing_config()
    bad = tmp_path / "bad.toml"
    bad.write_text(default_routing_text().replace("max_replays = 2", 'max_replays = "two"'))
    with pytest.raises(RoutingFileError) as caught:
        load_routing_file(bad)
    assert caught.value.key == "ivr.max_replays" and str(bad) in str(caught.value)
    broken = tmp_path / "broken.toml"
    broken.write_text("[queues\n")
    with pytest.raises(RoutingFileError, match="not valid TOML"):
        load_routing_file(broken)
    with pytest.raises(RoutingFileError, match="no such file"):
        load_routing_file(tmp_path / "missing.toml")
