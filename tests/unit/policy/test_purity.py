"""The policy core imports only the standard library, zoneinfo, phonenumbers and itself."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import caredesk.policy as policy

PACKAGE = Path(policy.__file__).parent
ALLOWED_THIRD_PARTY = {"phonenumbers"}
# Standard-library modules that reach the disk, the network, the clock or entropy.
IMPURE_STDLIB = {
    "asyncio",
    "http",
    "io",
    "logging",
    "multiprocessing",
    "os",
    "pathlib",
    "random",
    "secrets",
    "shutil",
    "socket",
    "sqlite3",
    "ssl",
    "subprocess",
    "tempfile",
    "threading",
    "time",
    "tomllib",
    "urllib",
}


def _sources() -> list[Path]:
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 10
    return files


def _imported_modules(tree: ast.AST) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append(node.module)
    return found


def test_policy_core_imports_only_stdlib_zoneinfo_phonenumbers_and_itself() -> None:
    offenders = []
    for path in _sources():
        for module in _imported_modules(ast.parse(path.read_text(encoding="utf-8"))):
            top = module.split(".")[0]
            own = module == "caredesk.policy" or module.startswith("caredesk.policy.")
            if own or top in ALLOWED_THIRD_PARTY:
                continue
            if top not in sys.stdlib_module_names or top in IMPURE_STDLIB:
                offenders.append(f"{path.relative_to(PACKAGE)}: {module}")
    assert offenders == []


def test_policy_core_never_reads_the_clock() -> None:
    offenders = []
    for path in _sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"now", "utcnow", "today", "monotonic", "perf_counter"}
            ):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []


def test_every_exported_name_resolves_and_is_listed() -> None:
    exports = policy._EXPORTS
    assert sorted(policy.__all__) == sorted(exports)
    for name in exports:
        assert getattr(policy, name) is not None, name


def test_the_secret_finder_and_the_vocabulary_load_without_the_rules() -> None:
    probe = (
        "import sys; import caredesk.privacy; from caredesk.policy import AgentState; "
        "print(sorted(m for m in sys.modules if m.startswith(('caredesk.policy', 'phonenumbers'))))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = done.stdout.strip()
    assert "caredesk.policy.pii" in loaded and "caredesk.policy.vocabulary" in loaded
    assert "caredesk.policy.rules" not in loaded and "phonenumbers" not in loaded
