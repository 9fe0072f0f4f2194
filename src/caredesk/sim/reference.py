"""What queueing theory says about a scenario, to hold the twin against.

For a scenario the formulas describe (constant Poisson arrivals into one queue, exponential
talk times, a fixed number of agents all day and no callbacks): Erlang C when nobody gives up
(M/M/n), Erlang A when patience is exponential (M/M/n+M). The figures follow the scenario's
service-level definition, as the twin's do.

Handle time is Erlang's AHT: talk plus the queue's After-Call Work (`wrap_up_seconds`), the time
an agent is kept from the next caller, as the stored path's mean handle time counts it. With no
wrap-up the formulas are exact. With one, a service time is an exponential talk plus a fixed
wrap-up, no longer exponential: occupancy (load over agents) is still exact, P(wait) and the
waits are the usual Erlang approximation (`exact` is False; a less variable service time makes
the true waits somewhat shorter).
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
    handle_seconds: float = 0.0
    """Erlang's AHT: mean talk plus the queue's wrap-up."""
    exact: bool = True
    """False when a wrap-up makes the service time other than exponential (see above)."""


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
        or scenario.callbacks.accept
    ):
        return None
    agents = scenario.agents[0].count
    wrap_up = scenario.routing.queues[scenario.traffic[0].queue].wrap_up_seconds
    handle = scenario.handle.mean_seconds + wrap_up
    exact = wrap_up == 0
    workload = Workload(arrivals.per_hour, 3600.0, handle)
    definition = scenario.service_level
    answer = definition.answer_seconds
    short = definition.short_abandon_seconds if definition.exclude_short_abandons else None
    if scenario.patience.shape is Shape.NONE:
        c = erlang_c(workload, agents)
        return Reference(
            model="Erlang C (M/M/n)" if exact else "Erlang C (AHT = talk + wrap-up)",
            agents=agents,
            load=c.load,
            p_wait=c.p_wait,
            mean_wait=c.asa,
            service_level=c.service_level(answer),
            abandonment=0.0,
            occupancy=c.occupancy,
            ql_rase=1 - c.load / agents if c.stable and exact else None,
            handle_seconds=handle,
            exact=exact,
        )
    a = erlang_a(workload, agents, scenario.patience.mean_seconds)
    abandonment = a.p_abandon
    if short is not None:
        gone_early = a.abandoned_within(short)
        abandonment = (a.p_abandon - gone_early) / (1 - gone_early)
    return Reference(
        model="Erlang A (M/M/n+M)" if exact else "Erlang A (AHT = talk + wrap-up)",
        agents=agents,
        load=a.load,
        p_wait=a.p_wait,
        mean_wait=a.asa,
        service_level=a.service_level(answer, short_abandon_seconds=short),
        abandonment=abandonment,
        occupancy=a.occupancy,
        ql_rase=None,
        handle_seconds=handle,
        exact=exact,
    )
