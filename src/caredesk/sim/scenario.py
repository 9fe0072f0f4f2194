"""Scenarios for the digital twin: a day of contacts, agents and callbacks, read from TOML.

A scenario is checked as a whole before it runs: a bad value is refused with its dotted key
named, and unknown keys are refused. The shipped scenarios live in `caredesk/sim/scenarios/`;
`load_scenario` takes one of their names or a path.

    title, start (an aware TOML datetime), hours (of arrivals), warmup_hours (arrivals left out
    of the figures), drain_hours (after the last arrival), interval_minutes, seed
    routing = "default" (the shipped routing file) or "inline" with [routing_config] written
    like config/routing.toml
    [arrivals]  shape = constant | sinusoidal | piecewise; per_hour, amplitude, peak_hour,
                period_hours, points = [[from_hour, per_hour], ...]
    [handle]    shape = exponential | lognormal | fixed, mean_seconds, cv: the talk time;
                per_level (talk time x (1 + per_level * (3 - the agent's level))). The
                After-Call Work after each call is the queue's `wrap_up_seconds` in the routing
                configuration, as on the stored path: handle time = talk + wrap-up.
    [patience]  shape = exponential | lognormal | fixed | none, mean_seconds, cv
    [[traffic]] queue, share, priority, skill, handle_scale
    [[agents]]  name, count, skills = {skill = level}, primary, secondary, shift = [from, to]
    [callbacks] accept (of those offered), ask (of the others who must wait), answer,
                ring_seconds, voicemail_seconds, line_of_business, customers = [{number, share}]
    [[script]]  at_seconds, queue, priority, patience_seconds, handle_seconds, asks_callback,
                number: contacts placed by hand (tests, demos)
    [predictors] window, min_samples, forgetting, use = ["ql", ...] (default: every one)
    [service_level] the definition the all-queues figures use (default: the first traffic
                queue's)
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path

from caredesk.routing.config import RoutingConfig, parse_routing_config
from caredesk.routing.config_file import default_routing_config
from caredesk.routing.config_values import RoutingConfigError
from caredesk.routing.service_level import ServiceLevelDefinition
from caredesk.routing.wait import Predictor
from caredesk.sim import scenario_parts as parts
from caredesk.sim.randomness import ArrivalProfile, Distribution
from caredesk.sim.scenario_parts import (
    MAX_HOURS,
    AgentGroup,
    CallbackSettings,
    CustomerMix,
    PredictorSettings,
    ScriptedContact,
    Traffic,
)
from caredesk.sim.scenario_values import (
    ScenarioError,
    choice,
    integer,
    number,
    table,
    text,
)

__all__ = [
    "AgentGroup",
    "CallbackSettings",
    "CustomerMix",
    "PredictorSettings",
    "Scenario",
    "ScenarioError",
    "ScriptedContact",
    "Traffic",
    "load_scenario",
    "parse_scenario",
    "scenario_names",
]


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    title: str
    start: datetime
    hours: float
    routing: RoutingConfig
    traffic: tuple[Traffic, ...]
    agents: tuple[AgentGroup, ...]
    handle: Distribution
    patience: Distribution
    arrivals: ArrivalProfile | None = None
    warmup_hours: float = 0.0
    drain_hours: float = 2.0
    interval_minutes: int = 30
    seed: int = 1
    per_level: float = 0.0
    callbacks: CallbackSettings = field(default_factory=CallbackSettings)
    script: tuple[ScriptedContact, ...] = ()
    predictors: PredictorSettings = field(default_factory=PredictorSettings)
    service_level: ServiceLevelDefinition = field(default_factory=ServiceLevelDefinition)

    @property
    def agent_count(self) -> int:
        return sum(group.count for group in self.agents)


def _routing(root: Mapping[str, object]) -> RoutingConfig:
    source = choice(root.get("routing", "default"), "routing", ("default", "inline"))
    if source == "default":
        if "routing_config" in root:
            raise ScenarioError("routing_config", 'only with routing = "inline"')
        return default_routing_config()
    if "routing_config" not in root:
        raise ScenarioError("routing_config", 'missing (needed with routing = "inline")')
    try:
        return parse_routing_config(table(root["routing_config"], "routing_config", None))
    except RoutingConfigError as error:
        raise ScenarioError(f"routing_config.{error.key}", error.problem) from None


_TOP = frozenset(
    {
        "title",
        "start",
        "hours",
        "warmup_hours",
        "drain_hours",
        "interval_minutes",
        "seed",
        "routing",
        "routing_config",
        "arrivals",
        "handle",
        "patience",
        "traffic",
        "agents",
        "callbacks",
        "script",
        "predictors",
        "service_level",
    }
)


def parse_scenario(mapping: Mapping[str, object], name: str = "scenario") -> Scenario:
    root = table(mapping, "", _TOP)
    start = root.get("start")
    if not isinstance(start, datetime) or start.utcoffset() is None:
        raise ScenarioError("start", "must be a TOML date-time with an offset")
    routing = _routing(root)
    given = root.get("handle", {})
    if isinstance(given, Mapping) and "after_call_seconds" in given:
        # One source for the wrap-up: the routing configuration the stored path reads too.
        raise ScenarioError(
            "handle.after_call_seconds",
            "set wrap_up_seconds of the queues (or [queue_defaults]) in the routing "
            "configuration instead",
        )
    handle = table(given, "handle", frozenset({"shape", "mean_seconds", "cv", "per_level"}))
    distribution = {k: v for k, v in handle.items() if k in ("shape", "mean_seconds", "cv")}
    traffic = parts.parse_traffic(root.get("traffic", []), routing)
    script = parts.parse_script(root.get("script", []), routing)
    arrivals = parts.parse_arrivals(root["arrivals"]) if "arrivals" in root else None
    if arrivals is not None and not traffic:
        raise ScenarioError("traffic", "arrivals need at least one [[traffic]] entry")
    if arrivals is None and not script:
        raise ScenarioError("arrivals", "missing (give [arrivals] or [[script]] contacts)")
    predictors = table(
        root.get("predictors", {}),
        "predictors",
        frozenset({"window", "min_samples", "forgetting", "use"}),
    )
    first_queue = traffic[0].queue if traffic else script[0].queue
    service_level = routing.queues[first_queue].service_level
    if "service_level" in root:
        service_level = parts.parse_service_level(root["service_level"])
    scenario = Scenario(
        name=name,
        title=text(root.get("title", name), "title", 200),
        start=start,
        hours=number(root.get("hours"), "hours", 0.01, MAX_HOURS),
        routing=routing,
        traffic=traffic,
        agents=parts.parse_agents(root.get("agents", []), routing),
        handle=parts.parse_distribution(distribution, "handle", allow_none=False),
        patience=parts.parse_distribution(
            root.get("patience", {"shape": "none"}), "patience", allow_none=True
        ),
        arrivals=arrivals,
        warmup_hours=number(root.get("warmup_hours", 0), "warmup_hours", 0, MAX_HOURS),
        drain_hours=number(root.get("drain_hours", 2), "drain_hours", 0, MAX_HOURS),
        interval_minutes=integer(root.get("interval_minutes", 30), "interval_minutes", 1, 1440),
        seed=integer(root.get("seed", 1), "seed", 0, 2**63 - 1),
        per_level=number(handle.get("per_level", 0), "handle.per_level", 0, 0.3),
        callbacks=parts.parse_callbacks(root.get("callbacks", {})),
        script=script,
        predictors=PredictorSettings(
            window=integer(predictors.get("window", 1000), "predictors.window", 10, 1_000_000),
            min_samples=integer(
                predictors.get("min_samples", 50), "predictors.min_samples", 1, 100_000
            ),
            forgetting=number(
                predictors.get("forgetting", 0.9998), "predictors.forgetting", 0.5, 1
            ),
            use=parts.parse_predictors(predictors.get("use", [p.value for p in Predictor])),
        ),
        service_level=service_level,
    )
    if scenario.warmup_hours >= scenario.hours:
        raise ScenarioError("warmup_hours", "must be shorter than hours")
    return scenario


def scenario_names() -> tuple[str, ...]:
    """The scenarios shipped with caredesk."""
    folder = resources.files("caredesk.sim").joinpath("scenarios")
    return tuple(
        sorted(
            item.name.removesuffix(".toml")
            for item in folder.iterdir()
            if item.name.endswith(".toml")
        )
    )


def load_scenario(name_or_path: str) -> Scenario:
    """A shipped scenario by name, or a scenario file by path."""
    path = Path(name_or_path)
    if name_or_path.endswith(".toml") or path.is_file():
        where = str(path)
        try:
            source = path.read_text(encoding="utf-8")
        except OSError as error:
            raise ScenarioError(
                "", f"{where}: cannot be read ({error.strerror or error})"
            ) from None
        name = path.stem
    else:
        if name_or_path not in scenario_names():
            known = ", ".join(scenario_names())
            raise ScenarioError("", f"no scenario {name_or_path!r} (shipped: {known})")
        name = name_or_path
        where = f"caredesk/sim/scenarios/{name}.toml"
        folder = resources.files("caredesk.sim").joinpath("scenarios")
        source = folder.joinpath(f"{name}.toml").read_text("utf-8")
    try:
        data = tomllib.loads(source)
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError("", f"{where}: not valid TOML ({error})") from None
    return parse_scenario(data, name)
