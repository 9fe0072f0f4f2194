"""A twin run: deterministic for a seed, the same on either event list, and the real routing
engine's decisions carried out (steps, priorities, overflow, shifts)."""

from __future__ import annotations

import dataclasses

from caredesk.sim.model import SimAgent
from caredesk.sim.scenario import Scenario, load_scenario
from caredesk.sim.twin import Twin

from .scripted import scripted


def _short(name: str, hours: float) -> Scenario:
    scenario = load_scenario(name)
    return dataclasses.replace(scenario, hours=hours, warmup_hours=0, drain_hours=0.5)


def test_the_same_seed_gives_the_same_figures_and_another_seed_others() -> None:
    scenario = _short("multiskill_day", 0.75)
    first = Twin(scenario, seed=7).run()
    again = Twin(scenario, seed=7).run()
    other = Twin(scenario, seed=8).run()
    assert first == again
    assert first.report.offered > 500 and first.intervals
    assert other != first


def test_the_heap_and_simpy_run_the_same_day() -> None:
    scenario = _short("mm100_abandon", 0.5)
    heap = Twin(scenario, seed=3, engine="heap").run()
    simpy = Twin(scenario, seed=3, engine="simpy").run()
    assert dataclasses.replace(simpy, engine="heap") == heap
    assert heap.events == simpy.events > 1000


def test_a_multiskill_day_uses_the_routing_files_rules() -> None:
    figures = Twin(_short("multiskill_day", 2)).run()
    # Every contact ends somewhere: answered, gone, a callback, or moved by a rule.
    report = figures.report
    assert report.answered > 2000 and report.abandoned >= 0
    assert figures.decisions > figures.contacts
    queues = {name for name, _, _ in figures.queues}
    assert {"billing", "technical", "business", "international_emergency"} <= queues
    # Accuracy is kept for every predictor, and the chooser picked among them.
    chosen = sum(item.chosen for item in figures.predictors)
    assert chosen == figures.predictor("chosen").report.count > 100


def test_a_business_caller_is_served_ahead_only_within_its_priority_offset() -> None:
    # One agent busy until 300 s; a normal caller at 10 s, then priority callers at 100 s
    # (2 points x 60 s = 120 s of offset: ahead of the caller of 10 s) and at 200 s (its
    # 120 s offset is not enough to pass the caller of 10 s).
    scenario = scripted(
        [
            {"at_seconds": 0, "handle_seconds": 300},
            {"at_seconds": 10},
            {"at_seconds": 100, "priority": 2},
            {"at_seconds": 200, "priority": 2},
        ]
    )
    twin = Twin(scenario, journal=True)
    twin.run()
    assert twin.journal is not None
    answered = [who for _, what, who in twin.journal if what == "answered"]
    assert answered == ["s1", "s3", "s2", "s4"]


def test_agents_work_their_shifts() -> None:
    scenario = scripted(
        [{"at_seconds": 60}, {"at_seconds": 4000}],
        agents=1,
        hours=2,
        drain_hours=0.5,
    )
    shifted = dataclasses.replace(
        scenario,
        agents=(dataclasses.replace(scenario.agents[0], shift_from_hours=0, shift_to_hours=1),),
    )
    figures = Twin(shifted).run()
    # The caller of 4,000 s came after the only agent logged off: still in line at the end.
    assert figures.report.answered == 1 and figures.unserved == 1
    staffed = [round(item.staffed, 3) for item in figures.intervals]
    assert staffed[:2] == [1.0, 1.0] and staffed[2:4] == [0.0, 0.0]


class _AlwaysRouting(Twin):
    """Asks the routing engine at every timer and every agent turning Ready."""

    def _woken(self, wake: int) -> None:
        self._wakes.discard(wake)
        self.route(wake)

    def _route_for(self, agent: SimAgent, now: int) -> None:
        self.route(now)


def test_leaving_out_routing_calls_that_cannot_decide_anything_changes_nothing() -> None:
    scenario = _short("multiskill_day", 1.5)
    lean = Twin(scenario).run()
    full = _AlwaysRouting(scenario).run()
    assert full.decisions > lean.decisions
    assert dataclasses.replace(lean, decisions=0, events=0) == dataclasses.replace(
        full, decisions=0, events=0
    )
