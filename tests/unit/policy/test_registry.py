"""The rule registry: what `@rule(...)` records, which rules concern a step, team and role, and
that an ID is registered once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from caredesk.policy import RULES, CallerRole, LineOfBusiness, Step
from caredesk.policy.rules import RULES_BY_ID, registry
from caredesk.policy.rules.registry import ALL_LOBS, ALL_ROLES, Rule, registered, rule


@pytest.fixture
def scratch_ids() -> Iterator[list[str]]:
    """IDs a test registers, taken out of the registry again afterwards."""
    made: list[str] = []
    yield made
    for rule_id in made:
        registry._REGISTRY.pop(rule_id, None)


def _nothing(case: object) -> None:
    return None


def test_a_registered_rule_keeps_everything_it_was_given(scratch_ids: list[str]) -> None:
    scratch_ids.append("OB-TEST-ONE")

    def parameters(config: object) -> dict[str, object]:
        return {"limit": 3}

    evaluate = rule(
        "OB-TEST-ONE",
        title="A test rule",
        section="Testing",
        steps=[Step.DIAL, Step.PLAN],
        parameters=parameters,
        time_rule=True,
        lobs=[LineOfBusiness.CARE],
        roles=[CallerRole.LEADER],
    )(_nothing)
    assert evaluate is _nothing
    assert registered()["OB-TEST-ONE"] == Rule(
        "OB-TEST-ONE",
        "A test rule",
        "Testing",
        frozenset({Step.DIAL, Step.PLAN}),
        _nothing,
        parameters,
        True,
        frozenset({LineOfBusiness.CARE}),
        frozenset({CallerRole.LEADER}),
    )


def test_defaults_concern_every_team_and_role_and_ask_for_no_parameters(
    scratch_ids: list[str],
) -> None:
    scratch_ids.append("OB-TEST-TWO")
    rule("OB-TEST-TWO", title="t", section="s", steps={Step.CREATE})(_nothing)
    made = registered()["OB-TEST-TWO"]
    assert (made.lobs, made.roles, made.time_rule) == (ALL_LOBS, ALL_ROLES, False)
    assert made.parameters(None) == {}  # type: ignore[arg-type]
    assert made.steps == frozenset({Step.CREATE})


def test_an_id_is_registered_once(scratch_ids: list[str]) -> None:
    with pytest.raises(ValueError, match=r"^rule OB-WINDOW is registered twice$"):
        rule("OB-WINDOW", title="again", section="s", steps=[Step.DIAL])(_nothing)
    assert RULES_BY_ID["OB-WINDOW"].evaluate is not _nothing
    assert registered()["OB-WINDOW"].title != "again"


def test_registered_is_a_copy() -> None:
    copy = registered()
    copy.pop("OB-WINDOW")  # type: ignore[attr-defined]
    assert "OB-WINDOW" in registered()


@pytest.mark.parametrize("step", list(Step))
def test_a_rule_concerns_its_steps_teams_and_roles_only(step: Step) -> None:
    sa_ownership = RULES_BY_ID["OB-SA-OWNERSHIP"]
    leader_ticket = RULES_BY_ID["OB-LEADER-TICKET"]
    for lob in LineOfBusiness:
        for role in CallerRole:
            assert sa_ownership.concerns(step, lob, role) is (
                step in sa_ownership.steps and lob in sa_ownership.lobs
            )
            assert leader_ticket.concerns(step, lob, role) is (
                step in leader_ticket.steps and role in leader_ticket.roles
            )
    assert sa_ownership.lobs == {LineOfBusiness.SA_BTS, LineOfBusiness.SA_ATS}
    assert leader_ticket.roles != ALL_ROLES


def test_every_rule_concerns_some_step_of_every_team_it_names() -> None:
    for entry in RULES:
        assert entry.steps and entry.lobs and entry.roles, entry.rule_id
