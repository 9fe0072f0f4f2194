"""Policy configuration: handbook defaults, team layering, errors that name the key."""

from __future__ import annotations

from datetime import time
from typing import Any

import pytest

from caredesk.policy import (
    AgentState,
    CallbackOrigin,
    CallbackReason,
    LineOfBusiness,
    PolicyConfig,
    PolicyConfigError,
    parse_policy_config,
)


def test_defaults_are_the_handbook_values() -> None:
    config = PolicyConfig()
    care = config.for_lob(LineOfBusiness.CARE)
    assert (care.window_start, care.window_end) == (time(9), time(20))
    assert care.max_attempts_without_contact == 2
    assert config.for_lob(LineOfBusiness.GLOBAL_CARE).max_attempts_without_contact == 1
    assert CallbackReason.EMAIL_REQUEST in config.for_lob(LineOfBusiness.SA_BTS).reasons
    assert CallbackReason.EMAIL_REQUEST not in care.reasons
    assert (
        config.template_for(CallbackReason.DROPPED_CALL, CallbackOrigin.FOLLOW_UP) == "Dropped Call"
    )
    assert parse_policy_config({}) == config


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        (
            {"lob": {"global_care": {"max_attempts_without_contact": 0}}},
            "lob.global_care.max_attempts_without_contact: must be an integer >= 1",
        ),
        (
            {"lob": {"global_care": {"max_attempts_without_contact": True}}},
            "lob.global_care.max_attempts_without_contact: must be an integer >= 1",
        ),
        ({"defaults": {"window_start": "9am"}}, "defaults.window_start: must be a 24-hour"),
        ({"defaults": {"window_end": "08:00"}}, "defaults.window_end: must be after window_start"),
        (
            {"lob": {"care": {"window_start": "21:00"}}},
            "lob.care.window_start: must be before window_end (20:00)",
        ),
        ({"lob": {"call_centre": {}}}, "lob.call_centre: unknown key"),
        ({"defaults": {"max_attempts": 3}}, "defaults.max_attempts: unknown key"),
        ({"window": {}}, "window: unknown key"),
        ({"defaults": {"reasons": ["upsell"]}}, "defaults.reasons: unknown reason code 'upsell'"),
        ({"lob": {"sa_ats": {"international_calling": "yes"}}}, "must be true or false"),
        ({"templates": {"dropped_call": ""}}, "templates.dropped_call: must be a non-empty"),
        ({"dialing": {"domestic_regions": ["usa"]}}, "'usa' is not a two-letter region code"),
        ({"memo": {"min_field_chars": -1}}, "memo.min_field_chars: must be an integer >= 1"),
        ({"spoke_first": {"exempt_origins": ["web"]}}, "unknown origin 'web'"),
        ({"lob": []}, "lob: must be a table"),
        (
            {"verification": {"max_pin_attempts": 0}},
            "verification.max_pin_attempts: must be an integer >= 1",
        ),
        ({"verification": {"pin_tries": 2}}, "verification.pin_tries: unknown key"),
        (
            {"agent_state": {"after_wrap_up": "not_ready_break"}},
            "agent_state.after_wrap_up: must be one of: not_ready_follow_up, ready",
        ),
    ],
)
def test_bad_values_name_the_key(mapping: dict[str, Any], message: str) -> None:
    with pytest.raises(PolicyConfigError) as raised:
        parse_policy_config(mapping)
    assert str(raised.value).startswith(message) or message in str(raised.value)


def test_the_pin_attempt_limit_defaults_to_three_and_is_configurable() -> None:
    assert PolicyConfig().max_pin_attempts == 3
    assert parse_policy_config({"verification": {"max_pin_attempts": 5}}).max_pin_attempts == 5


def test_after_wrap_up_defaults_to_follow_up_and_may_be_ready() -> None:
    assert PolicyConfig().after_wrap_up is AgentState.NOT_READY_FOLLOW_UP
    config = parse_policy_config({"agent_state": {"after_wrap_up": "ready"}})
    assert config.after_wrap_up is AgentState.READY


def test_defaults_do_not_override_a_handbook_team_exception() -> None:
    config = parse_policy_config({"defaults": {"max_attempts_without_contact": 3}})
    assert config.for_lob(LineOfBusiness.CARE).max_attempts_without_contact == 3
    assert config.for_lob(LineOfBusiness.GLOBAL_CARE).max_attempts_without_contact == 1


def test_a_team_table_overrides_everything() -> None:
    config = parse_policy_config(
        {
            "lob": {
                "global_care": {"max_attempts_without_contact": 2, "window_end": "21:00"},
                "sa_bts": {"reasons": ["ticket_update"]},
                "care": {"extra_reasons": ["shift_handoff"]},
            }
        }
    )
    global_care = config.for_lob(LineOfBusiness.GLOBAL_CARE)
    assert global_care.max_attempts_without_contact == 2
    assert global_care.window_end == time(21)
    assert config.for_lob(LineOfBusiness.SA_BTS).reasons == {CallbackReason.TICKET_UPDATE}
    assert CallbackReason.SHIFT_HANDOFF in config.for_lob(LineOfBusiness.CARE).reasons


def test_templates_per_reason() -> None:
    config = parse_policy_config(
        {"templates": {"default": "Callback Notice", "device_unusable": "Device Help"}}
    )
    origin = CallbackOrigin.FOLLOW_UP
    assert config.template_for(CallbackReason.DEVICE_UNUSABLE, origin) == "Device Help"
    assert config.template_for(CallbackReason.TICKET_UPDATE, origin) == "Callback Notice"
    assert config.template_for(CallbackReason.DROPPED_CALL, origin) == "Dropped Call"


def test_every_key_of_a_full_file_is_read() -> None:
    config = parse_policy_config(
        {
            "templates": {"default": "Callback Notice", "ticket_update": "Ticket Callback"},
            "dialing": {"domestic_regions": ["US", "CA"]},
            "spoke_first": {"exempt_origins": ["queue_callback", "leader_ticket_follow_up"]},
            "memo": {"min_field_chars": 8, "trivial_values": [" N/A ", "Nothing"]},
            "verification": {"max_pin_attempts": 5},
            "agent_state": {"after_wrap_up": "ready"},
            "notice": {"lead_minutes": 15, "valid_minutes": 90},
        }
    )
    assert config.default_template == "Callback Notice"
    assert dict(config.templates) == {
        CallbackReason.DROPPED_CALL: "Dropped Call",
        CallbackReason.TICKET_UPDATE: "Ticket Callback",
    }
    assert config.domestic_regions == frozenset({"US", "CA"})
    assert config.spoke_first_exempt_origins == frozenset(
        {CallbackOrigin.QUEUE_CALLBACK, CallbackOrigin.LEADER_TICKET_FOLLOW_UP}
    )
    assert (config.memo_min_chars, config.memo_trivial_values) == (8, frozenset({"n/a", "nothing"}))
    assert config.max_pin_attempts == 5
    assert config.after_wrap_up is AgentState.READY
    assert (config.notice_lead_minutes, config.notice_valid_minutes) == (15, 90)


def test_a_notice_stays_valid_an_hour_or_its_lead_time_if_longer() -> None:
    config = PolicyConfig()
    assert (config.notice_lead_minutes, config.notice_valid_minutes) == (10, 60)
    assert parse_policy_config({"notice": {"lead_minutes": 30}}).notice_valid_minutes == 60
    assert parse_policy_config({"notice": {"lead_minutes": 90}}).notice_valid_minutes == 90
    top = parse_policy_config({"notice": {"lead_minutes": 1440, "valid_minutes": 1440}})
    assert top.notice_valid_minutes == 1440


@pytest.mark.parametrize(
    ("mapping", "key", "problem"),
    [
        (
            {"notice": {"lead_minutes": 30, "valid_minutes": 20}},
            "notice.valid_minutes",
            "must be at least notice.lead_minutes (30)",
        ),
        (
            {"notice": {"lead_minutes": 0}},
            "notice.lead_minutes",
            "must be an integer from 1 to 1440",
        ),
        (
            {"notice": {"valid_minutes": 1441}},
            "notice.valid_minutes",
            "must be an integer from 1 to 1440",
        ),
        (
            {"dialing": {"domestic_regions": "US"}},
            "dialing.domestic_regions",
            "must be a list of strings",
        ),
        (
            {"memo": {"trivial_values": ["ok", 3]}},
            "memo.trivial_values",
            "must be a list of strings",
        ),
        (
            {"spoke_first": {"exempt_origins": ["web"]}},
            "spoke_first.exempt_origins",
            "unknown origin 'web' (dropped_call, follow_up, leader_ticket_follow_up, "
            "queue_callback, sa_email_request, sa_ticket)",
        ),
        (
            {"agent_state": {"after_wrap_up": 3}},
            "agent_state.after_wrap_up",
            "must be one of: not_ready_follow_up, ready",
        ),
        ({"templates": {"default": 7}}, "templates.default", "must be a non-empty string"),
        ({"memo": {"min_field_chars": 0}}, "memo.min_field_chars", "must be an integer >= 1"),
        (
            {"defaults": {"reasons": ["upsell"]}},
            "defaults.reasons",
            "unknown reason code 'upsell' (activation, customer_requested, device_troubleshooting, "
            "device_unusable, dropped_call, email_request, queue_callback, sales, shift_handoff, "
            "ticket_troubleshooting, ticket_update)",
        ),
        (
            {"defaults": {"max_attempts": 3}},
            "defaults.max_attempts",
            "unknown key (international_calling, max_attempts_without_contact, "
            "min_minutes_between_attempts, reasons, window_end, window_start)",
        ),
        (
            {"window": {}},
            "window",
            "unknown key (agent_state, defaults, dialing, lob, memo, notice, spoke_first, "
            "templates, verification)",
        ),
        (
            {"lob": {"care": {"min_minutes_between_attempts": -1}}},
            "lob.care.min_minutes_between_attempts",
            "must be an integer from 0 to 10080",
        ),
        (
            {"defaults": {"window_start": "10:00", "window_end": "10:00"}},
            "defaults.window_end",
            "must be after window_start (10:00)",
        ),
        (
            {"lob": {"care": {"window_start": "20:00"}}},
            "lob.care.window_start",
            "must be before window_end (20:00)",
        ),
        (
            {"defaults": {"window_start": 9}},
            "defaults.window_start",
            'must be a 24-hour local time "HH:MM", e.g. "09:00"',
        ),
        (
            {"lob": {"care": {"extra_reasons": "sales"}}},
            "lob.care.extra_reasons",
            "must be a list of strings",
        ),
        ({"memo": []}, "memo", "must be a table"),
    ],
)
def test_a_bad_value_names_its_key_and_what_would_do(
    mapping: dict[str, Any], key: str, problem: str
) -> None:
    with pytest.raises(PolicyConfigError) as raised:
        parse_policy_config(mapping)
    assert (raised.value.key, raised.value.problem) == (key, problem)
    assert str(raised.value) == f"{key}: {problem}"


def test_a_team_list_of_reasons_replaces_the_default_and_extra_reasons_add_to_it() -> None:
    config = parse_policy_config(
        {
            "defaults": {"reasons": ["dropped_call", "ticket_update"]},
            "lob": {
                "care": {"extra_reasons": ["sales"]},
                "global_care": {"reasons": ["activation"]},
            },
        }
    )
    assert config.for_lob(LineOfBusiness.CARE).reasons == frozenset(
        {CallbackReason.DROPPED_CALL, CallbackReason.TICKET_UPDATE, CallbackReason.SALES}
    )
    assert config.for_lob(LineOfBusiness.GLOBAL_CARE).reasons == frozenset(
        {CallbackReason.ACTIVATION}
    )
    assert config.for_lob(LineOfBusiness.EXPERT_ASSIST).reasons == frozenset(
        {CallbackReason.DROPPED_CALL, CallbackReason.TICKET_UPDATE}
    )


def test_a_window_and_the_attempt_numbers_are_read_per_team() -> None:
    care = parse_policy_config(
        {
            "defaults": {"window_start": "08:30", "min_minutes_between_attempts": 0},
            "lob": {
                "care": {
                    "window_end": "21:15",
                    "max_attempts_without_contact": 4,
                    "international_calling": True,
                }
            },
        }
    ).for_lob(LineOfBusiness.CARE)
    assert (care.window_start, care.window_end) == (time(8, 30), time(21, 15))
    assert (care.max_attempts_without_contact, care.min_minutes_between_attempts) == (4, 0)
    assert care.international_calling is True
