"""Explanations read as a support lead would say them, also when a value is missing: a plan made
for whichever agent takes the callback (no agent id, no calling line yet), an owner with no
shift. Swept over the benchmark's mixed sample (every step, team and role), with and without the
agent and line, so no rule can print a placeholder."""

from __future__ import annotations

import dataclasses
import re

from caredesk.policy import DEFAULT_CONFIG, Agent, AgentState, Step, evaluate

from .cases import base, change
from .test_equivalence import _sample

# What a placeholder looks like in a sentence: an id or value that was not there.
PLACEHOLDERS = re.compile(
    r"\bNone\b|\(not recorded\)|\(none\)|\bunassigned\b|agent\s+(is|calls|in)\b|\bagent\s*[;:,.]"
    r"|\s{2,}|\bwith\s*$|\bto\s+through\b"
)


def _sentences(ctx: object) -> list[str]:
    decision = evaluate(ctx, DEFAULT_CONFIG)  # type: ignore[arg-type]
    return [result.sentence for result in decision.failed + decision.passed]


def test_no_sentence_prints_a_placeholder_for_a_missing_agent_line_or_shift() -> None:
    checked = 0
    for ctx in _sample(23, 400):
        variants = [
            ctx,
            dataclasses.replace(
                ctx,
                agent=dataclasses.replace(ctx.agent, agent_id="", shift=None),
                dial=dataclasses.replace(ctx.dial, originating_line="") if ctx.dial else None,
            ),
        ]
        for variant in variants:
            for sentence in _sentences(variant):
                assert not PLACEHOLDERS.search(sentence), sentence
                checked += 1
    assert checked > 4000


def test_a_plan_for_whoever_takes_it_names_no_agent_and_no_line() -> None:
    ctx = change(
        base(Step.PLAN),
        **{"agent": Agent("", AgentState.NOT_READY_FOLLOW_UP), "dial.originating_line": ""},
    )
    decision = evaluate(ctx, DEFAULT_CONFIG)
    state = decision.result_for("OB-STATE")
    device = decision.result_for("OB-DEVICE")
    assert state is not None and device is not None
    assert state.sentence == "the agent who takes it dials from Not Ready - Follow-Up"
    assert device.sentence == "the call goes out on a line of the platform voice gateway"
    named = change(base(Step.DIAL), **{"dial.originating_line": ""})
    line = evaluate(named, DEFAULT_CONFIG).result_for("OB-DEVICE")
    assert line is not None and "(not recorded)" not in line.sentence
