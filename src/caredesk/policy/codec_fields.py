"""Reading JSON objects field by field, with the dotted path of every field for errors."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, time
from enum import StrEnum
from typing import Any, TypeVar

from caredesk.policy.zones import zone_info

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")
_E164 = re.compile(r"\+[1-9]\d{6,14}")
# Far enough for any real callback, near enough that window arithmetic never overflows.
_EARLIEST_YEAR, _LATEST_YEAR = 1970, 2200


class ContextError(ValueError):
    """A case document is wrong; `path` names the field, e.g. "callback.attempts[1].at"."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class FieldReader:
    """One JSON object being read, with its path for error messages."""

    def __init__(self, value: object, path: str, known: tuple[str, ...]) -> None:
        if not isinstance(value, Mapping):
            raise ContextError(path or "(case)", "must be a JSON object")
        for key in value:
            if key not in known:
                where = self._join(path, str(key))
                raise ContextError(where, f"unknown field ({', '.join(known)})")
        self.data: Mapping[str, Any] = value
        self.path = path

    @staticmethod
    def _join(path: str, key: str) -> str:
        return f"{path}.{key}" if path else key

    def at(self, key: str) -> str:
        return self._join(self.path, key)

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def raw(self, key: str) -> object:
        if key not in self.data:
            raise ContextError(self.at(key), "is required")
        return self.data[key]

    def text(self, key: str, default: str | None = None) -> str:
        if not self.has(key):
            if default is None:
                raise ContextError(self.at(key), "is required")
            return default
        value = self.data[key]
        if not isinstance(value, str):
            raise ContextError(self.at(key), "must be a string")
        return value

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if self.has(key) else None

    def flag(self, key: str, default: bool) -> bool:
        if not self.has(key):
            return default
        value = self.data[key]
        if not isinstance(value, bool):
            raise ContextError(self.at(key), "must be true or false")
        return value

    def optional_flag(self, key: str) -> bool | None:
        return self.flag(key, False) if self.has(key) else None

    def integer(self, key: str, default: int, minimum: int) -> int:
        if not self.has(key):
            return default
        value = self.data[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ContextError(self.at(key), f"must be an integer >= {minimum}")
        return value

    def instant(self, key: str) -> datetime:
        return instant_at(self.raw(key), self.at(key))

    def optional_instant(self, key: str) -> datetime | None:
        return self.instant(key) if self.has(key) else None

    def choice(self, key: str, kind: type[E], default: E | None = None) -> E:
        if not self.has(key):
            if default is None:
                raise ContextError(self.at(key), f"is required ({_options(kind)})")
            return default
        return choice_at(self.data[key], kind, self.at(key))

    def optional_choice(self, key: str, kind: type[E]) -> E | None:
        return self.choice(key, kind) if self.has(key) else None

    def choices(self, key: str, kind: type[E]) -> frozenset[E]:
        return frozenset(choice_at(item, kind, path) for path, item in self.items(key))

    def texts(self, key: str) -> tuple[str, ...]:
        found = []
        for path, item in self.items(key):
            if not isinstance(item, str):
                raise ContextError(path, "must be a string")
            found.append(item)
        return tuple(found)

    def items(self, key: str) -> list[tuple[str, object]]:
        if not self.has(key):
            return []
        value = self.data[key]
        if not isinstance(value, list):
            raise ContextError(self.at(key), "must be a list")
        return [(f"{self.at(key)}[{index}]", item) for index, item in enumerate(value)]

    def zone(self, key: str) -> str | None:
        value = self.optional_text(key)
        if value is not None and zone_info(value) is None:
            raise ContextError(self.at(key), f"{value!r} is not an IANA time zone")
        return value

    def local_time(self, key: str) -> time | None:
        value = self.optional_text(key)
        if value is None:
            return None
        try:
            parsed = time.fromisoformat(value)
        except ValueError:
            raise ContextError(self.at(key), 'must be a local time "HH:MM"') from None
        if parsed.tzinfo is not None:
            raise ContextError(self.at(key), "is a local time: give the zone in `zone`")
        return parsed

    def number(self, key: str) -> str:
        return number_at(self.raw(key), self.at(key))


def _options(kind: type[StrEnum]) -> str:
    return "one of " + ", ".join(member.value for member in kind)


def choice_at(value: object, kind: type[E], path: str) -> E:
    if not isinstance(value, str):
        raise ContextError(path, f"must be a string, {_options(kind)}")
    try:
        return kind(value)
    except ValueError:
        raise ContextError(path, f"{value!r} is not {_options(kind)}") from None


def instant_at(value: object, path: str) -> datetime:
    example = "e.g. 2025-03-09T15:30:00Z"
    if not isinstance(value, str):
        raise ContextError(path, f"must be an ISO 8601 instant with an offset ({example})")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ContextError(path, f"{value!r} is not an ISO 8601 instant ({example})") from None
    if parsed.utcoffset() is None:
        raise ContextError(path, f"needs a UTC offset or Z ({example})")
    if not _EARLIEST_YEAR <= parsed.year <= _LATEST_YEAR:
        raise ContextError(path, f"must fall between {_EARLIEST_YEAR} and {_LATEST_YEAR}")
    return parsed


def number_at(value: object, path: str) -> str:
    if not isinstance(value, str) or _E164.fullmatch(value) is None:
        raise ContextError(path, "must be an E.164 number such as +13035550123")
    return value


def build(path: str, make: Callable[[], T]) -> T:
    """Runs a dataclass constructor, turning its own checks into field-path errors."""
    try:
        return make()
    except ValueError as error:
        if isinstance(error, ContextError):
            raise
        raise ContextError(path or "(case)", str(error)) from None
