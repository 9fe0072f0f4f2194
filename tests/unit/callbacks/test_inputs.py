"""The callback use cases' input objects: every guided-call step has its handler, a step's
PIN/passcode never shows in its repr, and a request's idempotency fingerprint reads every field
a retry must repeat (and neither who asked nor the key)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from caredesk.callbacks.consult_steps import CONSULT_HANDLERS
from caredesk.callbacks.inputs import AgreedWindow, CallbackRequest, CallStep, StepInput
from caredesk.callbacks.step_handlers import HANDLERS
from caredesk.callbacks.steps import STEP_HANDLERS

REQUEST = CallbackRequest(
    account_id=7,
    origin="follow_up",
    reason="device_troubleshooting",
    line_of_business="care",
    caller_role="agent",
)
START = datetime(2027, 3, 1, 17, tzinfo=UTC)


def test_every_step_has_a_handler() -> None:
    assert set(STEP_HANDLERS) == set(CallStep)
    # The Consult path's rows are its own; none replaces a row of the main table.
    assert not set(HANDLERS) & set(CONSULT_HANDLERS)


def test_a_steps_pin_is_left_out_of_its_repr() -> None:
    given = StepInput(callback_id=1, step=CallStep.VERIFY_PIN, pin="918273")
    assert "918273" not in repr(given)
    assert given.pin == "918273"


def test_the_same_request_has_the_same_fingerprint() -> None:
    again = dataclasses.replace(REQUEST)
    assert again.fingerprint() == REQUEST.fingerprint()


@pytest.mark.parametrize(
    "change",
    [
        {"account_id": 8},
        {"origin": "dropped_call"},
        {"number": "+13035550123"},
        {"ticket_ref": "CS-000001"},
        {"customer_spoken_to": False},
        {"owner_agent_id": 3},
        {"slots": [(START, START.replace(hour=18))]},
        {"agreed_window": AgreedWindow(START, START.replace(hour=18), "UTC", "portal")},
    ],
)
def test_a_different_request_has_another_fingerprint(change: dict[str, object]) -> None:
    assert dataclasses.replace(REQUEST, **change).fingerprint() != REQUEST.fingerprint()  # type: ignore[arg-type]


@pytest.mark.parametrize("change", [{"requested_by_agent_id": 4}, {"idempotency_key": "k-2"}])
def test_who_asked_and_the_key_leave_the_fingerprint_alone(change: dict[str, object]) -> None:
    assert dataclasses.replace(REQUEST, **change).fingerprint() == REQUEST.fingerprint()  # type: ignore[arg-type]
