"""Routing decision throughput and latency at contact-centre scale.

    PYTHONPATH=src python benchmarks/routing_bench.py                 # 7,500 agents, 5,000 queues
    PYTHONPATH=src python benchmarks/routing_bench.py --decisions 20000 --seed 2
    PYTHONPATH=src python benchmarks/routing_bench.py --accuracy --seed 2   # predictors' table
    PYTHONPATH=src python benchmarks/routing_bench.py --accuracy --warm-up-days 0   # from nothing

Builds 5,000 queues over 100 skills (three relaxing steps; some queues most-skilled, some with a
waited_over overflow rule) and 7,500 agents with 2-4 skills at levels 1-5, each serving four
primary and two secondary queues of their skills. A simple event loop then runs a busy day:
Poisson arrivals (load for about 95% occupancy) spread unevenly over the queues, exponential
handle times and patience. Every arrival and every agent turning Ready is one routing decision:
the change fed to the RoutingState plus route(now). Only those are timed; the event loop's own
bookkeeping is not. Prints decisions per second and latency percentiles, in wall-clock and in
this thread's CPU time (the machine may be shared: CPU time is what routing itself costs).

With --accuracy it prints instead the accuracy table of every wait predictor on the simulated
days (`sim_bench.py --part accuracy`: M/M/100+M with theta = mu and 0.2 mu, a sinusoidal day,
lognormal service and patience, a multi-skill day), each day run by the twin with that seed,
after --warm-up-days days of the same scenario whose history the queues carry over (as the stored
path's log does); 0 measures each day from nothing.
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import random
import time as clock
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

from caredesk.policy.vocabulary import AgentState
from caredesk.routing.config_queues import (
    AfterHours,
    AfterHoursAction,
    OverflowActionKind,
    OverflowCondition,
    OverflowRule,
    QueueConfig,
    SkillStep,
    Strategy,
)
from caredesk.routing.hours import ALWAYS_OPEN
from caredesk.routing.model import RoutingAgent, WaitingContact
from caredesk.routing.service_level import ServiceLevelDefinition
from caredesk.routing.state import RoutingState

START = datetime(2026, 3, 10, 13, 0, tzinfo=UTC)
WORDS = MappingProxyType({"en": "Closed."})
HANDLE_SECONDS = 300.0
PATIENCE_SECONDS = 240.0


def build_queues(queues: int, skills: int, rng: random.Random) -> dict[str, QueueConfig]:
    steps = (SkillStep(0, 3), SkillStep(20, 2), SkillStep(40, 1))
    offer = OverflowRule(
        "long_wait", OverflowCondition.WAITED_OVER, 180, OverflowActionKind.CALLBACK, None, WORDS
    )
    built = {}
    for index in range(queues):
        name = f"q{index:04d}"
        skill = f"s{rng.randrange(skills):03d}"
        built[name] = QueueConfig(
            name=name,
            title=name,
            skill=skill,
            skills=frozenset({skill}),
            steps=steps,
            priority_offset_seconds=60,
            secondary_delay_seconds=30,
            strategy=Strategy.MOST_SKILLED if index % 10 == 0 else Strategy.LONGEST_IDLE,
            hours_name="always",
            hours=ALWAYS_OPEN,
            after_hours=AfterHours(AfterHoursAction.MESSAGE, WORDS),
            callback_offer_seconds=240,
            announce_every_seconds=60,
            service_level=ServiceLevelDefinition(),
            overflow=(offer,) if index % 5 == 0 else (),
        )
    return built


def build_agents(
    count: int, skills: int, queues: dict[str, QueueConfig], rng: random.Random
) -> list[RoutingAgent]:
    by_skill: dict[str, list[str]] = {}
    for name, settings in queues.items():
        by_skill.setdefault(settings.skill, []).append(name)
    agents = []
    for index in range(count):
        names = rng.sample([f"s{i:03d}" for i in range(skills)], rng.randint(2, 4))
        levels = {name: rng.randint(1, 5) for name in names}
        candidates = sorted({q for name in names for q in by_skill.get(name, [])})
        chosen = rng.sample(candidates, min(6, len(candidates)))
        agents.append(
            RoutingAgent(
                id=f"a{index:05d}",
                state=AgentState.READY,
                skills=MappingProxyType(levels),
                primary=frozenset(chosen[:4]),
                secondary=frozenset(chosen[4:]),
                idle_since=START,
            )
        )
    return agents


def percentile(values: list[int], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=7500)
    parser.add_argument("--queues", type=int, default=5000)
    parser.add_argument("--skills", type=int, default=100)
    parser.add_argument("--decisions", type=int, default=50_000)
    parser.add_argument("--warmup", type=int, default=20_000)
    parser.add_argument("--occupancy", type=float, default=0.95)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--accuracy", action="store_true", help="the predictors' accuracy table")
    parser.add_argument(
        "--warm-up-days",
        type=int,
        default=None,
        help="--accuracy: days run before each measured day, history carried over "
        "(0: none; default: sim_bench's WARM_UP_DAYS)",
    )
    args = parser.parse_args()
    if args.accuracy:
        import sim_bench  # beside this file; it runs the twin, which routing alone does not need

        sim_bench.accuracy(args.seed, None, args.warm_up_days)
        return
    rng = random.Random(args.seed)

    built = clock.perf_counter()
    queues = build_queues(args.queues, args.skills, rng)
    agents = build_agents(args.agents, args.skills, queues, rng)
    state = RoutingState(queues)
    for agent in agents:
        state.add_agent(agent)
    print(
        f"built {args.queues:,} queues, {args.skills} skills, {args.agents:,} agents "
        f"in {clock.perf_counter() - built:.1f} s"
    )
    names = sorted(queues)
    # Uneven traffic: a few queues are busy, most are quiet.
    weights = list(itertools.accumulate(1.0 / (rank + 1) ** 0.6 for rank in range(len(names))))
    rate = args.occupancy * args.agents / HANDLE_SECONDS
    events: list[tuple[float, int, str, str]] = []
    sequence = 0
    now = 0.0
    next_arrival = rng.expovariate(rate)
    talking = 0
    wall: list[int] = []
    cpu: list[int] = []
    made = overflowed = abandoned = 0
    total = args.warmup + args.decisions
    decisions = 0

    def schedule(at: float, kind: str, who: str) -> None:
        nonlocal sequence
        sequence += 1
        heapq.heappush(events, (at, sequence, kind, who))

    # Start near the steady state: most agents already on a call (handle times are memoryless).
    for agent in agents:
        if rng.random() < args.occupancy:
            state.set_state(agent.id, AgentState.TALKING)
            talking += 1
            schedule(rng.expovariate(1 / HANDLE_SECONDS), "free", agent.id)
    contact_number = 0
    while decisions < total:
        if events and events[0][0] < next_arrival:
            now, _, kind, who = heapq.heappop(events)
        else:
            now, kind, who = next_arrival, "arrive", ""
            next_arrival = now + rng.expovariate(rate)
        instant = START + timedelta(seconds=now)
        if kind == "abandon":
            if not _waiting(state, who):
                continue
            state.remove_contact(who)
            abandoned += 1
            continue
        if kind == "arrive":
            contact_number += 1
            who = f"c{contact_number}"
            queue = rng.choices(names, cum_weights=weights)[0]
            arriving = WaitingContact(who, queue, instant, priority=2 if rng.random() < 0.1 else 0)
        wall_start, cpu_start = clock.perf_counter_ns(), clock.thread_time_ns()
        if kind == "arrive":
            state.add_contact(arriving)
        elif kind == "free":
            talking -= 1
            state.set_state(who, AgentState.READY, idle_since=instant)
        result = state.route(instant)
        wall_end, cpu_end = clock.perf_counter_ns(), clock.thread_time_ns()
        decisions += 1
        if decisions > args.warmup:
            wall.append(wall_end - wall_start)
            cpu.append(cpu_end - cpu_start)
            made += len(result.assignments)
            overflowed += len(result.overflows)
        if kind == "arrive":
            schedule(now + rng.expovariate(1 / PATIENCE_SECONDS), "abandon", who)
        for assignment in result.assignments:
            state.set_state(assignment.agent_id, AgentState.TALKING)
            talking += 1
            schedule(now + rng.expovariate(1 / HANDLE_SECONDS), "free", assignment.agent_id)

    waiting = sum(state.waiting(name) for name in names)
    print(
        f"measured {len(wall):,} decisions after {args.warmup:,} warm-up ones; "
        f"{made:,} offers made, {overflowed:,} overflow rules fired, {abandoned:,} abandons; "
        f"at the end {waiting:,} contacts waiting and {talking:,} agents talking"
    )
    for label, values in (("wall-clock", wall), ("thread CPU", cpu)):
        seconds = sum(values) / 1e9
        print(
            f"{label:>10}: {len(values) / seconds:,.0f} decisions/s; latency "
            f"p50 {percentile(values, 0.5):.3f} ms, p99 {percentile(values, 0.99):.3f} ms, "
            f"p99.9 {percentile(values, 0.999):.3f} ms, max {max(values) / 1e6:.3f} ms"
        )


def _waiting(state: RoutingState, contact_id: str) -> bool:
    try:
        state.contact(contact_id)
    except KeyError:
        return False
    return True


if __name__ == "__main__":
    main()
