"""Mutation testing of the three areas whose tests must pin behaviour: `make mutate`.

    .venv/bin/python scripts/mutate.py                  # every area, one after the other
    .venv/bin/python scripts/mutate.py policy --fresh   # one area, from scratch
    .venv/bin/python scripts/mutate.py --report         # the table from the last runs only

Each area is mutated by mutmut (pinned in pyproject's dev extras) in its own working folder,
var/mutate/<area>/, with only that area's fast tests: the policy core with tests/unit/policy, the
secret finder with tests/unit/privacy and tests/unit/memos, the dispatch wing with its unit tests
and the SQLite side of its integration tests. A run keeps its results: the next one tests again
only functions that changed and, with --retest, the mutants that survived last time.

mutmut leaves decorated functions alone, which would hide the policy's rule evaluators
(@rule(...)), the case's derived facts (@property) and every cached helper (@lru_cache); the
mutmut_patches module lets it mutate those too (decorators stay on the dispatching function only).

The report prints, per area, mutants, killed, survived, timeout and the kill rate: killed plus
timed out over all mutants but the reviewed equivalent ones (scripts/mutate_equivalents.toml:
mutant, file, line, the changed line and why it cannot change behaviour). A mutant no test
reaches counts as survived. Then every survivor, with where it is and what it changes.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "var" / "mutate"
EQUIVALENTS = ROOT / "scripts" / "mutate_equivalents.toml"
GOAL = 90.0
KILLED = {1, 3}
TIMEOUT = {36, -24, 24, 152, 255}
SURVIVED = {0, 5, 33}


@dataclass(frozen=True)
class Area:
    name: str
    title: str
    mutate: tuple[str, ...]
    """Glob patterns (fnmatch, from the repository root) of the files to mutate."""
    tests: tuple[str, ...]
    """pytest arguments choosing the area's tests."""
    skip: tuple[str, ...] = ()
    functions: dict[str, frozenset[str]] = field(default_factory=dict)
    """For a file mutated in part: the mangled names of the functions to mutate."""


AREAS = (
    Area(
        "policy",
        "policy core",
        ("src/caredesk/policy/*.py",),
        (
            "tests/unit/policy",
            # These read source files (the mutated ones hold every mutant) rather than behaviour.
            "--ignore=tests/unit/policy/test_purity.py",
            "--ignore=tests/unit/policy/test_rule_catalogue.py",
            # Invariants over thousands of generated decisions: they run in `make test`, but here
            # they would run for every mutant and only say that something changed, not what.
            # The unit tests are what must pin each behaviour.
            "--ignore=tests/unit/policy/test_equivalence.py",
            "--ignore=tests/unit/policy/test_rules_read_only.py",
        ),
        # The package's lazy export table runs when a name is first imported, which in a mutation
        # run happens once, before any mutant is switched on: its mutants cannot be run.
        skip=("src/caredesk/policy/pii*.py", "src/caredesk/policy/__init__.py"),
    ),
    Area(
        "secrets",
        "secret finder",
        ("src/caredesk/policy/pii*.py", "src/caredesk/privacy.py", "src/caredesk/logs.py"),
        ("tests/unit/privacy", "tests/unit/memos"),
        functions={
            # Only what keeps secrets and database values out of a log line.
            "src/caredesk/logs.py": frozenset(
                {
                    "x__driver_message",
                    "x_describe_exception",
                    "x__is_driver_error",
                    "x__message",
                    "x__format_chain",
                    "x_format_exception",
                    "xǁJsonFormatterǁformat",
                    "xǁTextFormatterǁformat",
                }
            )
        },
    ),
    Area(
        "dispatch",
        "dispatch wing",
        ("src/caredesk/callbacks/dispatch/*.py",),
        (
            "tests/unit/callbacks",
            "tests/integration/callbacks/test_dispatcher*.py",
            "-m",
            "not postgres",
        ),
    ),
)
BY_NAME = {area.name: area for area in AREAS}


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


def _expand(arguments: tuple[str, ...]) -> list[str]:
    """pytest arguments with file patterns expanded (nothing runs them through a shell)."""
    found: list[str] = []
    for argument in arguments:
        if "*" in argument and not argument.startswith("-"):
            found += sorted(str(path.relative_to(ROOT)) for path in ROOT.glob(argument))
        else:
            found.append(argument)
    return found


def _prepare(area: Area, fresh: bool) -> Path:
    """The area's folder: links to the tree, and a pyproject holding the project's pytest
    settings and the area's mutmut settings (mutmut reads ./pyproject.toml)."""
    folder = WORK / area.name
    if fresh and folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("src", "tests", "benchmarks", "config"):
        link = folder / name
        if not link.is_symlink():
            link.symlink_to(ROOT / name)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    pytest_options = project["tool"]["pytest"]["ini_options"]
    lines = ["[tool.pytest.ini_options]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in pytest_options.items()]
    mutmut = {
        "source_paths": ["src"],
        "only_mutate": list(area.mutate),
        "do_not_mutate": list(area.skip),
        "also_copy": ["benchmarks", "config"],
        "pytest_add_cli_args": [
            "-p",
            "no:cacheprovider",
            "-W",
            "ignore::DeprecationWarning",
            # Every test starts with empty caches, so every test that needs a cached answer is
            # seen computing it (tests/mutation_plugin.py says why).
            "-p",
            "tests.mutation_plugin",
        ],
        "pytest_add_cli_args_test_selection": _expand(area.tests),
        "use_git_change_detection": False,
        # One process imports the tests once and forks a fresh one per mutant: no import per
        # mutant, and no cache warmed by an earlier test run carried into a mutant's run.
        "process_isolation": "forkserver",
        "forkserver_warmup": "collect",
    }
    lines += ["", "[tool.mutmut]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in mutmut.items()]
    (folder / "pyproject.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "functions.json").write_text(
        json.dumps({path: sorted(names) for path, names in area.functions.items()}),
        encoding="utf-8",
    )
    return folder


def _results(folder: Path) -> dict[str, tuple[str, int | None]]:
    """mutant name -> (source path, exit code) from mutmut's meta files."""
    found: dict[str, tuple[str, int | None]] = {}
    mutants = folder / "mutants"
    for meta in sorted(mutants.rglob("*.py.meta")):
        source = str(meta.relative_to(mutants))[: -len(".meta")]
        data = json.loads(meta.read_text(encoding="utf-8"))
        for name, code in data.get("exit_code_by_key", {}).items():
            found[name] = (source, code)
    return found


def _run(area: Area, max_children: int, fresh: bool, retest: bool) -> int:
    folder = _prepare(area, fresh)
    command = [sys.executable, str(ROOT / "scripts" / "mutmut_patches.py"), "run"]
    command += ["--max-children", str(max_children)]
    if retest and (folder / "mutants").exists():
        survivors = [
            name for name, (_, code) in _results(folder).items() if code in SURVIVED | {None}
        ]
        if not survivors:
            return 0
        command += survivors
    env = dict(os.environ, MUTATE_FUNCTIONS=str(folder / "functions.json"))
    print(f"== {area.title}: mutmut in {folder.relative_to(ROOT)}", flush=True)
    return subprocess.run(command, cwd=folder, env=env, check=False).returncode


def _equivalents() -> list[dict[str, object]]:
    if not EQUIVALENTS.exists():
        return []
    return list(tomllib.loads(EQUIVALENTS.read_text(encoding="utf-8")).get("equivalent", []))


_HUNK = re.compile(r"^@@ -(\d+)")


def _where(folder: Path, name: str, source: str) -> tuple[int, str]:
    """The source line a mutant changes and the change, from mutmut's diff of the function."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "mutmut_patches.py"), "show", name],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    diff = result.stdout.splitlines()
    offset, changed, removed, added = None, 0, [], []
    line_in_function = 0
    for line in diff:
        hunk = _HUNK.match(line)
        if hunk:
            line_in_function = int(hunk.group(1)) - 1
            continue
        if line.startswith(("---", "+++", "#")):
            continue
        if line.startswith("-"):
            removed.append(line[1:].strip())
            if offset is None:
                offset = line_in_function
            line_in_function += 1
        elif line.startswith("+"):
            added.append(line[1:].strip())
            if offset is None:
                offset = line_in_function
        else:
            line_in_function += 1
        changed += 1
    start = _function_line(ROOT / source, name)
    where = start + (offset or 0) if start else 0
    return where, f"{' / '.join(removed)} -> {' / '.join(added) or '(removed)'}"


def _function_line(path: Path, mutant: str) -> int:
    """The `def` line of the function a mutant belongs to."""
    mangled = mutant.rpartition(".")[2].rsplit("__mutmut_", 1)[0]
    if mangled.startswith("xǁ"):
        class_name, _, function = mangled[2:].partition("ǁ")
    else:
        class_name, function = "", mangled[2:]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    body = tree.body
    if class_name:
        for node in body:
            if isinstance(node, ast.ClassDef) and node.name == class_name:
                body = node.body
    for node in body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == function:
            # The mutmut diff starts at the `def` line (decorators are not part of it).
            return node.lineno
    return 0


def report(areas: tuple[Area, ...]) -> bool:
    """Prints the table and the survivors; True when every area reaches the goal."""
    reviewed = {str(entry["mutant"]): entry for entry in _equivalents()}
    rows, listed, met = [], [], True
    for area in areas:
        folder = WORK / area.name
        results = _results(folder) if (folder / "mutants").exists() else {}
        killed = sum(code in KILLED for _, code in results.values())
        timeout = sum(code in TIMEOUT for _, code in results.values())
        unchecked = sum(code is None for _, code in results.values())
        detected = KILLED | TIMEOUT
        survivors = sorted(
            name for name, (_, code) in results.items() if code not in detected and code is not None
        )
        equivalent = []
        for name in survivors:
            source = results[name][0]
            line, change = _where(folder, name, source)
            entry = reviewed.get(name)
            if entry is not None and entry.get("change") == change:
                equivalent.append(name)
                continue
            stale = " (listed as equivalent, but the change differs now)" if entry else ""
            status = "no tests" if results[name][1] in {5, 33} else "survived"
            listed.append(f"  {area.name:8} {source}:{line} {name} [{status}]{stale}")
            listed.append(f"      {change}")
        survived = len(survivors) - len(equivalent)
        counted = len(results) - len(equivalent) - unchecked
        rate = 100.0 * (killed + timeout) / counted if counted else 0.0
        met = met and bool(results) and not unchecked and rate >= GOAL
        row = (len(results), killed, survived, timeout, len(equivalent), unchecked)
        rows.append((area.title, *row, rate))
    header = (
        "area",
        "mutants",
        "killed",
        "survived",
        "timeout",
        "equivalent",
        "not run",
        "kill rate %",
    )
    print()
    print(f"{header[0]:16}" + "".join(f"{title:>12}" for title in header[1:]))
    for title, *counts, rate in rows:
        print(f"{title:16}" + "".join(f"{count:>12}" for count in counts) + f"{rate:>12.1f}")
    print(
        "\nkill rate = (killed + timeout) / (mutants - equivalent - not run); "
        f"goal {GOAL:.0f}% in each area, with every mutant run"
    )
    print(f"equivalent mutants, reviewed: {EQUIVALENTS.relative_to(ROOT)}")
    print("\nsurvivors:" if listed else "\nsurvivors: none")
    for text in listed:
        print(text)
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("areas", nargs="*", help=f"some of: {', '.join(BY_NAME)} (default all)")
    parser.add_argument("--max-children", type=int, default=2, help="parallel test processes")
    parser.add_argument("--fresh", action="store_true", help="forget the last run's results")
    parser.add_argument("--retest", action="store_true", help="test last run's survivors again")
    parser.add_argument("--report", action="store_true", help="only print the last results")
    args = parser.parse_args()
    unknown = [name for name in args.areas if name not in BY_NAME]
    if unknown:
        parser.error(f"unknown area {', '.join(unknown)}; choose from {', '.join(BY_NAME)}")
    areas = tuple(BY_NAME[name] for name in args.areas) or AREAS
    if not args.report:
        for area in areas:
            code = _run(area, args.max_children, args.fresh, args.retest)
            if code != 0:
                print(f"mutmut stopped on {area.title} (exit {code})", file=sys.stderr)
                return code
    return 0 if report(areas) else 1


if __name__ == "__main__":
    sys.exit(main())
