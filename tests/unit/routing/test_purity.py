"""The routing core is pure: standard library (nothing that reaches the disk, the network, the
clock or entropy), the shared agent-state vocabulary and itself. Modules at the edge, which may
read files (and later the database), are named in EDGE_MODULES; every other module is checked."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import caredesk.routing as routing

PACKAGE = Path(routing.__file__).parent
EDGE_MODULES = {"config_file.py"}
# The vocabulary of agent states lives with the policy core.
ALLOWED_CAREDESK = {"caredesk.policy.vocabulary"}
IMPURE_STDLIB = {
    "asyncio",
    "http",
    "importlib",
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
    "uuid",
}
CLOCK_CALLS = {"now", "utcnow", "today", "monotonic", "perf_counter", "time", "time_ns"}


def _pure_sources() -> list[Path]:
    files = sorted(p for p in PACKAGE.rglob("*.py") if p.name not in EDGE_MODULES)
    assert len(files) >= 10
    return files


def _imported_modules(tree: ast.AST) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "routing uses absolute imports"
            assert node.module
            found.append(node.module)
    return found


def _offending_imports(source: str) -> list[str]:
    offenders = []
    for module in _imported_modules(ast.parse(source)):
        top = module.split(".")[0]
        own = module == "caredesk.routing" or module.startswith("caredesk.routing.")
        if own or module in ALLOWED_CAREDESK:
            continue
        if top not in sys.stdlib_module_names or top in IMPURE_STDLIB:
            offenders.append(module)
    return offenders


def test_edge_modules_exist() -> None:
    assert {p.name for p in PACKAGE.glob("*.py")} >= EDGE_MODULES


def test_routing_core_imports_only_the_standard_library_the_vocabulary_and_itself() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE)}: {module}"
        for path in _pure_sources()
        for module in _offending_imports(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_the_check_catches_what_it_should() -> None:
    assert _offending_imports("import sqlalchemy\nfrom caredesk.db import uow") == [
        "sqlalchemy",
        "caredesk.db",
    ]
    assert _offending_imports("import os.path\nfrom time import monotonic") == ["os.path", "time"]
    assert _offending_imports("from caredesk.policy.vocabulary import AgentState") == []
    assert _offending_imports("from caredesk.policy import evaluate") == ["caredesk.policy"]


def test_routing_core_never_reads_the_clock() -> None:
    offenders = []
    for path in _pure_sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in CLOCK_CALLS
            ):
                offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert offenders == []
