"""Plans callbacks for customers in every zone, then dispatches them to agents.

    python benchmarks/callback_bench.py --engine sqlite --callbacks 100000
    python benchmarks/callback_bench.py --engine postgresql --workers 4

A fresh database of the chosen engine gets the demo accounts (`caredesk demo load`), agents in
Not Ready - Follow-Up in every line of business, and the callbacks, each due when the policy first
allows the call in its customer's zone. Then the dispatcher runs (`run_once` in a loop, or one
process per worker) until every callback has been offered, and the script prints planned/second,
offers/second and the lateness of the offers (due -> offered).

Time is simulated: the clock runs at the speed of real time while there is work and jumps to the
next due time when there is none, so lateness is how long a burst of due callbacks (09:00 in a
zone) took to drain, in seconds, and a night of waiting costs nothing.

Planning, `--planner engine` (the default): a plan-step decision of the policy engine per
callback, due at its ``next_allowed_at``, rows written in bulk. `--planner service`: each
callback requested through the callbacks service (the create-step gate, the notice through the
outbox), the notices delivered and the callbacks scheduled by the service; far slower per
callback, so use it with fewer callbacks. The output names the planner used.
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from api_bench import percentile
from bench_db import drop_database, fresh_database
from sqlalchemy import func, insert, select

from caredesk.accounts.models import Account, ContactPoint, Person
from caredesk.agents import presence
from caredesk.agents import service as agents
from caredesk.agents.models import Agent
from caredesk.audit.service import Actor
from caredesk.callbacks.dispatch.claims import lease_is_free
from caredesk.callbacks.dispatch.worker import run_once
from caredesk.callbacks.models import Callback, CallbackEvent, CallbackStatus
from caredesk.callbacks.runtime import CallbackRuntime
from caredesk.channels.email.log_sender import LogSender
from caredesk.channels.voice.simulated import SimulatedVoiceGateway
from caredesk.clock import FixedClock, SystemClock
from caredesk.config import Settings
from caredesk.db import migrate
from caredesk.db.session import Database
from caredesk.demo.loader import load_demo
from caredesk.policy import (
    DEFAULT_CONFIG,
    AgentState,
    CallbackOrigin,
    CallbackReason,
    CallerRole,
    Customer,
    DialTarget,
    LineOfBusiness,
    Notification,
    PolicyContext,
    Step,
    evaluate,
    resolve_zones,
)
from caredesk.policy import Agent as PolicyAgent
from caredesk.policy import Callback as PolicyCallback
from caredesk.policy import (
    ContactPoint as PolicyContactPoint,
)

BENCH = Actor.system("bench")
# 02:00 UTC on a Tuesday: evening on the west coast and in Hawaii, night in the east and Europe.
PLAN_AT = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
DOMESTIC_LINES = (
    LineOfBusiness.CARE,
    LineOfBusiness.VIRTUAL_RETAIL,
    LineOfBusiness.EXPERT_ASSIST,
    LineOfBusiness.GLOBAL_CARE,
)
OFFER_SECONDS = 86_400  # offers outlast the run: each callback is offered once
INSERT_CHUNK = 5000


class WalkingClock:
    """Simulated time shared by every worker: real time since ``t0`` plus a shared offset that
    only grows (``jump_to``)."""

    def __init__(self, start: datetime, t0: float, offset: Any) -> None:
        self.start, self.t0, self.offset = start, t0, offset

    def now(self) -> datetime:
        return self.start + timedelta(seconds=time.monotonic() - self.t0 + self.offset.value)

    def jump_to(self, instant: datetime) -> None:
        with self.offset.get_lock():
            wanted = (instant - self.start).total_seconds() - (time.monotonic() - self.t0)
            self.offset.value = max(self.offset.value, wanted)


def settings_for(url: str, batch: int) -> Settings:
    return Settings(
        database_url=url,
        dispatcher_lease_seconds=OFFER_SECONDS,
        dispatcher_batch=batch,
        log_level="WARNING",
    )


# --- agents ------------------------------------------------------------------------------------


def agents_ready(db: Database, per_line: int) -> int:
    """Every demo agent, and ``per_line`` more in each line of business, in Not Ready -
    Follow-Up."""
    with db.uow() as uow:
        with uow.atomic():
            for lob in LineOfBusiness:
                for n in range(per_line):
                    agents.create_agent(
                        uow,
                        actor=BENCH,
                        login=f"bench-{lob.value.replace('_', '')}-{n}",
                        name=f"Bench {lob.value} {n}",
                        role="agent",
                        line_of_business=lob,
                        time_zone="America/Chicago",
                        platform_line="+12065550100",
                    )
        ids = list(uow.session.scalars(select(Agent.id).where(Agent.active.is_(True))))
    for agent_id in ids:
        with db.uow() as uow:
            presence.change_state(
                uow, actor=BENCH, agent_id=agent_id, state=AgentState.NOT_READY_FOLLOW_UP
            )
    return len(ids)


# --- planning ----------------------------------------------------------------------------------


def customers(db: Database) -> list[tuple[int, str | None, str]]:
    """(account id, address zone, first phone number) for every account with a phone."""
    with db.uow() as uow:
        rows = uow.session.execute(
            select(Account.id, Account.time_zone, func.min(ContactPoint.value))
            .join(Person, Person.account_id == Account.id)
            .join(ContactPoint, ContactPoint.person_id == Person.id)
            .where(ContactPoint.kind == "phone")
            .group_by(Account.id, Account.time_zone)
            .order_by(Account.id)
        )
        return [(row[0], row[1], row[2]) for row in rows]


def plan_with_engine(db: Database, count: int, now: datetime) -> tuple[int, int, Counter[str]]:
    """Due times from plan-step decisions; returns (planned, refused, zones)."""
    people = customers(db)
    template = DEFAULT_CONFIG.template_for(CallbackReason.DROPPED_CALL, CallbackOrigin.DROPPED_CALL)
    zones: Counter[str] = Counter()
    planned = refused = 0
    rows: list[dict[str, Any]] = []
    for n in range(count):
        account_id, zone, number = people[n % len(people)]
        international = not number.startswith("+1")
        lob = LineOfBusiness.GLOBAL_CARE if international else DOMESTIC_LINES[n % 4]
        context = PolicyContext(
            now=now,
            step=Step.PLAN,
            line_of_business=lob,
            caller_role=CallerRole.AGENT,
            agent=PolicyAgent(agent_id="pool", state=AgentState.NOT_READY_FOLLOW_UP),
            customer=Customer(
                account_id=str(account_id),
                zone=zone,
                contact_points=(PolicyContactPoint(number),),
            ),
            dial=DialTarget(number=number),
            callback=PolicyCallback(
                callback_id=f"bench-{n}",
                reason=CallbackReason.DROPPED_CALL,
                origin=CallbackOrigin.DROPPED_CALL,
                notifications=(Notification(template, now),),
            ),
        )
        decision = evaluate(context, DEFAULT_CONFIG)
        if decision.next_allowed_at is None:
            refused += 1
            continue
        zones.update(effective.zone for effective in decision.zones[:1])
        rows.append(
            {
                "account_id": account_id,
                "line_of_business": lob.value,
                "origin": CallbackOrigin.DROPPED_CALL.value,
                "reason": CallbackReason.DROPPED_CALL.value,
                "requested_by": str(BENCH),
                "caller_role": CallerRole.AGENT.value,
                "number": number,
                "customer_spoken_to": True,
                "agent_spoke_to_customer": True,
                "status": CallbackStatus.SCHEDULED.value,
                "due_at": decision.next_allowed_at,
                "in_assignment_pool": True,
                "pooled_at": now,
                "attempts_without_contact": 0,
                "contact_made": False,
                "notification_template": template,
                "notified_at": now,
                "created_at": now,
                "updated_at": now,
                "version": 0,
            }
        )
        if len(rows) == INSERT_CHUNK:
            planned += _insert(db, rows)
    planned += _insert(db, rows)
    return planned, refused, zones


def _insert(db: Database, rows: list[dict[str, Any]]) -> int:
    if not rows:
        return 0
    with db.uow() as uow:
        uow.session.execute(insert(Callback), rows)
        uow.commit()
    done = len(rows)
    rows.clear()
    return done


def _request_slice(url: str, count: int, first: int, step: int) -> None:
    """Requests callbacks first, first + step, ... below count through the service, all at
    PLAN_AT (as the engine planner plans them)."""
    from caredesk.bootstrap import build_callback_runtime
    from caredesk.callbacks.inputs import CallbackRequest
    from caredesk.callbacks.policy_file import load_policy
    from caredesk.callbacks.requests import request_callback
    from caredesk.config import get_settings
    from caredesk.errors import DomainError

    logging.disable(logging.WARNING)
    db = Database.connect(url, FixedClock(PLAN_AT))
    runtime = build_callback_runtime(get_settings(), db.clock, policy=load_policy())
    people = customers(db)
    for n in range(first, count, step):
        account_id, _zone, number = people[n % len(people)]
        lob = LineOfBusiness.GLOBAL_CARE if not number.startswith("+1") else DOMESTIC_LINES[n % 4]
        try:
            with db.uow() as uow:
                request = CallbackRequest(
                    account_id=account_id,
                    origin=CallbackOrigin.FOLLOW_UP.value,
                    reason=CallbackReason.DEVICE_TROUBLESHOOTING.value,
                    line_of_business=lob.value,
                    caller_role=CallerRole.AGENT.value,
                    number=number,
                )
                request_callback(uow, request, actor=BENCH, runtime=runtime)
        except DomainError:
            continue  # not planned: counted below
    db.engine.dispose()


def plan_with_service(url: str, count: int, workers: int) -> tuple[int, int, Counter[str]]:
    """Each callback requested through the callbacks service (the policy at the create step,
    the notice through the outbox), then the notices delivered and the callbacks scheduled
    (due at the plan decision's next allowed instant). Returns (planned, not planned, zones)."""
    from caredesk.callbacks.policy_file import load_policy
    from caredesk.callbacks.scheduling import advance_after_notifications
    from caredesk.channels.delivery import deliver_due

    started = time.perf_counter()
    if workers == 1:
        _request_slice(url, count, 0, 1)
    else:
        context = multiprocessing.get_context("fork")
        processes = [
            context.Process(target=_request_slice, args=(url, count, n, workers))
            for n in range(workers)
        ]
        for process in processes:
            process.start()
        for process in processes:
            process.join()
    requested = time.perf_counter()
    db = Database.connect(url, FixedClock(PLAN_AT))
    sender = LogSender(keep=1)
    while deliver_due(db, sender, batch=1000, lease_seconds=3600, worker_id="bench-plan").claimed:
        pass
    delivered = time.perf_counter()
    policy = load_policy()
    while True:
        with db.uow() as uow:
            if not advance_after_notifications(uow, policy=policy, now=db.clock.now()):
                break
    print(
        f"  service planning: requests {requested - started:.1f} s ({workers} processes), "
        f"notices {delivered - requested:.1f} s, scheduling {time.perf_counter() - delivered:.1f} s"
    )
    with db.uow() as uow:
        scheduled = Callback.status == CallbackStatus.SCHEDULED.value
        planned = uow.session.scalar(select(func.count()).where(scheduled)) or 0
        rows = uow.session.execute(
            select(Callback.number, Account.time_zone)
            .join(Account, Account.id == Callback.account_id)
            .where(scheduled)
        )
        zones = Counter(zone for row in rows for zone in resolve_zones(*row).zones[:1])
    db.engine.dispose()
    return planned, count - planned, zones


# --- dispatching -------------------------------------------------------------------------------


def remaining(db: Database, now: datetime) -> tuple[int, int, datetime | None]:
    """(scheduled, claimed but not yet offered, earliest due time of the unclaimed)."""
    with db.uow() as uow:
        scheduled = Callback.status == CallbackStatus.SCHEDULED.value
        left = uow.session.scalar(select(func.count()).where(scheduled)) or 0
        claimed = uow.session.scalar(
            select(func.count()).where(scheduled, Callback.lease_expires_at >= now)
        )
        upcoming = uow.session.scalar(
            select(func.min(Callback.due_at)).where(scheduled, lease_is_free(now))
        )
        return left, claimed or 0, upcoming


def drive(url: str, worker: str, start: datetime, t0: float, offset: Any, batch: int) -> None:
    """One dispatcher: rounds at the walking clock's time until nothing is left to offer."""
    logging.disable(logging.WARNING)
    clock = WalkingClock(start, t0, offset)
    db = Database.connect(url, clock)
    runtime = CallbackRuntime(
        policy=DEFAULT_CONFIG,
        sender=LogSender(),
        gateway=SimulatedVoiceGateway(clock, lines=["+12065550100"], seed=7),
        settings=settings_for(url, batch),
    )
    idle = 0
    try:
        while True:
            report = run_once(db, runtime, now=clock.now(), worker_id=worker, batch=batch)
            if report.failed_steps:
                raise SystemExit(f"{worker}: dispatcher steps failed: {report.failed_steps}")
            if report.claimed:
                idle = 0
                continue
            now = clock.now()
            left, claimed, upcoming = remaining(db, now)
            if left == 0:
                return
            # Jump only when nothing is in flight and nothing unclaimed is due: a claim another
            # worker has not committed yet still shows as due here.
            if claimed == 0 and upcoming is not None and upcoming > now:
                clock.jump_to(upcoming)
                continue
            idle += 1
            if idle > 3000:  # about 30 s of due callbacks nobody claims
                raise SystemExit(f"{worker}: {left} callbacks are due and nobody claims them")
            time.sleep(0.01)
    finally:
        db.engine.dispose()


def dispatch(url: str, workers: int, batch: int) -> float:
    context = multiprocessing.get_context("fork")
    offset = context.Value("d", 0.0)
    t0 = time.monotonic()
    started = time.perf_counter()
    if workers == 1:
        drive(url, "bench-0", PLAN_AT, t0, offset, batch)
    else:
        processes = [
            context.Process(target=drive, args=(url, f"bench-{n}", PLAN_AT, t0, offset, batch))
            for n in range(workers)
        ]
        for process in processes:
            process.start()
        for process in processes:
            process.join()
            if process.exitcode != 0:
                raise SystemExit(f"a dispatcher worker failed (exit {process.exitcode})")
    return time.perf_counter() - started


def lateness(db: Database) -> tuple[list[float], int, int]:
    """Seconds from due to offered for every offered callback; callbacks offered more than
    once; scheduled callbacks never offered."""
    with db.uow() as uow:
        rows = uow.session.execute(
            select(Callback.due_at, Callback.offered_at).where(
                Callback.status == CallbackStatus.OFFERED.value
            )
        ).all()
        repeated = uow.session.scalar(
            select(func.count()).select_from(
                select(CallbackEvent.callback_id)
                .where(CallbackEvent.kind == "offered")
                .group_by(CallbackEvent.callback_id)
                .having(func.count() > 1)
                .subquery()
            )
        )
        missing = uow.session.scalar(
            select(func.count()).where(Callback.status == CallbackStatus.SCHEDULED.value)
        )
    # An offered callback always has its offer time; a row without one would be a bug here.
    seconds = [
        (offered - due).total_seconds()
        for due, offered in rows
        if offered is not None and due is not None
    ]
    return seconds, repeated or 0, missing or 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--callbacks", type=int, default=100_000)
    parser.add_argument("--accounts", type=int, default=2000, help="demo accounts")
    parser.add_argument("--agents", type=int, default=20, help="extra agents per line")
    parser.add_argument("--workers", type=int, default=0, help="dispatchers (0: per engine)")
    parser.add_argument("--batch", type=int, default=200, help="callbacks per claim")
    parser.add_argument(
        "--planner",
        choices=["engine", "service"],
        default="engine",
        help="plan with the policy engine alone, or through the callbacks service",
    )
    args = parser.parse_args()
    workers = args.workers or (1 if args.engine == "sqlite" else 4)

    with tempfile.TemporaryDirectory() as tmp:
        url, pg_name = fresh_database(args.engine, Path(tmp), prefix="caredesk_callbackbench")
        try:
            # The same schema and demo data as `caredesk db upgrade` and `caredesk demo load`.
            migrate.upgrade(url)
            logging.disable(logging.WARNING)
            setup = Database.connect(url, SystemClock())
            load_demo(setup, accounts=args.accounts, seed=7, as_of=PLAN_AT.date())
            setup.engine.dispose()
            offset = multiprocessing.Value("d", 0.0)
            db = Database.connect(url, WalkingClock(PLAN_AT, time.monotonic(), offset))
            ready = agents_ready(db, args.agents)
            started = time.perf_counter()
            if args.planner == "service":
                planner = "callbacks service (request, notice through the outbox, schedule)"
                planned, refused, zones = plan_with_service(url, args.callbacks, workers)
            else:
                planner = "policy engine (plan-step decision per callback, bulk insert)"
                planned, refused, zones = plan_with_engine(db, args.callbacks, PLAN_AT)
            plan_seconds = time.perf_counter() - started
            db.engine.dispose()

            dispatch_seconds = dispatch(url, workers, args.batch)
            db = Database.connect(url, WalkingClock(PLAN_AT, time.monotonic(), offset))
            seconds, repeated, missing = lateness(db)
            db.engine.dispose()
        finally:
            if pg_name:
                drop_database(pg_name)

    print(
        f"engine={args.engine} callbacks={args.callbacks} planned={planned} refused={refused} "
        f"zones={len(zones)} agents={ready} dispatchers={workers} batch={args.batch}"
    )
    print(f"  planning: {planner}")
    print(f"  planned/second   {planned / plan_seconds:10.0f}   ({plan_seconds:.1f} s)")
    print(
        f"  claims/second    {len(seconds) / dispatch_seconds:10.0f}   ({dispatch_seconds:.1f} s; "
        "each callback claimed and offered once, so also offers/second)"
    )
    if seconds:
        print(
            f"  lateness (due -> offered, simulated s)  p50={percentile(seconds, 0.5):.1f} "
            f"p99={percentile(seconds, 0.99):.1f} max={max(seconds):.1f}"
        )
    print(f"  offered twice: {repeated}   not offered: {missing}")
    if repeated or missing:
        sys.exit(1)


if __name__ == "__main__":
    main()
