"""The IVR menu walker: (state, caller input, instant) -> next state, words to say, and a route.

Pure: the walk lives in the frozen `IvrState` the caller keeps (on the interaction), the instant
is an argument and decides business hours. A digit or keyword picks an option; invalid or no
input replays the menu with an apology up to `max_replays` times, and one more miss sends the
caller to the fallback queue (general care). Routing to a closed queue follows its after-hours
rule: a message with a callback offer or a voicemail, or another queue.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from caredesk.routing.config import RoutingConfig
from caredesk.routing.config_ivr import Menu, MenuOption, OptionAction
from caredesk.routing.config_queues import AfterHoursAction
from caredesk.routing.config_values import normalise_words

MAX_UTTERANCE = 500


class InputKind(StrEnum):
    DIGIT = "digit"
    KEYWORD = "keyword"
    """Spoken (recognised) or typed words."""
    NO_INPUT = "no_input"
    INVALID = "invalid"
    """Something the recogniser could not make out."""


@dataclass(frozen=True, slots=True)
class CallerInput:
    kind: InputKind
    value: str = ""

    def __post_init__(self) -> None:
        if self.kind is InputKind.DIGIT and (
            len(self.value) != 1 or self.value not in "0123456789*#"
        ):
            raise ValueError("a digit is one of 0-9, * or #")
        if self.kind is InputKind.KEYWORD and not self.value.strip():
            raise ValueError("keyword input needs words")
        if len(self.value) > MAX_UTTERANCE:
            raise ValueError(f"input is at most {MAX_UTTERANCE} characters")

    @classmethod
    def digit(cls, value: str) -> CallerInput:
        return cls(InputKind.DIGIT, value)

    @classmethod
    def words(cls, value: str) -> CallerInput:
        return cls(InputKind.KEYWORD, value)

    @classmethod
    def no_input(cls) -> CallerInput:
        return cls(InputKind.NO_INPUT)

    @classmethod
    def invalid(cls) -> CallerInput:
        return cls(InputKind.INVALID)


@dataclass(frozen=True, slots=True)
class PathEntry:
    """One thing the caller did, for the record on the interaction."""

    menu: str
    kind: InputKind
    value: str
    accepted: bool


class RouteReason(StrEnum):
    SELECTED = "selected"
    FALLBACK = "fallback"
    """Too many invalid or missing inputs."""
    AFTER_HOURS = "after_hours"
    """The chosen queue was closed and sends its callers to this one."""


@dataclass(frozen=True, slots=True)
class Route:
    queue: str
    priority: int
    reason: RouteReason
    chosen_queue: str
    """The queue the menu pointed at (differs from `queue` after an after-hours transfer)."""


@dataclass(frozen=True, slots=True)
class Closed:
    """The chosen queue is closed and ends the walk with a message and its after-hours action."""

    queue: str
    action: AfterHoursAction
    priority: int


@dataclass(frozen=True, slots=True)
class IvrState:
    menu: str
    language: str
    misses: int = 0
    trail: tuple[str, ...] = ()
    """Menus left behind on the way here, for "back"."""
    path: tuple[PathEntry, ...] = ()
    finished: bool = False


@dataclass(frozen=True, slots=True)
class IvrStep:
    state: IvrState
    say: tuple[str, ...]
    """Words to play in order, in the caller's language."""
    route: Route | None = None
    closed: Closed | None = None

    @property
    def finished(self) -> bool:
        return self.state.finished


def start(config: RoutingConfig) -> IvrStep:
    ivr = config.ivr
    state = IvrState(menu=ivr.entry, language=ivr.default_language)
    return IvrStep(state, (ivr.menus[ivr.entry].prompt[state.language],))


def match_keywords(menu: Menu, utterance: str) -> MenuOption | None:
    """The option whose keyword the words contain, longest keyword first; None if none or tied."""
    words = normalise_words(utterance)
    if words in menu.by_keyword:
        return menu.by_keyword[words]
    padded = f" {words} "
    best: MenuOption | None = None
    best_length = 0
    tied = False
    for keyword, option in menu.by_keyword.items():
        if f" {keyword} " not in padded:
            continue
        length = keyword.count(" ") + 1
        if length > best_length:
            best, best_length, tied = option, length, False
        elif length == best_length and option is not best:
            tied = True
    return None if tied else best


def _route(
    config: RoutingConfig,
    state: IvrState,
    queue: str,
    priority: int,
    reason: RouteReason,
    now: datetime,
    said: tuple[str, ...],
) -> IvrStep:
    chosen = queue
    done = replace(state, finished=True, misses=0)
    while True:
        settings = config.queues[queue]
        if settings.hours.is_open(now):
            say = (*said, config.ivr.connect_prompt[state.language])
            return IvrStep(done, say, route=Route(queue, priority, reason, chosen))
        rule = settings.after_hours
        said = (*said, rule.message[state.language])
        if rule.action is not AfterHoursAction.QUEUE or rule.queue is None:
            return IvrStep(done, said, closed=Closed(queue, rule.action, priority))
        # The configuration refuses circular after-hours chains, so this ends.
        queue, reason = rule.queue, RouteReason.AFTER_HOURS


def _miss(config: RoutingConfig, state: IvrState, kind: InputKind, now: datetime) -> IvrStep:
    ivr = config.ivr
    misses = state.misses + 1
    state = replace(state, misses=misses)
    if misses > ivr.max_replays:
        said = (ivr.fallback_prompt[state.language],)
        return _route(config, state, ivr.fallback_queue, 0, RouteReason.FALLBACK, now, said)
    apology = ivr.no_input_prompt if kind is InputKind.NO_INPUT else ivr.invalid_prompt
    menu = ivr.menus[state.menu]
    return IvrStep(state, (apology[state.language], menu.prompt[state.language]))


def step(config: RoutingConfig, state: IvrState, given: CallerInput, now: datetime) -> IvrStep:
    """The caller's next move in the menu at instant `now` (aware)."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if state.finished:
        raise ValueError("this walk has ended")
    ivr = config.ivr
    if state.menu not in ivr.menus:
        raise ValueError(f"no menu {state.menu!r}")
    if state.language not in config.languages:
        raise ValueError(f"no language {state.language!r}")
    menu = ivr.menus[state.menu]
    option: MenuOption | None = None
    if given.kind is InputKind.DIGIT:
        option = menu.by_digit.get(given.value)
    elif given.kind is InputKind.KEYWORD:
        option = match_keywords(menu, given.value)
    entry = PathEntry(menu.name, given.kind, given.value, option is not None)
    state = replace(state, path=(*state.path, entry))
    if option is None:
        return _miss(config, state, given.kind, now)
    state = replace(state, misses=0)
    if option.language is not None:
        state = replace(state, language=option.language)
    if option.action is OptionAction.REPEAT:
        return IvrStep(state, (menu.prompt[state.language],))
    if option.action is OptionAction.BACK:
        if state.trail:
            state = replace(state, menu=state.trail[-1], trail=state.trail[:-1])
        return IvrStep(state, (ivr.menus[state.menu].prompt[state.language],))
    if option.next is not None:
        state = replace(state, menu=option.next, trail=(*state.trail, menu.name))
        return IvrStep(state, (ivr.menus[option.next].prompt[state.language],))
    assert option.queue is not None
    return _route(config, state, option.queue, option.priority, RouteReason.SELECTED, now, ())


def walk(config: RoutingConfig, inputs: Sequence[CallerInput], now: datetime) -> IvrStep:
    """Every input in turn from the start, stopping when the walk ends (for tests and demos)."""
    current = start(config)
    for given in inputs:
        if current.finished:
            break
        current = step(config, current.state, given, now)
    return current
