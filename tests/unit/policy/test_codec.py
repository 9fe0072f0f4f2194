"""The JSON case codec: the shipped example reads, round-trips, and errors name the field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from caredesk.policy import (
    ContextError,
    Step,
    context_from_json,
    context_to_json,
    decision_to_json,
    evaluate,
)

EXAMPLE = Path(__file__).parents[3] / "config" / "examples" / "policy-case-dial.json"


def _example() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return document


def test_the_shipped_example_reads_and_is_refused_by_the_window() -> None:
    ctx = context_from_json(_example())
    assert ctx.step is Step.DIAL
    decision = evaluate(ctx)
    assert decision.explain()[0] == (
        "blocked by OB-WINDOW: 20:14 America/Denver is outside 09:00-20:00; "
        "it opens 2026-03-11 09:00 America/Denver"
    )


def test_a_context_round_trips_through_json() -> None:
    ctx = context_from_json(_example())
    document = context_to_json(ctx)
    assert context_from_json(json.loads(json.dumps(document))) == ctx


def test_a_minimal_case_fills_in_defaults() -> None:
    ctx = context_from_json(
        {
            "now": "2026-03-10T18:00:00Z",
            "step": "create",
            "line_of_business": "care",
            "agent": {"agent_id": "a", "state": "ready"},
            "customer": {"account_id": "ACC-1", "contact_points": ["+13035550123"]},
            "callback": {"callback_id": "CB-1", "reason": "dropped_call", "origin": "dropped_call"},
        }
    )
    assert evaluate(ctx).allowed


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("now",), "2026-03-10 18:00", "now: needs a UTC offset or Z"),
        (("now",), "yesterday", "now: 'yesterday' is not an ISO 8601 instant"),
        (("now",), "9999-01-01T00:00:00Z", "now: must fall between 1970 and 2200"),
        (("step",), "call", "step: 'call' is not one of create, plan, dial"),
        (("callback", "attempts"), [{"at": "x", "number": "+1", "result": "busy"}], None),
        (("customer", "zone"), "Mars/Olympus", "customer.zone: 'Mars/Olympus' is not an IANA"),
        (("dial", "number"), "303-555-0123", "dial.number: must be an E.164 number"),
        (("dial", "platform_line"), "yes", "dial.platform_line: must be true or false"),
        (("callback", "batch_size"), 0, "callback.batch_size: must be an integer >= 1"),
        (("callback", "colour"), "red", "callback.colour: unknown field"),
        (("agent",), [], "agent: must be a JSON object"),
    ],
)
def test_errors_name_the_field(path: tuple[str, ...], value: Any, message: str | None) -> None:
    document = _example()
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ContextError) as raised:
        context_from_json(document)
    if message is None:
        assert raised.value.path == "callback.attempts[0].at"
    else:
        assert str(raised.value).startswith(message)


def test_a_consent_with_both_shapes_is_refused_with_its_path() -> None:
    document = _example()
    document["callback"]["consents"] = [
        {
            "callback_id": "CB-9001",
            "given_by": "customer",
            "given_at": "2026-03-10T18:00:00Z",
            "channel": "phone",
            "start": "2026-03-11T02:00:00Z",
            "end": "2026-03-11T03:00:00Z",
            "local_start": "19:00",
        }
    ]
    with pytest.raises(ContextError) as raised:
        context_from_json(document)
    assert raised.value.path == "callback.consents[0]"


def test_missing_sections_are_named() -> None:
    document = _example()
    del document["customer"]
    with pytest.raises(ContextError, match=r"^customer: is required"):
        context_from_json(document)


def test_decision_json_is_plain_json() -> None:
    document = copy.deepcopy(_example())
    decision = decision_to_json(evaluate(context_from_json(document)))
    text = json.dumps(decision)
    assert json.loads(text)["failed"][0]["rule_id"] == "OB-WINDOW"
    assert decision["allowed"] is False
    assert decision["next_allowed_at"] == "2026-03-11T15:00:00+00:00"
    assert decision["zones"] == [{"zone": "America/Denver", "source": "account_address"}]
    assert decision["failed"][0]["facts"]["local_time.America/Denver"] == "20:14"


_STEPS = (
    "create, plan, dial, verify_name, disclosure, verify_pin, verify_ssn, otp, proof, payment, "
    "troubleshoot, consult, end_line_one, reconnect, handoff, wrap_up"
)
_EXAMPLE_INSTANT = "(e.g. 2025-03-09T15:30:00Z)"


@pytest.mark.parametrize(
    ("path", "value", "where", "problem"),
    [
        (("now",), 1234, "now", f"must be an ISO 8601 instant with an offset {_EXAMPLE_INSTANT}"),
        (("now",), "2026-03-10 18:00", "now", f"needs a UTC offset or Z {_EXAMPLE_INSTANT}"),
        (
            ("now",),
            "yesterday",
            "now",
            f"'yesterday' is not an ISO 8601 instant {_EXAMPLE_INSTANT}",
        ),
        (("now",), "1969-12-31T23:00:00Z", "now", "must fall between 1970 and 2200"),
        (("step",), 5, "step", f"must be a string, one of {_STEPS}"),
        (("step",), "call", "step", f"'call' is not one of {_STEPS}"),
        (
            ("line_of_business",),
            None,
            "line_of_business",
            "is required (one of care, global_care, virtual_retail, expert_assist, sa_bts, sa_ats)",
        ),
        (
            ("customer", "zone"),
            "Mars/Olympus",
            "customer.zone",
            "'Mars/Olympus' is not an IANA time zone",
        ),
        (("customer", "zone"), 5, "customer.zone", "must be a string"),
        (("dial", "number"), 5, "dial.number", "must be an E.164 number such as +13035550123"),
        (("dial", "platform_line"), "yes", "dial.platform_line", "must be true or false"),
        (("callback", "batch_size"), "2", "callback.batch_size", "must be an integer >= 1"),
        (("callback", "attempts"), "x", "callback.attempts", "must be a list"),
        (("callback", "callback_id"), 5, "callback.callback_id", "must be a string"),
        (("agent", "agent_id"), None, "agent.agent_id", "is required"),
        (
            ("callback", "ticket_numbers"),
            ["T-1", 2],
            "callback.ticket_numbers[1]",
            "must be a string",
        ),
    ],
)
def test_each_error_names_the_field_and_what_would_do(
    path: tuple[str, ...], value: Any, where: str, problem: str
) -> None:
    """`None` leaves the field out."""
    document = _example()
    target = document
    for key in path[:-1]:
        target = target[key]
    if value is None:
        target.pop(path[-1], None)
    else:
        target[path[-1]] = value
    with pytest.raises(ContextError) as raised:
        context_from_json(document)
    assert raised.value.path == where
    assert str(raised.value) == f"{where}: {problem}"
