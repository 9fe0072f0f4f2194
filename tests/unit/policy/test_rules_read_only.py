"""The rules read the Case and never write to it (architecture convention 8).

Two checks: the source of every module under policy/rules/ assigns to no attribute of a Case (nor
calls setattr/delattr), and evaluating every rule, sentences and facts included, leaves the case's
public state and every derived fact exactly as a case that no rule has seen would give them. The
case's own shortcut (the window verdict worked out without building the time rules) is checked
against the time rules it stands for.
"""

from __future__ import annotations

import ast
import copy
import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType

import pytest

import caredesk.policy.rules as rules_package
from caredesk.policy import DEFAULT_CONFIG, PolicyContext
from caredesk.policy.case import Case, WindowVerdict
from caredesk.policy.rules import RULES

RULES_DIR = Path(rules_package.__file__).parent
BENCH = Path(__file__).resolve().parents[3] / "benchmarks" / "policy_bench.py"
_WRITERS = {"setattr", "delattr", "__setattr__", "__delattr__"}
# The derived facts a rule may read; each must come out the same with or without rules run.
DERIVED = (
    "number",
    "zones",
    "effective_zones",
    "consents",
    "time_rules",
    "window",
    "next_allowed",
    "next_attempt_at",
    "next_dial_allowed",
    "contact_made",
    "memo_check",
    "memo_findings",
    "notice_template",
    "notice_steps",
    "notice",
)


def _root(node: ast.expr) -> ast.expr:
    while isinstance(node, ast.Attribute | ast.Subscript):
        node = node.value
    return node


def _targets(node: ast.AST) -> list[ast.expr]:
    if isinstance(node, ast.Assign):
        found = list(node.targets)
    elif isinstance(node, ast.AugAssign | ast.AnnAssign):
        found = [node.target]
    elif isinstance(node, ast.Delete):
        found = list(node.targets)
    elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
        found = [node.target]
    elif isinstance(node, ast.withitem) and node.optional_vars is not None:
        found = [node.optional_vars]
    elif isinstance(node, ast.NamedExpr):
        found = [node.target]
    else:
        return []
    flat: list[ast.expr] = []
    while found:
        target = found.pop()
        if isinstance(target, ast.Tuple | ast.List):
            found.extend(target.elts)
        elif isinstance(target, ast.Starred):
            found.append(target.value)
        else:
            flat.append(target)
    return flat


def _case_names(function: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> set[str]:
    """The parameters that hold a Case (annotated Case, or named case) and their aliases."""
    names = set()
    for arg in [*function.args.posonlyargs, *function.args.args, *function.args.kwonlyargs]:
        annotation = arg.annotation
        if arg.arg == "case" or (
            annotation is not None
            and "Case" in {n.id for n in ast.walk(annotation) if isinstance(n, ast.Name)}
        ):
            names.add(arg.arg)
    changed = True
    while changed:  # `alias = case` makes alias a case too
        changed = False
        for node in ast.walk(function):
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Name)
                and node.value.id in names
            ):
                for target in node.targets:
                    if isinstance(target, ast.Name) and target.id not in names:
                        names.add(target.id)
                        changed = True
    return names


def writes_to_a_case(source: str, filename: str = "<rules>") -> list[str]:
    """Every place in `source` that assigns to (or deletes) an attribute or item reached from a
    Case, or calls setattr/delattr at all."""
    tree = ast.parse(source, filename)
    found = []
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            continue
        names = _case_names(function) | {"case"}
        for node in ast.walk(function):
            for target in _targets(node):
                if not isinstance(target, ast.Attribute | ast.Subscript):
                    continue
                root = _root(target)
                if isinstance(root, ast.Name) and root.id in names:
                    found.append(f"{filename}:{target.lineno}: {ast.unparse(target)} written")
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name in _WRITERS:
                found.append(f"{filename}:{node.lineno}: {ast.unparse(node)}")
    return sorted(set(found))


def test_the_write_finder_finds_writes() -> None:
    planted = """
def evaluate(case: Case) -> None:
    case.window = 1
    case.callback.reason = None
    case._place += 1
    other = case
    other.lob = None
    (case.step, x) = (1, 2)
    del case.agent
    setattr(case, "now", 0)
    object.__setattr__(case, "now", 0)

def helper(subject: Case) -> None:
    subject.call = None

def reads(case: Case) -> int:
    local = case.now
    items = {}
    items["a"] = case.lob
    return local
"""
    lines = [entry.split(":")[1] for entry in writes_to_a_case(planted)]
    assert lines == sorted(["3", "4", "5", "7", "8", "9", "10", "11", "14"]), lines


def test_no_rule_module_writes_to_a_case() -> None:
    modules = sorted(RULES_DIR.glob("*.py"))
    assert len(modules) >= 7
    found = []
    for path in modules:
        found += writes_to_a_case(path.read_text(encoding="utf-8"), path.name)
    assert found == []


def _bench() -> ModuleType:
    if not BENCH.is_file():
        pytest.skip("benchmarks/policy_bench.py is not in this checkout")
    spec = importlib.util.spec_from_file_location("policy_bench_cases", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return module


def _sample(count: int, seed: int = 3) -> list[PolicyContext]:
    bench = _bench()
    rng = random.Random(seed)
    numbers = [
        prefix + f"{rng.randrange(10**4):04d}"
        for prefix in bench.NUMBER_PREFIXES
        for _ in range(20)
    ]
    return [bench.build_case(rng, numbers) for _ in range(count)]


def _public_state(case: Case) -> dict[str, tuple[int, object]]:
    return {
        name: (id(getattr(case, name)), getattr(case, name))
        for name in Case.__slots__
        if not name.startswith("_")
    }


def _derived(case: Case) -> dict[str, object]:
    return {name: getattr(case, name) for name in DERIVED}


def test_evaluating_every_rule_leaves_the_case_as_it_was() -> None:
    for ctx in _sample(400):
        pristine = copy.deepcopy(ctx)
        case = Case(ctx, DEFAULT_CONFIG)
        before = _public_state(case)
        for rule in RULES:
            if ctx.step not in rule.steps:
                continue
            result = rule.evaluate(case)
            if result is not None:
                result.sentence, result.facts  # noqa: B018 - explaining reads the case too
        assert _public_state(case) == before
        assert ctx == pristine
        assert _derived(case) == _derived(Case(ctx, DEFAULT_CONFIG))


def test_the_window_verdict_is_what_the_time_rules_say() -> None:
    seen = set()
    for ctx in _sample(1500, seed=4):
        case = Case(ctx, DEFAULT_CONFIG)
        rules = case.time_rules
        allowed = rules.allows(case.now)
        assert (case.window is WindowVerdict.OPEN) is allowed
        if case.window is WindowVerdict.ZONE_UNKNOWN:
            assert not rules.zones
        assert case.next_allowed == rules.next_allowed(case.now)
        seen.add(case.window)
    assert seen == set(WindowVerdict)
