"""IVR menus: prompts per language, options chosen by DTMF digit or spoken/typed keyword, the
replay limit for invalid or no input and the general-care fallback after it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from caredesk.routing.config_queues import MAX_PRIORITY
from caredesk.routing.config_values import (
    Prompt,
    RoutingConfigError,
    choice,
    integer,
    language,
    name_of,
    named_tables,
    normalise_words,
    number,
    prompt,
    string_list,
    table,
)

DIGITS = frozenset("0123456789*#")
MAX_KEYWORD = 64


class OptionAction(StrEnum):
    REPEAT = "repeat"
    BACK = "back"


@dataclass(frozen=True, slots=True)
class MenuOption:
    digit: str | None
    keywords: tuple[str, ...]
    """Normalised (case-folded, single spaces)."""
    next: str | None = None
    queue: str | None = None
    priority: int = 0
    """Priority points the contact gets in `queue` (business accounts, emergencies abroad)."""
    language: str | None = None
    action: OptionAction | None = None


@dataclass(frozen=True, slots=True)
class Menu:
    name: str
    prompt: Prompt
    options: tuple[MenuOption, ...]
    by_digit: Mapping[str, MenuOption] = field(default_factory=dict)
    by_keyword: Mapping[str, MenuOption] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IvrConfig:
    entry: str
    languages: tuple[str, ...]
    """The first is the default until the caller picks one."""
    max_replays: int
    """Invalid or no input replays the menu this many times; one more miss goes to fallback."""
    no_input_seconds: float
    fallback_queue: str
    menus: Mapping[str, Menu]
    invalid_prompt: Prompt
    no_input_prompt: Prompt
    fallback_prompt: Prompt
    connect_prompt: Prompt

    @property
    def default_language(self) -> str:
        return self.languages[0]


def _option(
    value: object, key: str, languages: tuple[str, ...], queues: frozenset[str]
) -> MenuOption:
    allowed = frozenset({"digit", "keywords", "next", "queue", "priority", "language", "action"})
    entry = table(value, key, allowed)
    digit = entry.get("digit")
    if digit is not None and (not isinstance(digit, str) or digit not in DIGITS):
        raise RoutingConfigError(f"{key}.digit", "must be one of 0-9, * or #")
    keywords = []
    for word in string_list(entry.get("keywords", []), f"{key}.keywords"):
        normal = normalise_words(word)
        if not normal or len(normal) > MAX_KEYWORD:
            raise RoutingConfigError(f"{key}.keywords", f"{word!r} must be 1-{MAX_KEYWORD} chars")
        keywords.append(normal)
    if digit is None and not keywords:
        raise RoutingConfigError(key, "needs a digit or keywords")
    next_menu = name_of(entry["next"], f"{key}.next") if "next" in entry else None
    queue = name_of(entry["queue"], f"{key}.queue") if "queue" in entry else None
    if queue is not None and queue not in queues:
        raise RoutingConfigError(f"{key}.queue", f"no queue {queue!r}")
    actions = tuple(action.value for action in OptionAction)
    action = (
        OptionAction(choice(entry["action"], f"{key}.action", actions))
        if "action" in entry
        else None
    )
    if sum(item is not None for item in (next_menu, queue, action)) != 1:
        raise RoutingConfigError(key, "needs exactly one of next, queue or action")
    code = language(entry["language"], f"{key}.language") if "language" in entry else None
    if code is not None and code not in languages:
        raise RoutingConfigError(f"{key}.language", f"{code!r} is not in routing.languages")
    if code is not None and action is not None:
        raise RoutingConfigError(f"{key}.language", "goes with next or queue, not an action")
    priority = integer(entry.get("priority", 0), f"{key}.priority", 0, MAX_PRIORITY)
    if priority and queue is None:
        raise RoutingConfigError(f"{key}.priority", "only an option that routes to a queue has one")
    return MenuOption(digit, tuple(keywords), next_menu, queue, priority, code, action)


def _menu(
    name: str, value: Mapping[str, object], languages: tuple[str, ...], queues: frozenset[str]
) -> Menu:
    key = f"ivr.menus.{name}"
    entry = table(value, key, frozenset({"prompt", "options"}))
    if "prompt" not in entry:
        raise RoutingConfigError(f"{key}.prompt", "missing")
    words = prompt(entry["prompt"], f"{key}.prompt", languages)
    raw = entry.get("options")
    if not isinstance(raw, list) or not raw:
        raise RoutingConfigError(f"{key}.options", "must be a non-empty list of options")
    options = tuple(
        _option(item, f"{key}.options[{index}]", languages, queues)
        for index, item in enumerate(raw)
    )
    by_digit: dict[str, MenuOption] = {}
    by_keyword: dict[str, MenuOption] = {}
    for index, option in enumerate(options):
        where = f"{key}.options[{index}]"
        if option.digit is not None:
            if option.digit in by_digit:
                raise RoutingConfigError(f"{where}.digit", f"{option.digit!r} is used twice")
            by_digit[option.digit] = option
        for word in option.keywords:
            if word in by_keyword and by_keyword[word] is not option:
                raise RoutingConfigError(f"{where}.keywords", f"{word!r} is used twice")
            by_keyword[word] = option
    return Menu(name, words, options, MappingProxyType(by_digit), MappingProxyType(by_keyword))


_IVR_KEYS = frozenset(
    {
        "entry",
        "max_replays",
        "no_input_seconds",
        "fallback_queue",
        "menus",
        "invalid_prompt",
        "no_input_prompt",
        "fallback_prompt",
        "connect_prompt",
    }
)


def parse_languages(value: object, key: str) -> tuple[str, ...]:
    codes = string_list(value, key)
    if not codes:
        raise RoutingConfigError(key, "needs at least one language")
    languages = tuple(language(code, key) for code in codes)
    if len(set(languages)) != len(languages):
        raise RoutingConfigError(key, "lists a language twice")
    return languages


def parse_ivr(value: object, queues: frozenset[str], languages: tuple[str, ...]) -> IvrConfig:
    entry = table(value, "ivr", _IVR_KEYS)
    fallback = name_of(entry.get("fallback_queue"), "ivr.fallback_queue")
    if fallback not in queues:
        raise RoutingConfigError("ivr.fallback_queue", f"no queue {fallback!r}")
    menus = {
        name: _menu(name, inner, languages, queues)
        for name, inner in named_tables(entry.get("menus", {}), "ivr.menus").items()
    }
    start = name_of(entry.get("entry"), "ivr.entry")
    if start not in menus:
        raise RoutingConfigError("ivr.entry", f"no menu {start!r}")
    for menu in menus.values():
        for index, option in enumerate(menu.options):
            if option.next is not None and option.next not in menus:
                where = f"ivr.menus.{menu.name}.options[{index}].next"
                raise RoutingConfigError(where, f"no menu {option.next!r}")

    def words(name: str) -> Prompt:
        if name not in entry:
            raise RoutingConfigError(f"ivr.{name}", "missing")
        return prompt(entry[name], f"ivr.{name}", languages)

    return IvrConfig(
        entry=start,
        languages=languages,
        max_replays=integer(entry.get("max_replays", 2), "ivr.max_replays", 0, 10),
        no_input_seconds=number(entry.get("no_input_seconds", 6), "ivr.no_input_seconds", 1, 60),
        fallback_queue=fallback,
        menus=MappingProxyType(menus),
        invalid_prompt=words("invalid_prompt"),
        no_input_prompt=words("no_input_prompt"),
        fallback_prompt=words("fallback_prompt"),
        connect_prompt=words("connect_prompt"),
    )
