"""A call tied to an active inbound call: OB-STATE's exception and OB-ALT-NUMBER's Consult path.

The tie is decided from the inbound call's facts (connected to which agent, ended or not) and
the agent's own state, never from a flag: naming a call that is not live, not this agent's, or
with the agent not Talking on it gives no exception."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from caredesk.policy import (
    AgentState,
    Blocker,
    ContextError,
    InboundCall,
    PolicyContext,
    RequiredStep,
    Step,
    StepKind,
    context_from_json,
    context_to_json,
)

from .cases import ALTERNATE, NOW, allowed, base, change, decide, refused

LIVE = InboundCall("42", "agent-1")


def _tied(step: Step = Step.DIAL, **changes: Any) -> PolicyContext:
    """Agent agent-1 Talking on inbound call 42, connected to them and live."""
    return change(
        base(step), **{"agent.state": AgentState.TALKING, "agent.inbound_call": LIVE, **changes}
    )


def test_a_dial_tied_to_a_live_inbound_call_needs_no_follow_up_state() -> None:
    result = allowed(_tied(), "OB-STATE")
    assert result.sentence == (
        "the call is tied to inbound call 42, live with agent agent-1 in Talking (Consult)"
    )
    assert dict(result.facts) == {
        "agent_state": AgentState.TALKING,
        "inbound_call_id": "42",
        "tied_to_inbound_call": True,
    }
    assert decide(_tied()).allowed


def test_without_an_inbound_call_talking_is_refused_as_before() -> None:
    untied = change(base(), **{"agent.state": AgentState.TALKING})
    result = refused(untied, "OB-STATE")
    assert result.sentence == "agent agent-1 is in Talking, not Not Ready - Follow-Up"
    assert result.blocker is Blocker.ACTION
    assert result.facts["tied_to_inbound_call"] is False


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        (
            {"agent.inbound_call": InboundCall("42", "agent-1", NOW - timedelta(seconds=1))},
            "inbound call 42 ended at 2026-03-10T17:59:59+00:00",
        ),
        (
            {"agent.inbound_call": InboundCall("42", "agent-9")},
            "inbound call 42 is connected to agent agent-9, not to agent agent-1",
        ),
        (
            {"agent.inbound_call": InboundCall("42", "")},
            "inbound call 42 is connected to no agent yet, not to agent agent-1",
        ),
        (
            {"agent.state": AgentState.AFTER_CALL_WORK},
            "agent agent-1 is in After-Call Work, not Talking on inbound call 42",
        ),
        (
            # Naming a call does not turn the Follow-Up state's dial into a tied one either.
            {"agent.state": AgentState.NOT_READY_FOLLOW_UP},
            "agent agent-1 is in Not Ready - Follow-Up, not Talking on inbound call 42",
        ),
    ],
)
def test_a_named_inbound_call_that_does_not_bear_the_tie_out_is_refused(
    changes: dict[str, Any], why: str
) -> None:
    result = refused(_tied(**changes), "OB-STATE")
    assert result.sentence.startswith(f"{why}, so the call is not tied to an active inbound call")
    assert result.blocker is Blocker.FINAL
    assert result.facts["inbound_call_id"] == "42"
    assert result.facts["tied_to_inbound_call"] is False


def test_an_inbound_call_ending_later_is_live_now() -> None:
    later = InboundCall("42", "agent-1", NOW + timedelta(seconds=1))
    allowed(_tied(**{"agent.inbound_call": later}), "OB-STATE")


def test_a_case_document_cannot_assert_a_tie_with_a_flag() -> None:
    document = context_to_json(_tied())
    assert document["agent"]["inbound_call"] == {
        "call_id": "42",
        "agent_id": "agent-1",
        "ended_at": None,
    }
    assert context_from_json(json.loads(json.dumps(document))) == _tied()
    # The old yes/no flag is not a field any more: only the inbound call's facts are read.
    flagged = context_to_json(change(base(), **{"agent.state": AgentState.TALKING}))
    flagged["agent"]["on_inbound_call"] = True
    with pytest.raises(ContextError, match="on_inbound_call"):
        context_from_json(flagged)
    # And the facts decide: a call connected to someone else gives no exception.
    other = context_to_json(_tied())
    other["agent"]["inbound_call"]["agent_id"] = "agent-9"
    refused(context_from_json(other), "OB-STATE")


def test_the_alternate_number_on_a_tied_call_asks_for_consult_not_acw() -> None:
    progress = {
        "call.troubleshooting_device_being_called": True,
        "call.alternate_number_asked": True,
        "call.alternate_number": ALTERNATE,
    }
    tied = _tied(Step.TROUBLESHOOT, **progress)
    assert decide(tied).required_steps[0].kind is StepKind.CONSULT_ALTERNATE
    ended = InboundCall("42", "agent-1", NOW - timedelta(minutes=1))
    untied = _tied(Step.TROUBLESHOOT, **progress, **{"agent.inbound_call": ended})
    assert decide(untied).required_steps[0].kind is StepKind.CALL_ALTERNATE_FROM_ACW


# --- the Consult path, in order ----------------------------------------------------------
def test_consult_with_the_alternate_number_is_allowed_on_a_tied_call() -> None:
    ctx = _tied(Step.CONSULT, **{"call.alternate_number": ALTERNATE})
    result = allowed(ctx, "OB-ALT-NUMBER")
    assert result.sentence == (
        "Consult on inbound call 42: dial 3035550188, then end line one and reconnect"
    )
    assert result.facts["digits"] == "3035550188"
    assert [step.kind for step in decide(ctx).required_steps] == [
        StepKind.END_LINE_ONE,
        StepKind.RECONNECT_OUTBOUND,
    ]
    assert decide(ctx).allowed


def test_consult_is_refused_without_a_live_inbound_call() -> None:
    untied = change(base(Step.CONSULT), **{"call.alternate_number": ALTERNATE})
    result = refused(untied, "OB-ALT-NUMBER")
    assert result.sentence.startswith("this call names no inbound call: Consult is for a call")
    assert result.required_steps == (RequiredStep(StepKind.CALL_ALTERNATE_FROM_ACW),)
    ended = InboundCall("42", "agent-1", NOW - timedelta(minutes=1))
    gone = _tied(Step.CONSULT, **{"call.alternate_number": ALTERNATE, "agent.inbound_call": ended})
    assert refused(gone, "OB-ALT-NUMBER").sentence.startswith("inbound call 42 ended at ")


def test_consult_without_a_number_continues_with_guided_troubleshooting() -> None:
    result = refused(_tied(Step.CONSULT), "OB-ALT-NUMBER")
    assert result.required_steps == (RequiredStep(StepKind.GUIDED_TROUBLESHOOTING),)


def test_consult_waits_for_the_name_and_the_disclosure_like_every_later_step() -> None:
    ctx = _tied(Step.CONSULT, **{"call.alternate_number": ALTERNATE, "call.disclosure_read": False})
    refused(ctx, "OB-DISCLOSURE")


@pytest.mark.parametrize("step", [Step.END_LINE_ONE, Step.RECONNECT])
def test_ending_line_one_or_reconnecting_before_consult_is_refused(step: Step) -> None:
    result = refused(_tied(step), "OB-ALT-NUMBER")
    assert result.blocker is Blocker.ACTION
    assert result.required_steps == (RequiredStep(StepKind.CONSULT_ALTERNATE),)


def test_the_whole_path_in_order_then_nothing_twice() -> None:
    consulted = {"call.consulted_number": ALTERNATE}
    assert refused(_tied(Step.CONSULT, **consulted), "OB-ALT-NUMBER").blocker is Blocker.FINAL
    early = refused(_tied(Step.RECONNECT, **consulted), "OB-ALT-NUMBER")
    assert early.sentence == "line one (inbound call 42) is still live; end it before reconnecting"
    end = allowed(_tied(Step.END_LINE_ONE, **consulted), "OB-ALT-NUMBER")
    assert (
        end.sentence == "end line one: inbound call 42 ends and the customer stays on " + ALTERNATE
    )

    # Line one ended from the path: the inbound call's record ends with it.
    ended = InboundCall("42", "agent-1", NOW - timedelta(seconds=5))
    after = {**consulted, "call.line_one_ended": True, "agent.inbound_call": ended}
    assert refused(_tied(Step.END_LINE_ONE, **after), "OB-ALT-NUMBER").blocker is Blocker.FINAL
    back = allowed(_tied(Step.RECONNECT, **after), "OB-ALT-NUMBER")
    assert back.sentence == (
        f"reconnect to the outbound call on {ALTERNATE}; line one (inbound call 42) has ended"
    )
    done = {**after, "call.reconnected": True}
    for step in (Step.CONSULT, Step.END_LINE_ONE, Step.RECONNECT):
        assert refused(_tied(step, **done), "OB-ALT-NUMBER").blocker is Blocker.FINAL


def test_line_one_is_not_ended_for_another_agent() -> None:
    theirs = InboundCall("42", "agent-9")
    ctx = _tied(
        Step.END_LINE_ONE, **{"call.consulted_number": ALTERNATE, "agent.inbound_call": theirs}
    )
    result = refused(ctx, "OB-ALT-NUMBER")
    assert result.sentence == (
        "inbound call 42 is connected to agent agent-9, not to agent agent-1: line one is not "
        "this agent's to end"
    )


# --- what the agent is told at each point of the path -------------------------------------
_ENDED = InboundCall("42", "agent-1", NOW - timedelta(seconds=5))
_CONSULTED = {"call.consulted_number": ALTERNATE}
_LINE_ONE_ENDED = {**_CONSULTED, "call.line_one_ended": True, "agent.inbound_call": _ENDED}
_FACTS = {"inbound_call_id": "42", "consulted_number": None, "line_one_ended": False}


def _facts(**changes: Any) -> dict[str, Any]:
    return {**_FACTS, "reconnected": False, **changes}


@pytest.mark.parametrize(
    ("ctx", "passed", "blocker", "sentence", "steps", "facts"),
    [
        pytest.param(
            _tied(Step.CONSULT, **_LINE_ONE_ENDED, **{"call.reconnected": True}),
            False,
            Blocker.FINAL,
            "the outbound call is already reconnected; the Consult path is done",
            [],
            _facts(consulted_number=ALTERNATE, line_one_ended=True, reconnected=True),
            id="done",
        ),
        pytest.param(
            _tied(Step.CONSULT, **_CONSULTED),
            False,
            Blocker.FINAL,
            f"Consult was already pressed, to {ALTERNATE}; end line one, then reconnect",
            [],
            _facts(consulted_number=ALTERNATE),
            id="consult-twice",
        ),
        pytest.param(
            change(base(Step.CONSULT), **{"call.alternate_number": ALTERNATE}),
            False,
            Blocker.FINAL,
            "this call names no inbound call: Consult is for a call tied to an active inbound "
            "call in Talking; otherwise enter After-Call Work and call the alternate number",
            [RequiredStep(StepKind.CALL_ALTERNATE_FROM_ACW)],
            _facts(inbound_call_id=None),
            id="consult-untied",
        ),
        pytest.param(
            _tied(Step.CONSULT),
            False,
            Blocker.ACTION,
            "Consult needs the customer's 10-digit alternate number; with none, continue with "
            "guided troubleshooting",
            [RequiredStep(StepKind.GUIDED_TROUBLESHOOTING)],
            _facts(),
            id="consult-without-a-number",
        ),
        pytest.param(
            _tied(Step.CONSULT, **{"call.alternate_number": ALTERNATE}),
            True,
            None,
            "Consult on inbound call 42: dial 3035550188, then end line one and reconnect",
            [
                RequiredStep(StepKind.END_LINE_ONE, "inbound call 42"),
                RequiredStep(StepKind.RECONNECT_OUTBOUND),
            ],
            _facts(digits="3035550188"),
            id="consult",
        ),
        pytest.param(
            _tied(Step.END_LINE_ONE),
            False,
            Blocker.ACTION,
            "press Consult with the 10-digit alternate number before ending line one",
            [RequiredStep(StepKind.CONSULT_ALTERNATE)],
            _facts(),
            id="end-before-consult",
        ),
        pytest.param(
            _tied(Step.RECONNECT),
            False,
            Blocker.ACTION,
            "press Consult with the 10-digit alternate number before reconnecting to the "
            "outbound call",
            [RequiredStep(StepKind.CONSULT_ALTERNATE)],
            _facts(),
            id="reconnect-before-consult",
        ),
        pytest.param(
            _tied(Step.END_LINE_ONE, **_LINE_ONE_ENDED),
            False,
            Blocker.FINAL,
            "line one (inbound call 42) has already ended; reconnect to the outbound call",
            [RequiredStep(StepKind.RECONNECT_OUTBOUND)],
            _facts(consulted_number=ALTERNATE, line_one_ended=True),
            id="end-twice",
        ),
        pytest.param(
            # The customer hung up line one themself: nothing left to end.
            _tied(Step.END_LINE_ONE, **_CONSULTED, **{"agent.inbound_call": _ENDED}),
            False,
            Blocker.FINAL,
            "line one (inbound call 42) has already ended; reconnect to the outbound call",
            [RequiredStep(StepKind.RECONNECT_OUTBOUND)],
            _facts(consulted_number=ALTERNATE),
            id="line-one-ended-by-the-customer",
        ),
        pytest.param(
            _tied(Step.END_LINE_ONE, **_CONSULTED),
            True,
            None,
            f"end line one: inbound call 42 ends and the customer stays on {ALTERNATE}",
            [RequiredStep(StepKind.RECONNECT_OUTBOUND, ALTERNATE)],
            _facts(consulted_number=ALTERNATE),
            id="end-line-one",
        ),
        pytest.param(
            _tied(Step.RECONNECT, **_CONSULTED),
            False,
            Blocker.ACTION,
            "line one (inbound call 42) is still live; end it before reconnecting",
            [RequiredStep(StepKind.END_LINE_ONE, "inbound call 42")],
            _facts(consulted_number=ALTERNATE),
            id="reconnect-early",
        ),
        pytest.param(
            _tied(Step.RECONNECT, **_LINE_ONE_ENDED),
            True,
            None,
            f"reconnect to the outbound call on {ALTERNATE}; line one (inbound call 42) has ended",
            [],
            _facts(consulted_number=ALTERNATE, line_one_ended=True),
            id="reconnect",
        ),
    ],
)
def test_each_point_of_the_consult_path_says_what_to_do(
    ctx: PolicyContext,
    passed: bool,
    blocker: Blocker | None,
    sentence: str,
    steps: list[RequiredStep],
    facts: dict[str, Any],
) -> None:
    result = (allowed if passed else refused)(ctx, "OB-ALT-NUMBER")
    assert (result.blocker, result.sentence) == (blocker, sentence)
    assert list(result.required_steps) == steps
    assert dict(result.facts) == facts
