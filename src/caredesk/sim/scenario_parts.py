"""The parts of a scenario (traffic, agent groups, callbacks, contacts placed by hand,
predictor settings, the service-level definition), each read from its table with the dotted key
of a bad value named."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from caredesk.policy.vocabulary import LineOfBusiness
from caredesk.routing.config import RoutingConfig
from caredesk.routing.config_queues import MAX_LEVEL
from caredesk.routing.service_level import ServiceLevelDefinition
from caredesk.routing.wait import Predictor
from caredesk.sim.randomness import ArrivalProfile, Distribution, ProfileKind, Shape
from caredesk.sim.scenario_values import (
    ScenarioError,
    boolean,
    choice,
    integer,
    name_of,
    number,
    share,
    table,
    table_list,
)

MAX_AGENTS = 100_000
MAX_HOURS = 72.0
_NUMBER = re.compile(r"\+[1-9]\d{7,14}")


@dataclass(frozen=True, slots=True)
class Traffic:
    queue: str
    share: float
    priority: int = 0
    skill: str | None = None
    handle_scale: float = 1.0


@dataclass(frozen=True, slots=True)
class AgentGroup:
    name: str
    count: int
    skills: Mapping[str, int]
    primary: frozenset[str]
    secondary: frozenset[str]
    shift_from_hours: float = 0.0
    shift_to_hours: float | None = None
    """None: until the run ends."""


@dataclass(frozen=True, slots=True)
class CustomerMix:
    number: str
    """E.164; the policy works out its time zone."""
    share: float


@dataclass(frozen=True, slots=True)
class CallbackSettings:
    accept: float = 0.0
    """Share of callers offered "call me back, keep my place" who take it."""
    ask: float = 0.0
    """Share of callers who must wait and are not offered one that ask for it themselves."""
    answer: float = 0.9
    """Share of dials the customer answers."""
    ring_seconds: float = 20.0
    voicemail_seconds: float = 30.0
    line_of_business: LineOfBusiness = LineOfBusiness.CARE
    customers: tuple[CustomerMix, ...] = (CustomerMix("+12125550100", 1.0),)


@dataclass(frozen=True, slots=True)
class ScriptedContact:
    at_seconds: float
    queue: str
    priority: int = 0
    patience_seconds: float | None = None
    handle_seconds: float = 180.0
    asks_callback: bool = False
    number: str = "+12125550100"


@dataclass(frozen=True, slots=True)
class PredictorSettings:
    window: int = 1000
    min_samples: int = 50
    forgetting: float = 0.9998
    use: tuple[Predictor, ...] = tuple(Predictor)
    """The predictors the chooser asks (all of them unless the scenario names some)."""


def parse_distribution(value: object, key: str, *, allow_none: bool) -> Distribution:
    entry = table(value, key, frozenset({"shape", "mean_seconds", "cv"}))
    shapes = tuple(s.value for s in Shape if allow_none or s is not Shape.NONE)
    shape = Shape(choice(entry.get("shape", "exponential"), f"{key}.shape", shapes))
    if shape is Shape.NONE:
        return Distribution(Shape.NONE)
    if "mean_seconds" not in entry:
        raise ScenarioError(f"{key}.mean_seconds", "missing")
    mean = number(entry["mean_seconds"], f"{key}.mean_seconds", 0.001, 86_400)
    cv = number(entry.get("cv", 1.0), f"{key}.cv", 0.01, 10)
    return Distribution(shape, mean, cv)


def parse_arrivals(value: object) -> ArrivalProfile:
    key = "arrivals"
    allowed = frozenset({"shape", "per_hour", "amplitude", "peak_hour", "period_hours", "points"})
    entry = table(value, key, allowed)
    kinds = tuple(kind.value for kind in ProfileKind)
    kind = ProfileKind(choice(entry.get("shape", "constant"), f"{key}.shape", kinds))
    if kind is ProfileKind.PIECEWISE:
        raw = entry.get("points")
        if not isinstance(raw, list) or not raw:
            raise ScenarioError(f"{key}.points", "must be a list of [from_hour, per_hour]")
        points = []
        for index, item in enumerate(raw):
            where = f"{key}.points[{index}]"
            if not isinstance(item, list) or len(item) != 2:
                raise ScenarioError(where, "must be [from_hour, per_hour]")
            points.append((number(item[0], where, 0, MAX_HOURS), number(item[1], where, 0, 1e7)))
        try:
            return ArrivalProfile(kind, points=tuple(points))
        except ValueError as error:
            raise ScenarioError(f"{key}.points", str(error)) from None
    if "per_hour" not in entry:
        raise ScenarioError(f"{key}.per_hour", "missing")
    return ArrivalProfile(
        kind,
        per_hour=number(entry["per_hour"], f"{key}.per_hour", 0, 1e7),
        amplitude=number(entry.get("amplitude", 0), f"{key}.amplitude", 0, 1),
        peak_hour=number(entry.get("peak_hour", 0), f"{key}.peak_hour", -MAX_HOURS, MAX_HOURS),
        period_hours=number(entry.get("period_hours", 24), f"{key}.period_hours", 0.01, 1000),
    )


def parse_queue(value: object, key: str, routing: RoutingConfig) -> str:
    name = name_of(value, key)
    if name not in routing.queues:
        raise ScenarioError(key, f"no queue {name!r} in the routing configuration")
    return name


def parse_traffic(value: object, routing: RoutingConfig) -> tuple[Traffic, ...]:
    allowed = frozenset({"queue", "share", "priority", "skill", "handle_scale"})
    found = []
    for key, entry in table_list(value, "traffic", allowed):
        queue = parse_queue(entry.get("queue"), f"{key}.queue", routing)
        skill = None
        if "skill" in entry:
            skill = name_of(entry["skill"], f"{key}.skill")
            if skill not in routing.queues[queue].skills:
                raise ScenarioError(f"{key}.skill", f"queue {queue!r} does not take {skill!r}")
        found.append(
            Traffic(
                queue=queue,
                share=number(entry.get("share", 1.0), f"{key}.share", 0, 1e6),
                priority=integer(entry.get("priority", 0), f"{key}.priority", 0, 100),
                skill=skill,
                handle_scale=number(
                    entry.get("handle_scale", 1.0), f"{key}.handle_scale", 0.01, 100
                ),
            )
        )
    if found and sum(item.share for item in found) <= 0:
        raise ScenarioError("traffic", "the shares add up to nothing")
    return tuple(found)


def parse_hours_pair(value: object, key: str) -> tuple[float, float | None]:
    if not isinstance(value, list) or len(value) != 2:
        raise ScenarioError(key, "must be [from_hour, to_hour]")
    start = number(value[0], key, 0, MAX_HOURS)
    end = number(value[1], key, 0, MAX_HOURS)
    if end <= start:
        raise ScenarioError(key, "must end after it starts")
    return start, end


def parse_agents(value: object, routing: RoutingConfig) -> tuple[AgentGroup, ...]:
    allowed = frozenset({"name", "count", "skills", "primary", "secondary", "shift"})
    groups: list[AgentGroup] = []
    names: set[str] = set()
    for key, entry in table_list(value, "agents", allowed):
        name = name_of(entry.get("name"), f"{key}.name")
        if name in names:
            raise ScenarioError(f"{key}.name", f"{name!r} is used twice")
        names.add(name)
        skills_table = table(entry.get("skills", {}), f"{key}.skills", frozenset(routing.skills))
        skills = {
            skill: integer(level, f"{key}.skills.{skill}", 1, MAX_LEVEL)
            for skill, level in skills_table.items()
        }
        queues = []
        for side in ("primary", "secondary"):
            raw = entry.get(side, [])
            if not isinstance(raw, list):
                raise ScenarioError(f"{key}.{side}", "must be a list of queue names")
            queues.append(
                frozenset(parse_queue(q, f"{key}.{side}[{i}]", routing) for i, q in enumerate(raw))
            )
        if not queues[0] | queues[1]:
            raise ScenarioError(f"{key}.primary", "an agent group serves at least one queue")
        if queues[0] & queues[1]:
            raise ScenarioError(f"{key}.secondary", "a queue is either primary or secondary")
        shift: tuple[float, float | None] = (0.0, None)
        if "shift" in entry:
            shift = parse_hours_pair(entry["shift"], f"{key}.shift")
        groups.append(
            AgentGroup(
                name=name,
                count=integer(entry.get("count"), f"{key}.count", 1, MAX_AGENTS),
                skills=skills,
                primary=queues[0],
                secondary=queues[1],
                shift_from_hours=shift[0],
                shift_to_hours=shift[1],
            )
        )
    if not groups:
        raise ScenarioError("agents", "needs at least one [[agents]] group")
    if sum(group.count for group in groups) > MAX_AGENTS:
        raise ScenarioError("agents", f"at most {MAX_AGENTS} agents in all")
    return tuple(groups)


def parse_phone(value: object, key: str) -> str:
    if not isinstance(value, str) or _NUMBER.fullmatch(value) is None:
        raise ScenarioError(key, 'must be an E.164 number such as "+12125550100"')
    return value


def parse_callbacks(value: object) -> CallbackSettings:
    key = "callbacks"
    allowed = frozenset(
        {
            "accept",
            "ask",
            "answer",
            "ring_seconds",
            "voicemail_seconds",
            "line_of_business",
            "customers",
        }
    )
    entry = table(value, key, allowed)
    base = CallbackSettings()
    customers = base.customers
    if "customers" in entry:
        mix = []
        for where, item in table_list(entry["customers"], f"{key}.customers", {"number", "share"}):
            mix.append(
                CustomerMix(
                    parse_phone(item.get("number"), f"{where}.number"),
                    number(item.get("share", 1.0), f"{where}.share", 0, 1e6),
                )
            )
        if not mix or sum(item.share for item in mix) <= 0:
            raise ScenarioError(f"{key}.customers", "needs at least one number with a share")
        customers = tuple(mix)
    lobs = tuple(lob.value for lob in LineOfBusiness)
    return CallbackSettings(
        accept=share(entry.get("accept", base.accept), f"{key}.accept"),
        ask=share(entry.get("ask", base.ask), f"{key}.ask"),
        answer=share(entry.get("answer", base.answer), f"{key}.answer"),
        ring_seconds=number(entry.get("ring_seconds", 20), f"{key}.ring_seconds", 0, 600),
        voicemail_seconds=number(
            entry.get("voicemail_seconds", 30), f"{key}.voicemail_seconds", 0, 3600
        ),
        line_of_business=LineOfBusiness(
            choice(entry.get("line_of_business", "care"), f"{key}.line_of_business", lobs)
        ),
        customers=customers,
    )


def parse_script(value: object, routing: RoutingConfig) -> tuple[ScriptedContact, ...]:
    allowed = frozenset(
        {
            "at_seconds",
            "queue",
            "priority",
            "patience_seconds",
            "handle_seconds",
            "asks_callback",
            "number",
        }
    )
    found = []
    for key, entry in table_list(value, "script", allowed):
        patience = entry.get("patience_seconds")
        found.append(
            ScriptedContact(
                at_seconds=number(
                    entry.get("at_seconds"), f"{key}.at_seconds", 0, MAX_HOURS * 3600
                ),
                queue=parse_queue(entry.get("queue"), f"{key}.queue", routing),
                priority=integer(entry.get("priority", 0), f"{key}.priority", 0, 100),
                patience_seconds=None
                if patience is None
                else number(patience, f"{key}.patience_seconds", 0, 1e7),
                handle_seconds=number(
                    entry.get("handle_seconds", 180), f"{key}.handle_seconds", 0.001, 1e6
                ),
                asks_callback=boolean(entry.get("asks_callback", False), f"{key}.asks_callback"),
                number=parse_phone(entry.get("number", "+12125550100"), f"{key}.number"),
            )
        )
    return tuple(sorted(found, key=lambda item: item.at_seconds))


def parse_predictors(value: object) -> tuple[Predictor, ...]:
    key = "predictors.use"
    names = tuple(p.value for p in Predictor)
    if not isinstance(value, list) or not value:
        raise ScenarioError(key, f"must be a non-empty list of: {', '.join(names)}")
    chosen = tuple(Predictor(choice(item, key, names)) for item in value)
    if len(set(chosen)) != len(chosen):
        raise ScenarioError(key, "names a predictor twice")
    return chosen


def parse_service_level(value: object) -> ServiceLevelDefinition:
    key = "service_level"
    allowed = frozenset(
        {"answer_seconds", "target", "short_abandon_seconds", "exclude_short_abandons"}
    )
    entry = table(value, key, allowed)
    base = ServiceLevelDefinition()
    target = number(entry.get("target", base.target), f"{key}.target", 0, 1)
    if not 0 < target < 1:
        raise ScenarioError(f"{key}.target", "must be between 0 and 1 (exclusive)")
    return ServiceLevelDefinition(
        answer_seconds=number(
            entry.get("answer_seconds", base.answer_seconds), f"{key}.answer_seconds", 0, 86_400
        ),
        target=target,
        short_abandon_seconds=number(
            entry.get("short_abandon_seconds", base.short_abandon_seconds),
            f"{key}.short_abandon_seconds",
            0,
            86_400,
        ),
        exclude_short_abandons=boolean(
            entry.get("exclude_short_abandons", base.exclude_short_abandons),
            f"{key}.exclude_short_abandons",
        ),
    )
