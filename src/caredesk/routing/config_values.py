"""Checking single values of the routing configuration, each refusal naming its dotted key."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from types import MappingProxyType

MAX_SECONDS = 7 * 24 * 3600
MAX_TEXT = 2000
MAX_NAME = 64
_NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")
_LANGUAGE = re.compile(r"[a-z]{2}(-[A-Z]{2})?")

Prompt = Mapping[str, str]
"""Words to say, by language code."""


class RoutingConfigError(ValueError):
    """A routing configuration value is wrong; `key` is its dotted path."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


def table(value: object, key: str, allowed: frozenset[str]) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise RoutingConfigError(key, "must be a table")
    for name in value:
        if name not in allowed:
            known = ", ".join(sorted(allowed))
            raise RoutingConfigError(
                f"{key}.{name}" if key else str(name), f"unknown key ({known})"
            )
    return value


def named_tables(value: object, key: str) -> Mapping[str, Mapping[str, object]]:
    """A table of tables keyed by names such as queue or menu names."""
    if not isinstance(value, Mapping):
        raise RoutingConfigError(key, "must be a table")
    result: dict[str, Mapping[str, object]] = {}
    for name, inner in value.items():
        name_of(name, f"{key}.{name}")
        if not isinstance(inner, Mapping):
            raise RoutingConfigError(f"{key}.{name}", "must be a table")
        result[name] = inner
    return result


def integer(value: object, key: str, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise RoutingConfigError(key, f"must be an integer from {minimum} to {maximum}")
    return value


def number(value: object, key: str, minimum: float, maximum: float) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not minimum <= value <= maximum
    ):
        raise RoutingConfigError(key, f"must be a number from {minimum:g} to {maximum:g}")
    return float(value)


def seconds(value: object, key: str, maximum: float = MAX_SECONDS) -> float:
    return number(value, key, 0, maximum)


def ratio(value: object, key: str) -> float:
    """A share strictly between 0 and 1."""
    result = number(value, key, 0, 1)
    if not 0 < result < 1:
        raise RoutingConfigError(key, "must be a number between 0 and 1 (exclusive)")
    return result


def boolean(value: object, key: str) -> bool:
    if not isinstance(value, bool):
        raise RoutingConfigError(key, "must be true or false")
    return value


def text(value: object, key: str, maximum: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or not value.strip():
        raise RoutingConfigError(key, "must be a non-empty string")
    if len(value) > maximum:
        raise RoutingConfigError(key, f"must be at most {maximum} characters")
    return value


def name_of(value: object, key: str) -> str:
    if not isinstance(value, str) or _NAME.fullmatch(value) is None:
        raise RoutingConfigError(
            key, f"must be a name of lowercase letters, digits and _ (at most {MAX_NAME})"
        )
    return value


def choice(value: object, key: str, allowed: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise RoutingConfigError(key, f"must be one of: {', '.join(allowed)}")
    return value


def string_list(value: object, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise RoutingConfigError(key, "must be a list of strings")
    return list(value)


def language(value: object, key: str) -> str:
    if not isinstance(value, str) or _LANGUAGE.fullmatch(value) is None:
        raise RoutingConfigError(key, 'must be a language code such as "en" or "es-MX"')
    return value


def prompt(value: object, key: str, languages: tuple[str, ...]) -> Prompt:
    """Words in every configured language: {en = "...", es = "..."}."""
    words = table(value, key, frozenset(languages))
    for code in languages:
        if code not in words:
            raise RoutingConfigError(f"{key}.{code}", "missing (every language needs the words)")
    return MappingProxyType({code: text(words[code], f"{key}.{code}") for code in languages})


def normalise_words(value: str) -> str:
    """Keywords and utterances compared case- and spacing-blind."""
    return " ".join(value.casefold().split())
