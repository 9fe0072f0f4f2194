"""The floor plan holds: no package imports one above it, and no module takes part in an import
cycle, counting imports made inside functions (the usual way a cycle hides).

Each top-level package or module of caredesk has a floor (``FLOORS``, lowest first). A domain's
edge modules (its routers and command groups: ``api.py``, ``cli.py``, ``*_api.py``, ``*_cli.py``,
``api_support.py``) and the edge packages (``web``, the command line) stand on the top floor:
they may import anything, and nothing below them may import them. ``db.registry`` and the
migrations import every domain's tables by design. A new package fails this test until it is
given its floor here, which is the point: decide where it stands before it goes up."""

from __future__ import annotations

import ast
from pathlib import Path

import caredesk

SRC = Path(caredesk.__file__).parent

# Lowest first. Packages on one line share a floor, and may import each other only downwards
# in the order written.
FLOORS: tuple[str, ...] = (
    "errors",
    "limits",
    "clock",
    "signals",
    "config",
    "config_files",
    "schemas",
    "policy",
    "routing",
    # A day's staffing plan: the routing core's Erlang maths on a forecast.
    "staffing",
    "privacy",
    "security",
    "logs",
    "db",
    "audit",
    # Live events: written by the use cases of every domain above (publish), read by the web.
    "live",
    "users",
    "agents",
    "accounts",
    "channels",
    "tickets",
    "memos",
    "interactions",
    "callbacks",
    # Inbound calls on the stored path: the IVR walk, the wait told and the callback offer.
    "inbound",
    "sim",
    # Leaders' figures over every domain above; /metrics reads the same definitions.
    "reports",
    "metrics",
    "bootstrap",
    "demo",
)
EDGE_PACKAGES = {
    "web",
    "cli",
    "cli_support",
    "cli_refs",
    "__main__",
    # The `caredesk` entry point and the command server it hands commands to.
    "cli_client",
    "command_protocol",
    "command_server",
}
EDGE_MODULE_NAMES = {"api", "cli", "api_support"}
# Modules that import every domain's tables by design.
BY_DESIGN = ("caredesk.db.registry", "caredesk.db.migrations")


def _module_name(path: Path) -> str:
    parts = ("caredesk", *path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, ast.Module]:
    found = {_module_name(path): ast.parse(path.read_text("utf-8")) for path in SRC.rglob("*.py")}
    assert len(found) > 100
    return found


def _imports(name: str, tree: ast.Module, known: set[str]) -> set[str]:
    """The caredesk modules ``name`` imports, anywhere in its body."""
    package = name if name in known and _is_package(name) else name.rsplit(".", 1)[0]
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                full = f"{base}.{alias.name}"
                targets.add(full if full in known else base)
    return {target for target in targets if target in known and target != name}


def _is_package(name: str) -> bool:
    return (SRC.joinpath(*name.split(".")[1:]) / "__init__.py").is_file()


def _top(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else ""


def _is_edge(name: str) -> bool:
    last = name.rsplit(".", 1)[-1]
    return (
        _top(name) in EDGE_PACKAGES
        or last in EDGE_MODULE_NAMES
        or last.endswith(("_api", "_cli"))
        or name.startswith(BY_DESIGN)
    )


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, tree, known) for name, tree in modules.items()}


def test_every_package_has_a_floor() -> None:
    tops = {_top(name) for name in _graph()} - {""}
    placed = set(FLOORS) | EDGE_PACKAGES
    assert tops - placed == set(), "give each new package its floor in FLOORS"


def test_no_module_imports_a_package_above_it_or_an_edge() -> None:
    rank = {package: floor for floor, package in enumerate(FLOORS)}
    upward = []
    for name, targets in _graph().items():
        if _is_edge(name) or _top(name) not in rank:
            continue
        for target in targets:
            if _is_edge(target):
                upward.append(f"{name} -> {target} (an edge module)")
            elif rank.get(_top(target), -1) > rank[_top(name)]:
                upward.append(f"{name} -> {target}")
    assert upward == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = counter
                counter += 1
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def test_no_import_cycle_even_inside_functions() -> None:
    graph = _graph()
    # A package's __init__ importing its own modules is not a cycle of concepts.
    graph = {
        name: {t for t in targets if not (_is_package(t) and name.startswith(f"{t}."))}
        for name, targets in graph.items()
    }
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_hidden_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
