"""mutmut's command line, taught two things the mutation runs of scripts/mutate.py need.

    python scripts/mutmut_patches.py run --max-children 2      (from an area's folder)

1. Decorated functions are mutated when their decorators are ones we know to be safe to apply to
   a dispatching function: @property, @functools.lru_cache / @cache, and the policy registry's
   @rule(...). mutmut skips every decorated function (a decorator runs once, at definition), which
   would leave the rule evaluators, the case's derived facts and the cached helpers untested. The
   decorators stay on the function mutmut dispatches through; the original and mutated copies
   it dispatches to are plain functions, so a rule is registered once and a property is a property.
2. A file can be mutated in part: MUTATE_FUNCTIONS names a JSON file mapping a source path to the
   mangled names (x_function, xǁClassǁmethod) of the functions to mutate in it.

Written against mutmut 3.8.1 (pinned); another version stops here rather than guess.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path
from typing import Any

import libcst as cst

PINNED = "3.8.1"
SAFE_NAMES = {"property", "lru_cache", "cache", "rule"}


def _decorator_name(decorator: cst.Decorator) -> str | None:
    node: cst.BaseExpression = decorator.decorator
    if isinstance(node, cst.Call):
        node = node.func
    if isinstance(node, cst.Attribute):  # functools.lru_cache
        return node.attr.value
    if isinstance(node, cst.Name):
        return node.value
    return None


def _safe(function: cst.FunctionDef) -> bool:
    return bool(function.decorators) and all(
        _decorator_name(decorator) in SAFE_NAMES for decorator in function.decorators
    )


def _mangled_names(module: cst.Module) -> dict[cst.FunctionDef, str]:
    names: dict[cst.FunctionDef, str] = {}
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef):
            names[statement] = f"x_{statement.name.value}"
        elif isinstance(statement, cst.ClassDef) and isinstance(statement.body, cst.IndentedBlock):
            for method in statement.body.body:
                if isinstance(method, cst.FunctionDef):
                    names[method] = f"xǁ{statement.name.value}ǁ{method.name.value}"
    return names


def patch() -> None:
    if version("mutmut") != PINNED:
        found = version("mutmut")
        sys.exit(f"scripts/mutmut_patches.py is written for mutmut {PINNED}, not {found}")
    from libcst.metadata import PositionProvider
    from mutmut.mutation import file_mutation as fm

    skip = fm.MutationVisitor._skip_node_and_children

    def skip_node_and_children(self: Any, node: cst.CSTNode) -> bool:
        if isinstance(node, cst.FunctionDef) and _safe(node):
            # mutmut's own checks for a function, less the one refusing any decorator.
            position = self.get_metadata(PositionProvider, node, None)
            if position and position.start.line in self._ignored_node_lines:
                self.ignored_functions.add(node.name.value)
                return True
            return node in self._enum_creation_hooks or (
                node.name.value in fm.NEVER_MUTATE_FUNCTION_NAMES
            )
        return bool(skip(self, node))

    fm.MutationVisitor._skip_node_and_children = skip_node_and_children

    arrange = fm.function_trampoline_arrangement

    def function_trampoline_arrangement(
        function: cst.FunctionDef, mutants: Any, class_name: str | None
    ) -> tuple[Sequence[Any], Sequence[Any], Sequence[Any], Sequence[str]]:
        declarations, methods, assignments, names = arrange(function, mutants, class_name)
        if _safe(function):
            # The first is the dispatching function, which keeps the decorators.
            methods = [methods[0], *(copy.with_changes(decorators=[]) for copy in methods[1:])]
        return declarations, methods, assignments, names

    fm.function_trampoline_arrangement = function_trampoline_arrangement

    wanted_file = os.environ.get("MUTATE_FUNCTIONS")
    wanted: dict[str, set[str]] = {}
    if wanted_file:
        wanted = {
            path: set(names)
            for path, names in json.loads(Path(wanted_file).read_text("utf-8")).items()
        }
    create = fm.create_mutations

    def create_mutations(filename: str, code: str, *args: Any, **kwargs: Any) -> Any:
        module, mutations, ignored_classes, ignored_functions = create(
            filename, code, *args, **kwargs
        )
        for path, names in wanted.items():
            if str(filename).endswith(path) or path.endswith(str(filename)):
                mangled = _mangled_names(module)
                mutations = [
                    mutation
                    for mutation in mutations
                    if mangled.get(mutation.contained_by_top_level_function) in names
                ]
        return module, mutations, ignored_classes, ignored_functions

    fm.create_mutations = create_mutations


def main() -> None:
    patch()
    # mutmut runs pytest from its mutants/ folder; the current folder on the path lets `-p`
    # load tests/mutation_plugin.py from the copy of the tests there.
    sys.path.insert(0, "")
    import mutmut.__main__ as cli  # after the patches: it binds some names on import

    cli.cli(sys.argv[1:])


if __name__ == "__main__":
    main()
