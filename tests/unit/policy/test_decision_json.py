"""A Decision as JSON, field by field: what `caredesk policy check --format json` prints and
`POST /v1/policy/evaluate` answers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from caredesk.policy import context_from_json, decision_to_json, evaluate

EXAMPLE = Path(__file__).parents[3] / "config" / "examples" / "policy-case-dial.json"


def _decision() -> dict[str, Any]:
    """The shipped example ten minutes after its unanswered attempt, from Ready: the gap and the
    agent's state refuse it; everything else passes."""
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    document["now"] = "2026-03-11T01:50:00Z"
    document["agent"]["state"] = "ready"
    return decision_to_json(evaluate(context_from_json(document)))


def test_the_top_level_fields() -> None:
    decision = _decision()
    assert set(decision) == {
        "allowed",
        "step",
        "evaluated_at",
        "next_allowed_at",
        "failed",
        "passed",
        "not_applicable",
        "required_steps",
        "zones",
        "explanation",
    }
    assert decision["allowed"] is False
    assert decision["step"] == "dial"
    assert decision["evaluated_at"] == "2026-03-11T01:50:00+00:00"
    # The attempt gap ends at 01:55; the agent's state is an action, not a wait.
    assert decision["next_allowed_at"] == "2026-03-11T01:55:00+00:00"
    assert decision["zones"] == [{"zone": "America/Denver", "source": "account_address"}]
    assert decision["required_steps"] == [
        {
            "kind": "switch_to_follow_up_state",
            "label": "Switch to Not Ready - Follow-Up",
            "detail": "",
        }
    ]


def test_failed_rules_with_sentences_facts_blockers_and_steps() -> None:
    state, gap = _decision()["failed"]
    ready = "agent agent-117 is in Ready, not Not Ready - Follow-Up"
    assert state == {
        "rule_id": "OB-STATE",
        "passed": False,
        "sentence": ready,
        "explanation": f"blocked by OB-STATE: {ready}",
        "blocker": "action",
        "facts": {
            "agent_state": "ready",
            "inbound_call_id": None,
            "tied_to_inbound_call": False,
        },
        "required_steps": [
            {
                "kind": "switch_to_follow_up_state",
                "label": "Switch to Not Ready - Follow-Up",
                "detail": "",
            }
        ],
    }
    sentence = (
        "attempt 1 ended 2026-03-10 19:40 America/Denver (no_answer); attempts are at least 15 "
        "minutes apart, so the next may start 2026-03-10 19:55 America/Denver"
    )
    assert gap == {
        "rule_id": "OB-ATTEMPTS",
        "passed": False,
        "sentence": sentence,
        "explanation": f"blocked by OB-ATTEMPTS: {sentence}",
        "blocker": "time",
        "facts": {
            "attempts": 1,
            "limit": 2,
            "last_result": "no_answer",
            "last_ended_at": "2026-03-11T01:40:00+00:00",
            "min_minutes_between_attempts": 15,
            "next_allowed_at": "2026-03-11T01:55:00+00:00",
        },
        "required_steps": [],
    }


def test_passed_rules_in_catalogue_order_and_the_rest_not_applicable() -> None:
    decision = _decision()
    assert [result["rule_id"] for result in decision["passed"]] == [
        "OB-SCOPE-CUSTOMER",
        "OB-SCOPE-BULK",
        "OB-REASON",
        "OB-NO-CALL-DISCONNECT",
        "OB-NO-CALL-TIME",
        "OB-NO-ACTIVATION",
        "OB-NO-SALES",
        "OB-SPOKE-FIRST",
        "OB-WINDOW",
        "OB-NOTIFY",
        "OB-DEVICE",
        "OB-INTL",
        "OB-VOICEMAIL",
    ]
    window = decision["passed"][8]
    assert window == {
        "rule_id": "OB-WINDOW",
        "passed": True,
        "sentence": "19:50 America/Denver is inside 09:00-20:00",
        "explanation": "allowed by OB-WINDOW: 19:50 America/Denver is inside 09:00-20:00",
        "blocker": None,
        "facts": {
            "zones": "America/Denver",
            "zone_source": "account_address",
            "window": "09:00-20:00",
            "local_time.America/Denver": "19:50",
        },
        "required_steps": [],
    }
    assert decision["not_applicable"] == [
        "OB-LEADER-TICKET",
        "OB-ATTEMPTS-GLOBAL",
        "OB-VERIFY-NAME",
        "OB-NO-SSN-PIN",
        "OB-OTP",
        "OB-DISCLOSURE",
        "OB-PROOF",
        "OB-NO-PAYMENT",
        "OB-ALT-NUMBER",
        "OB-MEMO",
        "OB-TICKET-UPDATE",
        "OB-SA-ORIGIN",
        "OB-SA-EMAIL-FIRST",
        "OB-SA-PREPARE",
        "OB-SA-ALTERNATIVE",
        "OB-SA-OWNERSHIP",
        "OB-SA-DOCS",
    ]
    assert decision["explanation"][:2] == [
        decision["failed"][0]["explanation"],
        decision["failed"][1]["explanation"],
    ]
    assert decision["explanation"][2:] == [r["explanation"] for r in decision["passed"]]
    json.dumps(decision)  # plain JSON throughout
