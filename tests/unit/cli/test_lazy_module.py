"""`lazy_module`: a command group names its services at the top, and they run only when used."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

from caredesk.cli_support import lazy_module


def test_the_module_runs_on_first_use_and_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "lazy_probe_runs.py").write_text("runs: list[str] = []\n")
    (tmp_path / "lazy_probe.py").write_text(
        "import lazy_probe_runs\nlazy_probe_runs.runs.append(__name__)\nANSWER = 42\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("lazy_probe", "lazy_probe_runs"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    runs = importlib.import_module("lazy_probe_runs").runs
    module = lazy_module("lazy_probe")
    assert runs == []  # named, not run
    assert module.ANSWER == 42
    assert module.ANSWER == 42
    assert runs == ["lazy_probe"]
    for name in ("lazy_probe", "lazy_probe_runs"):
        monkeypatch.delitem(sys.modules, name)


def test_a_module_already_loaded_is_returned_as_it_is() -> None:
    import caredesk.errors

    assert lazy_module("caredesk.errors") is caredesk.errors


def test_an_unknown_module_is_an_error_at_once() -> None:
    with pytest.raises(ModuleNotFoundError):
        lazy_module("caredesk.no_such_module")
