"""`caredesk policy check|rules` through the Typer app the lead mounts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caredesk.callbacks.policy_cli import app
from caredesk.policy import RULES

REPO = Path(__file__).parents[3]
EXAMPLE = REPO / "config" / "examples" / "policy-case-dial.json"
runner = CliRunner()


@pytest.fixture(autouse=True)
def _no_policy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAREDESK_POLICY_FILE", raising=False)


def test_check_prints_json_and_exits_1_when_refused() -> None:
    result = runner.invoke(app, ["check", str(EXAMPLE), "--format", "json"])
    assert result.exit_code == 1, result.output
    decision = json.loads(result.stdout)
    assert decision["allowed"] is False
    assert decision["explanation"][0].startswith("blocked by OB-WINDOW: 20:14 America/Denver")


def test_check_prints_a_table(tmp_path: Path) -> None:
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    # 18 minutes after the example's unanswered attempt: past the 15-minute gap between attempts.
    document["now"] = "2026-03-11T01:58:00Z"
    case = tmp_path / "case.json"
    case.write_text(json.dumps(document), encoding="utf-8")
    result = runner.invoke(app, ["check", str(case)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "ALLOWED" in result.stdout
    assert "19:58 America/Denver is inside 09:00-20:00" in result.stdout
    assert "America/Denver (account_address)" in result.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON at line 1 column 2"),
        ('{"now": "2026-03-10T18:00:00"}', "now: needs a UTC offset or Z"),
        ("[]", "(case): must be a JSON object"),
    ],
)
def test_a_bad_case_is_one_line_on_stderr_and_exit_2(
    tmp_path: Path, content: str, message: str
) -> None:
    case = tmp_path / "case.json"
    case.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["check", str(case)])
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("error: ")


def test_a_missing_case_file_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert "cannot read it" in result.stderr


def test_rules_lists_every_rule_with_its_parameters() -> None:
    result = runner.invoke(app, ["rules", "--format", "json"])
    assert result.exit_code == 0, result.output
    listing = json.loads(result.stdout)
    assert [entry["rule_id"] for entry in listing] == [rule.rule_id for rule in RULES]
    window = next(entry for entry in listing if entry["rule_id"] == "OB-WINDOW")
    assert window["parameters"]["window"]["care"] == "09:00-20:00"
    table = runner.invoke(app, ["rules"], env={"COLUMNS": "240"})
    assert table.exit_code == 0
    for rule in RULES:
        assert rule.rule_id in table.stdout


def test_the_policy_file_comes_from_the_option_or_the_environment(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[lob.global_care]\nmax_attempts_without_contact = 3\n", encoding="utf-8")
    for args, env in (
        (["--policy-file", str(policy)], {}),
        ([], {"CAREDESK_POLICY_FILE": str(policy)}),
    ):
        result = runner.invoke(app, ["rules", "--format", "json", *args], env=env)
        assert result.exit_code == 0, result.output
        attempts = next(e for e in json.loads(result.stdout) if e["rule_id"] == "OB-ATTEMPTS")
        assert attempts["parameters"]["max_attempts_without_contact"]["global_care"] == 3


def test_a_bad_policy_file_names_the_key_and_exits_2(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[lob.global_care]\nmax_attempts_without_contact = 0\n", encoding="utf-8")
    result = runner.invoke(app, ["check", str(EXAMPLE), "--policy-file", str(policy)])
    assert result.exit_code == 2
    assert "lob.global_care.max_attempts_without_contact: must be an integer >= 1" in (
        result.stderr
    )
