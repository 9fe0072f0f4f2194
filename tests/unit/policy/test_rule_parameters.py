"""What `caredesk policy rules` lists as each rule's parameters: the numbers in force, per team
where they differ by team, read from the configuration given."""

from __future__ import annotations

from caredesk.policy import RULES, parse_policy_config
from caredesk.policy.rules import RULES_BY_ID

CONFIG = parse_policy_config(
    {
        "defaults": {"window_start": "08:30", "window_end": "21:00"},
        "lob": {
            "global_care": {"max_attempts_without_contact": 3, "min_minutes_between_attempts": 20},
            "care": {"window_start": "10:00", "international_calling": True},
        },
    }
)
TEAMS = ("care", "global_care", "virtual_retail", "expert_assist", "sa_bts", "sa_ats")


def _parameters(rule_id: str) -> dict[str, object]:
    return dict(RULES_BY_ID[rule_id].parameters(CONFIG))


def test_window_per_team() -> None:
    assert _parameters("OB-WINDOW") == {
        "window": {
            "care": "10:00-21:00",
            **{team: "08:30-21:00" for team in TEAMS if team != "care"},
        },
        "window_kind": "half-open [start, end) local time, in every candidate zone",
    }


def test_attempts_per_team_and_for_global_care() -> None:
    assert _parameters("OB-ATTEMPTS") == {
        "max_attempts_without_contact": {team: 3 if team == "global_care" else 2 for team in TEAMS},
        "min_minutes_between_attempts": {
            team: 20 if team == "global_care" else 15 for team in TEAMS
        },
    }
    assert _parameters("OB-ATTEMPTS-GLOBAL") == {
        "max_attempts_without_contact": 3,
        "min_minutes_between_attempts": 20,
    }


def test_international_permission_and_domestic_regions() -> None:
    assert _parameters("OB-INTL") == {
        "international_calling": {
            "care": True,
            "global_care": True,
            "virtual_retail": False,
            "expert_assist": False,
            "sa_bts": False,
            "sa_ats": False,
        },
        "domestic_regions": ["AS", "GU", "MP", "PR", "US", "VI"],
    }


def test_notice_reasons_and_the_rest() -> None:
    assert _parameters("OB-NOTIFY") == {
        "notice_lead_minutes": 10,
        "notice_valid_minutes": 60,
        "default_template": "Customer Callback",
        "templates": {"dropped_call": "Dropped Call"},
    }
    assert _parameters("OB-SPOKE-FIRST") == {"exempt_origins": ["queue_callback"]}
    reasons = _parameters("OB-REASON")["reasons"]
    assert isinstance(reasons, dict) and list(reasons) == list(TEAMS)
    care = [
        "activation",
        "customer_requested",
        "device_troubleshooting",
        "device_unusable",
        "dropped_call",
        "queue_callback",
        "sales",
        "ticket_update",
    ]
    assert reasons["care"] == care
    assert reasons["sa_bts"] == sorted(
        [*care, "email_request", "shift_handoff", "ticket_troubleshooting"]
    )
    assert _parameters("OB-NO-SSN-PIN") == {"max_pin_attempts": 3}
    assert _parameters("OB-PROOF") == {
        "proof_facts": ["device_in_use", "last_bill_amount", "last_care_call_date"]
    }
    assert _parameters("OB-DISCLOSURE") == {
        "script": "This call may be recorded for quality and training purposes."
    }
    memo = _parameters("OB-MEMO")
    assert memo["min_field_chars"] == 5 and "n/a" in memo["trivial_values"]  # type: ignore[operator]


def test_rules_without_numbers_list_none() -> None:
    with_numbers = {
        "OB-REASON",
        "OB-SPOKE-FIRST",
        "OB-WINDOW",
        "OB-NOTIFY",
        "OB-INTL",
        "OB-ATTEMPTS",
        "OB-ATTEMPTS-GLOBAL",
        "OB-NO-SSN-PIN",
        "OB-DISCLOSURE",
        "OB-PROOF",
        "OB-MEMO",
    }
    for rule in RULES:
        assert bool(rule.parameters(CONFIG)) is (rule.rule_id in with_numbers), rule.rule_id
