"""What queueing theory says about a scenario, to hold the twin against.

For a scenario the formulas describe exactly (constant Poisson arrivals into one queue,
exponential handle times, a fixed number of agents all day with no after-call work and no
callbacks): Erlang C when nobody gives up (M/M/n), Erlang A when patience is exponential
(M/M/n+M). The figures follow the scenario's service-level definition, as the twin's do.
"""

from __future__ import annotations

from dataclasses import dataclass

from caredesk.routing.staffing import Workload, erlang_a, erlang_c
from caredesk.sim.randomness import ProfileKind, Shape
from caredesk.sim.scenario import Scenario


@dataclass(frozen=True, slots=True)
class Reference:
    model: str
    """"Erlang C (M/M/n)" or "Erlang A (M/M/n+M)"."""
    agents: int
    load: float
    """Offered load in Erlangs."""
    p_wait: float
    mean_wait: float
    """Mean wait of answered callers (ASA), those answered at once included."""
    service_level: float
    abandonment: float
    occupancy: float
    ql_rase: float | None
    """QL's RASE over callers who waited: exactly 1 - rho in M/M/n."""


def reference(scenario: Scenario) -> Reference | None:
    """Erlang C or Erlang A for the scenario, or None when neither describes it exactly."""
    arrivals = scenario.arrivals
    if (
        arrivals is None
        or arrivals.kind is not ProfileKind.CONSTANT
        or scenario.script
        or len({item.queue for item in scenario.traffic}) != 1
        or any(item.handle_scale != 1 or item.priority for item in scenario.traffic)
        or len(scenario.agents) != 1
        or scenario.agents[0].shift_from_hours != 0
        or scenario.agents[0].shift_to_hours is not None
        or scenario.handle.shape is not Shape.EXPONENTIAL
        or scenario.patience.shape not in (Shape.NONE, Shape.EXPONENTIAL)
        or scenario.after_call_seconds
        or scenario.callbacks.accept
    ):
        return None
    agents = scenario.agents[0].count
    workload = Workload(arrivals.per_hour, 3600.0, scenario.handle.mean_seconds)
    definition = scenario.service_level
    answer = definition.answer_seconds
    short = definition.short_abandon_seconds if definition.exclude_short_abandons else None
    if scenario.patience.shape is Shape.NONE:
        c = erlang_c(workload, agents)
        return Reference(
            model="Erlang C (M/M/n)",
            agents=agents,
            load=c.load,
            p_wait=c.p_wait,
            mean_wait=c.asa,
            service_level=c.service_level(answer),
            abandonment=0.0,
            occupancy=c.occupancy,
            ql_rase=1 - c.load / agents if c.stable else None,
        )
    a = erlang_a(workload, agents, scenario.patience.mean_seconds)
    abandonment = a.p_abandon
    if short is not None:
        gone_early = a.abandoned_within(short)
        abandonment = (a.p_abandon - gone_early) / (1 - gone_early)
    return Reference(
        model="Erlang A (M/M/n+M)",
        agents=agents,
        load=a.load,
        p_wait=a.p_wait,
        mean_wait=a.asa,
        service_level=a.service_level(answer, short_abandon_seconds=short),
        abandonment=abandonment,
        occupancy=a.occupancy,
        ql_rase=None,
    )
