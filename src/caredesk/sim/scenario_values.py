"""Checking single values of a scenario file, each refusal naming its dotted key."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Set

_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


class ScenarioError(ValueError):
    """A scenario value is wrong; `key` is its dotted path ("" for the file as a whole)."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}" if key else problem)
        self.key = key
        self.problem = problem


def table(value: object, key: str, allowed: Set[str] | None) -> Mapping[str, object]:
    """A table whose keys are all in `allowed` (any keys when None)."""
    if not isinstance(value, Mapping):
        raise ScenarioError(key, "must be a table")
    if allowed is not None:
        for name in value:
            if name not in allowed:
                known = ", ".join(sorted(allowed))
                where = f"{key}.{name}" if key else str(name)
                raise ScenarioError(where, f"unknown key ({known})")
    return value


def table_list(
    value: object, key: str, allowed: Set[str]
) -> Iterator[tuple[str, Mapping[str, object]]]:
    """Each table of an array of tables, with its dotted key."""
    if not isinstance(value, list):
        raise ScenarioError(key, "must be an array of tables")
    for index, item in enumerate(value):
        where = f"{key}[{index}]"
        yield where, table(item, where, allowed)


def number(value: object, key: str, minimum: float, maximum: float) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not minimum <= value <= maximum
    ):
        raise ScenarioError(key, f"must be a number from {minimum:g} to {maximum:g}")
    return float(value)


def integer(value: object, key: str, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ScenarioError(key, f"must be an integer from {minimum} to {maximum}")
    return value


def share(value: object, key: str) -> float:
    return number(value, key, 0, 1)


def boolean(value: object, key: str) -> bool:
    if not isinstance(value, bool):
        raise ScenarioError(key, "must be true or false")
    return value


def text(value: object, key: str, maximum: int) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > maximum:
        raise ScenarioError(key, f"must be a non-empty string of at most {maximum} characters")
    return value


def name_of(value: object, key: str) -> str:
    if not isinstance(value, str) or _NAME.fullmatch(value) is None:
        raise ScenarioError(key, "must be a name of lowercase letters, digits and _")
    return value


def choice(value: object, key: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ScenarioError(key, f"must be one of: {', '.join(allowed)}")
    return value
