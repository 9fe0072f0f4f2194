"""A smaller day through the stored, database-backed path of inbound routing, and its rate next to
the twin's.

Callers walk the IVR menus into the billing and technical queues (the IVR use cases the phone
API calls), each dispatcher round offers the waiting ones to Ready agents (`InboundRouting`: the
real routing decision, one transaction per offer), agents accept at once, talk, wrap up and are
Ready again, and callers who run out of patience hang up. Every step is a database transaction
on a fixed clock that the bench moves forward one round at a time. The twin (`caredesk sim
run`) runs the same routing code in memory; the last lines set the two rates side by side.

    .venv/bin/python benchmarks/stored_day_bench.py                        # PostgreSQL
    .venv/bin/python benchmarks/stored_day_bench.py --engine sqlite --agents 20 --hours 0.5
"""

from __future__ import annotations

import argparse
import dataclasses
import heapq
import logging
import random
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench_db import drop_database, fresh_database
from sqlalchemy import select

from caredesk.agents import presence
from caredesk.agents import service as agents
from caredesk.audit.actor import Actor
from caredesk.bootstrap import build_callback_runtime
from caredesk.clock import FixedClock
from caredesk.config import Settings
from caredesk.db import migrate
from caredesk.db.session import Database
from caredesk.errors import DomainError
from caredesk.inbound import hangup, reservations, walks
from caredesk.inbound.models import OPEN, InboundOffer, IvrWalk, WalkOutcome, WalkPhase
from caredesk.inbound.routing_round import InboundRouting
from caredesk.inbound.words import DECLINE_DIGIT
from caredesk.interactions.models import Disposition, Interaction
from caredesk.interactions.service import end_interaction
from caredesk.policy import AgentState
from caredesk.routing.config_file import load_routing
from caredesk.sim.scenario import load_scenario
from caredesk.sim.twin import Twin

# A Tuesday, 11:00 in New York: every queue of the shipped routing file is open.
START = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
QUEUES = {"billing": "1", "technical": "2"}
PHONE = Actor.system("stored-day-phone")
DESK = Actor.system("stored-day-desk")


@dataclass(order=True)
class Due:
    """Something that happens at `at`: a caller arrives or gives up, a talk or a wrap-up ends."""

    at: datetime
    seq: int
    kind: str = dataclasses.field(compare=False)
    ref: int = dataclasses.field(compare=False)


@dataclass
class Caller:
    digit: str
    patience: float
    handle: float
    call_id: int | None = None
    answered: bool = False


@dataclass
class Tally:
    contacts: int = 0
    answered: int = 0
    abandoned: int = 0
    offers: int = 0
    rounds: int = 0
    transactions: int = 0
    waits: list[float] = dataclasses.field(default_factory=list)
    steps: Counter[str] = dataclasses.field(default_factory=Counter)


class StoredDay:
    def __init__(self, db: Database, clock: FixedClock, options: argparse.Namespace) -> None:
        self.db, self.clock, self.options = db, clock, options
        self.routing = load_routing()
        self.runtime = build_callback_runtime(Settings(), clock, routing=self.routing)
        self.round = InboundRouting(self.routing)
        self.random = random.Random(options.seed)
        self.due: list[Due] = []
        self.seq = 0
        self.callers: dict[int, Caller] = {}
        self.by_call: dict[int, int] = {}
        self.talking: dict[int, int] = {}  # agent id -> call id
        self.tally = Tally()

    def later(self, at: datetime, kind: str, ref: int) -> None:
        self.seq += 1
        heapq.heappush(self.due, Due(at, self.seq, kind, ref))

    def staff(self) -> None:
        """Agents with both skills at levels from 2 to 9, Ready from the start."""
        for number in range(self.options.agents):
            with self.db.uow() as uow:
                agent = agents.create_agent(
                    uow,
                    actor=DESK,
                    login=f"stored{number:04d}",
                    name=f"Agent {number}",
                    role="agent",
                    line_of_business="care",
                    time_zone="America/New_York",
                    platform_line=f"+1212555{number:04d}",
                    skill_levels={q: self.random.randint(2, 9) for q in QUEUES},
                )
                presence.change_state(uow, actor=DESK, agent_id=agent.id, state=AgentState.READY)

    def arrivals(self) -> None:
        """Poisson arrivals at the load `--rho` of the agents, exponential handle times and
        patience."""
        options = self.options
        rate = options.rho * options.agents / options.aht
        at, end = 0.0, options.hours * 3600
        while True:
            at += self.random.expovariate(rate)
            if at >= end:
                return
            number = len(self.callers)
            self.callers[number] = Caller(
                digit=self.random.choice(list(QUEUES.values())),
                patience=self.random.expovariate(1 / options.patience),
                handle=self.random.expovariate(1 / options.aht),
            )
            self.later(START + timedelta(seconds=at), "arrive", number)

    def _step(self, kind: str) -> None:
        self.tally.steps[kind] += 1
        self.tally.transactions += 1

    def arrive(self, number: int) -> None:
        caller = self.callers[number]
        self.tally.contacts += 1
        with self.db.uow() as uow:
            walk = walks.start_call(
                uow, actor=PHONE, routing=self.routing, number="+13135550100", language="en"
            )
        self._step("call")
        caller.call_id = walk.interaction_id
        self.by_call[walk.interaction_id] = number
        digits = [caller.digit]
        while digits:
            with self.db.uow() as uow:
                walk = walks.take_input(
                    uow,
                    actor=PHONE,
                    routing=self.routing,
                    runtime=self.runtime,
                    call_id=walk.interaction_id,
                    move=walks.CallerMove(digit=digits.pop()),
                )
            self._step("input")
            if walk.phase == WalkPhase.OFFER.value:
                digits.append(DECLINE_DIGIT)  # "No, I will hold."
        if walk.outcome == WalkOutcome.QUEUED.value:
            self.later(self.clock.now() + timedelta(seconds=caller.patience), "give_up", number)

    def give_up(self, number: int) -> None:
        caller = self.callers[number]
        if caller.answered or caller.call_id is None:
            return
        try:
            with self.db.uow() as uow:
                hangup.hang_up(uow, actor=PHONE, routing=self.routing, call_id=caller.call_id)
        except DomainError:
            return  # the call ended at the same instant
        self._step("hang_up")
        self.tally.abandoned += 1

    def accept_offers(self) -> None:
        with self.db.uow() as uow:
            offers = uow.session.execute(
                select(InboundOffer.id, InboundOffer.agent_id, InboundOffer.call_id).where(
                    InboundOffer.status == OPEN
                )
            ).all()
        for offer_id, agent_id, call_id in offers:
            with self.db.uow() as uow:
                reservations.accept_offer(uow, actor=DESK, agent_id=agent_id, offer_id=offer_id)
                waited = uow.session.scalar(
                    select(IvrWalk.waited_seconds).where(IvrWalk.interaction_id == call_id)
                )
            self._step("accept")
            caller = self.callers[self.by_call[call_id]]
            caller.answered = True
            self.tally.answered += 1
            self.tally.waits.append(float(waited or 0.0))
            self.talking[agent_id] = call_id
            self.later(self.clock.now() + timedelta(seconds=caller.handle), "talked", agent_id)

    def talked(self, agent_id: int) -> None:
        call_id = self.talking.pop(agent_id)
        with self.db.uow() as uow:
            interaction = uow.session.get(Interaction, call_id)
            assert interaction is not None
            end_interaction(
                uow, actor=DESK, interaction=interaction, disposition=Disposition.RESOLVED
            )
            presence.change_state(
                uow, actor=DESK, agent_id=agent_id, state=AgentState.AFTER_CALL_WORK
            )
        self._step("wrap_up")
        self.later(self.clock.now() + timedelta(seconds=self.options.acw), "ready", agent_id)

    def ready(self, agent_id: int) -> None:
        with self.db.uow() as uow:
            presence.change_state(uow, actor=DESK, agent_id=agent_id, state=AgentState.READY)
        self._step("ready")

    def run(self) -> float:
        """Rounds every `--tick` seconds until the day and its queues are done; wall seconds."""
        handlers = {
            "arrive": self.arrive,
            "give_up": self.give_up,
            "talked": self.talked,
            "ready": self.ready,
        }
        tick = timedelta(seconds=self.options.tick)
        now = START
        started = time.perf_counter()
        while self.due or self.talking:
            now += tick
            self.clock.set(now)
            while self.due and self.due[0].at <= now:
                item = heapq.heappop(self.due)
                handlers[item.kind](item.ref)
            report = self.round(self.db, now=now, batch=50)
            self.tally.rounds += 1
            self.tally.transactions += 1 + report["contacts_offered"]
            self.tally.offers += report["contacts_offered"]
            if report["contacts_offered"]:
                self.accept_offers()
        return time.perf_counter() - started


def twin_rate(hours: float, seed: int) -> tuple[int, int, float]:
    """The twin on M/M/100 for `hours`: contacts, routing decisions and wall seconds."""
    scenario = dataclasses.replace(load_scenario("mm100"), hours=hours)
    started = time.perf_counter()
    figures = Twin(scenario, seed=seed).run()
    return figures.contacts, figures.decisions, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--agents", type=int, default=40)
    parser.add_argument("--hours", type=float, default=1.0, help="hours of arrivals")
    parser.add_argument("--rho", type=float, default=0.9, help="offered load per agent")
    parser.add_argument("--aht", type=float, default=240.0, help="mean talk seconds")
    parser.add_argument("--acw", type=float, default=20.0, help="wrap-up seconds")
    parser.add_argument("--patience", type=float, default=300.0, help="mean patience seconds")
    parser.add_argument("--tick", type=float, default=2.0, help="seconds between rounds")
    parser.add_argument("--seed", type=int, default=1)
    options = parser.parse_args()
    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        url, pg_name = fresh_database(options.engine, Path(tmp), prefix="caredesk_storedday")
        try:
            migrate.upgrade(url)
            clock = FixedClock(START)
            db = Database.connect(url, clock)
            day = StoredDay(db, clock, options)
            day.staff()
            day.arrivals()
            wall = day.run()
            db.engine.dispose()
        finally:
            if pg_name:
                drop_database(pg_name)
    tally = day.tally
    waits = sorted(tally.waits)
    print(
        f"stored path on {options.engine}: {options.agents} agents, {options.hours:g} h of "
        f"arrivals at rho {options.rho:g} (AHT {options.aht:g} s, patience {options.patience:g} s)"
    )
    print(
        f"  {tally.contacts:,} contacts: {tally.answered:,} answered, {tally.abandoned:,} "
        f"abandoned; mean wait {statistics.fmean(waits or [0.0]):.1f} s, longest "
        f"{(waits or [0.0])[-1]:.0f} s"
    )
    steps = ", ".join(f"{kind} {count:,}" for kind, count in sorted(tally.steps.items()))
    print(f"  {tally.rounds:,} routing rounds, {tally.offers:,} offers; steps: {steps}")
    print(
        f"  {wall:.1f} s wall-clock: {tally.contacts / wall:,.1f} contacts a second, "
        f"{tally.offers / wall:,.1f} offers and {tally.rounds / wall:,.1f} routing rounds "
        f"a second, "
        f"{tally.transactions / wall:,.0f} transactions a second"
    )
    contacts, decisions, twin_wall = twin_rate(options.hours, options.seed)
    print(
        f"twin (in memory, M/M/100 for {options.hours:g} h): {contacts:,} contacts in "
        f"{twin_wall:.1f} s: {contacts / twin_wall:,.0f} contacts and {decisions / twin_wall:,.0f} "
        f"routing decisions a second"
    )
    stored_rate = tally.contacts / wall
    print(
        f"gap: the twin serves {contacts / twin_wall / max(stored_rate, 1e-9):,.0f}x the contacts "
        f"a second of the stored path, and decides {decisions / twin_wall:,.0f} times a second "
        f"against the stored path's {tally.rounds / wall:,.1f} rounds"
    )


if __name__ == "__main__":
    main()
