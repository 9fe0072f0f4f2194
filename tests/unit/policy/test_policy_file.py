"""The TOML policy file: the shipped one is the handbook, a bad one names file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from caredesk.callbacks.policy_file import (
    PolicyFileError,
    load_policy,
    load_policy_file,
    resolve_policy_path,
)
from caredesk.policy import LineOfBusiness, PolicyConfig

SHIPPED = Path(__file__).parents[3] / "config" / "policy.toml"


def test_the_shipped_file_holds_exactly_the_handbook_defaults() -> None:
    assert load_policy_file(SHIPPED) == PolicyConfig()


def test_a_bad_value_names_the_file_and_the_key(tmp_path: Path) -> None:
    path = tmp_path / "policy.toml"
    path.write_text('[defaults]\nwindow_start = "9"\n', encoding="utf-8")
    with pytest.raises(PolicyFileError) as raised:
        load_policy_file(path)
    assert raised.value.key == "defaults.window_start"
    assert str(raised.value).startswith(f"{path}: defaults.window_start: must be")


def test_invalid_toml_and_missing_files_are_reported(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("[defaults\n", encoding="utf-8")
    with pytest.raises(PolicyFileError, match="is not valid TOML"):
        load_policy_file(broken)
    with pytest.raises(PolicyFileError, match="no such file"):
        load_policy_file(tmp_path / "absent.toml")


def test_which_file_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    explicit = tmp_path / "explicit.toml"
    assert resolve_policy_path(explicit, {"CAREDESK_POLICY_FILE": "env.toml"}) == explicit
    assert resolve_policy_path(None, {"CAREDESK_POLICY_FILE": "env.toml"}) == Path("env.toml")
    monkeypatch.chdir(tmp_path)
    assert resolve_policy_path(None, {}) is None
    assert load_policy(None, {}) == PolicyConfig()
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "policy.toml").write_text(
        "[lob.care]\nmax_attempts_without_contact = 4\n", encoding="utf-8"
    )
    config = load_policy(None, {})
    assert config.for_lob(LineOfBusiness.CARE).max_attempts_without_contact == 4
