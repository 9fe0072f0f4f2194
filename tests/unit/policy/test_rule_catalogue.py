"""Every catalogue rule is registered, explains its parameters, and has refuse and allow tests."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from caredesk.policy import DEFAULT_CONFIG, RULES

# Copied from shared/policy/outbound-rules.md; a rule added there must be added here and coded.
CATALOGUE_IDS = (
    "OB-SCOPE-CUSTOMER",
    "OB-SCOPE-BULK",
    "OB-REASON",
    "OB-NO-CALL-DISCONNECT",
    "OB-NO-CALL-TIME",
    "OB-NO-ACTIVATION",
    "OB-NO-SALES",
    "OB-SPOKE-FIRST",
    "OB-LEADER-TICKET",
    "OB-WINDOW",
    "OB-NOTIFY",
    "OB-STATE",
    "OB-DEVICE",
    "OB-INTL",
    "OB-ATTEMPTS",
    "OB-ATTEMPTS-GLOBAL",
    "OB-VOICEMAIL",
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
)
HERE = Path(__file__).parent


def _test_names() -> set[str]:
    names: set[str] = set()
    for path in HERE.glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
                names.add(node.name)
    return names


def test_registry_holds_exactly_the_catalogue_in_its_order() -> None:
    assert tuple(rule.rule_id for rule in RULES) == CATALOGUE_IDS


@pytest.mark.parametrize("rule_id", [rule.rule_id for rule in RULES])
def test_every_registered_rule_has_a_refusing_and_an_allowing_test(rule_id: str) -> None:
    stem = "test_" + rule_id.replace("-", "_")
    names = _test_names()
    assert any(name.startswith(f"{stem}_refuses") for name in names), f"no {stem}_refuses_*"
    assert any(name.startswith(f"{stem}_allows") for name in names), f"no {stem}_allows_*"


def test_every_rule_has_a_title_steps_and_json_parameters() -> None:
    for rule in RULES:
        assert rule.title and rule.section and rule.steps, rule.rule_id
        json.dumps(dict(rule.parameters(DEFAULT_CONFIG)))


def test_the_shared_catalogue_lists_no_rule_missing_here() -> None:
    # In a checkout the catalogue sits beside the repository; elsewhere the copy above stands.
    for parent in HERE.parents:
        catalogue = parent.parent / "shared" / "policy" / "outbound-rules.md"
        if catalogue.is_file():
            break
    else:
        pytest.skip("shared/policy/outbound-rules.md is not beside this checkout")
    text = catalogue.read_text(encoding="utf-8")
    found = set(re.findall(r"^\| (OB-[A-Z-]+) \|", text, flags=re.MULTILINE))
    assert found == set(CATALOGUE_IDS)
