"""Dispatchers racing on one database: threads on both engines, and real `caredesk dispatcher`
processes, including one killed with SIGKILL while it holds a lease.

The processes run on the system clock, so their callbacks are due in the real past; the only real
waiting is for a lease to run out, and no test asserts how long anything took."""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from select import select as wait_readable
from typing import Any

import pytest
from sqlalchemy import select

from caredesk.callbacks.attempts import end_call, poll_call
from caredesk.callbacks.calls import start_call
from caredesk.callbacks.dispatch.claims import claim_due_callbacks
from caredesk.callbacks.dispatch.report import DispatchReport
from caredesk.callbacks.dispatch.worker import run_once
from caredesk.callbacks.inputs import CallbackRequest, WrapUp
from caredesk.callbacks.models import CallbackAttempt, CallbackStatus
from caredesk.callbacks.requests import request_callback
from caredesk.callbacks.wrapup import wrap_up
from caredesk.channels.voice.simulated import OutcomeWeights, SimulatedVoiceGateway
from caredesk.clock import FixedClock, SystemClock
from caredesk.db.session import Database
from tests.integration.callbacks.dispatch_support import (
    STAFF,
    callback,
    event_kinds,
    make_account,
    make_agent,
    make_callbacks,
    make_customer,
    make_runtime,
    midday_zone,
    offers_per_callback,
    statuses,
)

ROOT = Path(__file__).resolve().parents[3]
CAREDESK = str(Path(sys.executable).parent / "caredesk")
LEASE_SECONDS = 6  # the shortest the settings allow is 5


def test_threads_race_and_each_callback_is_offered_once(db: Database, clock: FixedClock) -> None:
    for _ in range(5):
        make_agent(db)
    ids = make_callbacks(
        db, account_id=make_account(db), due_at=clock.now() - timedelta(minutes=1), count=200
    )
    runtime = make_runtime(db)
    barrier = threading.Barrier(4)
    reports: dict[str, list[DispatchReport]] = {f"w{n}": [] for n in range(4)}
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            barrier.wait()
            while True:
                report = run_once(db, runtime, now=clock.now(), worker_id=name, batch=7)
                reports[name].append(report)
                if report.claimed == 0:
                    return
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(name,)) for name in reports]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    offered = [i for runs in reports.values() for report in runs for i in report.offered_ids]
    assert sorted(offered) == ids
    assert sum(r.lease_lost for runs in reports.values() for r in runs) == 0
    assert offers_per_callback(db) == dict.fromkeys(ids, 1)
    assert statuses(db) == {"offered": 200}


def _env(database_url: str, **settings: object) -> dict[str, str]:
    env = {
        **os.environ,
        "CAREDESK_DATABASE_URL": database_url,
        "CAREDESK_LOG_LEVEL": "WARNING",
        "CAREDESK_LOG_JSON": "true",
        "CAREDESK_DISPATCHER_LEASE_SECONDS": str(LEASE_SECONDS),
    }
    env.update({f"CAREDESK_{key.upper()}": str(value) for key, value in settings.items()})
    return env


def _dispatcher(database_url: str, *args: str, **popen: Any) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [CAREDESK, "dispatcher", "run", *args],
        env=_env(database_url),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def _finish(process: subprocess.Popen[str]) -> dict[str, Any]:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert isinstance(summary, dict)
    return summary


def _read_line(process: subprocess.Popen[str], stream: Any, *, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = wait_readable([stream], [], [], 0.5)
        if ready:
            line: str = stream.readline()
            if line:
                return line
        if process.poll() is not None:
            break
    process.kill()
    raise AssertionError(f"no line from the dispatcher: {process.communicate()[1]}")


def test_dispatcher_processes_claim_every_callback_exactly_once(
    db: Database, database_url: str
) -> None:
    for _ in range(12):
        make_agent(db)
    due = SystemClock().now() - timedelta(minutes=1)
    ids = make_callbacks(db, account_id=make_account(db), due_at=due, count=300)

    workers = [
        _dispatcher(database_url, "--until-idle", "--batch", "20", "--worker-id", f"proc-{n}")
        for n in range(4)
    ]
    summaries = [_finish(process) for process in workers]
    print({summary["worker"]: len(summary["offered_ids"]) for summary in summaries})

    offered = [i for summary in summaries for i in summary["offered_ids"]]
    assert sorted(offered) == ids  # disjoint between the processes, and complete
    assert sum(summary["lease_lost"] for summary in summaries) == 0
    assert offers_per_callback(db) == dict.fromkeys(ids, 1)
    assert statuses(db) == {"offered": 300}
    owners = {callback(db, i).lease_owner for i in ids}
    assert owners <= {f"proc-{n}" for n in range(4)}


def test_a_dispatcher_killed_mid_lease_loses_nothing_and_the_callback_completes_once(
    db: Database, database_url: str, clock: FixedClock
) -> None:
    # Requested a notice lead time ago, so the notice and the dial are both due now.
    clock.set(SystemClock().now() - timedelta(minutes=11))
    agent_id = make_agent(db)
    account_id = make_customer(db, zone=midday_zone(clock.now()))
    runtime = make_runtime(db)
    with db.uow() as uow:
        request = CallbackRequest(
            account_id=account_id,
            origin="follow_up",
            reason="device_troubleshooting",
            line_of_business="care",
            caller_role="agent",
            requested_by_agent_id=agent_id,
        )
        callback_id = request_callback(uow, request, actor=STAFF, runtime=runtime).id
    assert callback(db, callback_id).status == CallbackStatus.AWAITING_NOTIFICATION

    # The first dispatcher sends the notice, schedules the callback, claims it, and dies.
    doomed = _dispatcher(
        database_url, "--once", "--worker-id", "doomed", "--pause-after-claim", "600"
    )
    announced = json.loads(_read_line(doomed, doomed.stdout))
    assert announced["claimed"] == [callback_id]
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(timeout=30)

    held = callback(db, callback_id)
    assert held.status == CallbackStatus.SCHEDULED and held.lease_owner == "doomed"
    assert held.lease_expires_at is not None and held.offered_to_agent_id is None
    # Before the lease runs out nobody else may take it.
    assert claim_due_callbacks(db, now=SystemClock().now(), worker_id="early") == []
    assert callback(db, callback_id).lease_owner == "doomed"

    # Wait for the lease to run out, then a second dispatcher offers it, once.
    while SystemClock().now() <= held.lease_expires_at:
        time.sleep(0.2)
    rescuer = _finish(_dispatcher(database_url, "--until-idle", "--worker-id", "rescuer"))
    assert rescuer["offered_ids"] == [callback_id]
    offered = callback(db, callback_id)
    assert offered.status == CallbackStatus.OFFERED and offered.offered_to_agent_id == agent_id
    assert offered.lease_owner == "rescuer" and offered.offered_at is not None

    # The agent takes the offer while it stands, the customer answers, the call is wrapped up.
    clock.set(offered.offered_at + timedelta(seconds=1))
    gateway = SimulatedVoiceGateway(
        clock,
        lines=["+12065550100"],
        seed=11,
        outcomes=OutcomeWeights(answered=1, no_answer=0, busy=0, machine=0, failed=0),
    )
    call_runtime = dataclasses.replace(runtime, gateway=gateway)
    call = {"actor": STAFF, "runtime": call_runtime, "callback_id": callback_id}
    with db.uow() as uow:
        attempt_id = start_call(uow, agent_id=agent_id, **call).id
    clock.advance(timedelta(seconds=30))
    with db.uow() as uow:
        poll_call(uow, attempt_id=attempt_id, **call)
    with db.uow() as uow:
        end_call(uow, **call)
    with db.uow() as uow:
        wrap_up(
            uow,
            WrapUp(
                callback_id=callback_id,
                outcome="resolved",
                reason="Device troubleshooting follow-up",
                summary="Reset the network settings together; calls and data work again.",
                customer_response="Customer confirmed the phone works and needs nothing else.",
                agent_id=agent_id,
            ),
            actor=STAFF,
            runtime=call_runtime,
        )

    late = _finish(_dispatcher(database_url, "--until-idle", "--worker-id", "late"))
    assert late["claimed"] == 0
    done = callback(db, callback_id)
    assert (done.status, done.outcome) == (CallbackStatus.COMPLETED, "resolved")
    assert offers_per_callback(db) == {callback_id: 1}
    kinds = event_kinds(db, callback_id)
    assert kinds.count("offered") == 1 and kinds.count("dialing") == 1
    assert kinds[-1] == "wrapped_up"
    with db.uow() as uow:
        attempts = uow.session.execute(
            select(CallbackAttempt.agent_id, CallbackAttempt.result).where(
                CallbackAttempt.callback_id == callback_id
            )
        ).all()
    assert [tuple(attempt) for attempt in attempts] == [(agent_id, "contact")]


@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_the_dispatcher_stops_cleanly_on_a_signal(
    db: Database, database_url: str, stop_with: signal.Signals
) -> None:
    make_agent(db)
    due = SystemClock().now() - timedelta(minutes=1)
    [callback_id] = make_callbacks(db, account_id=make_account(db), due_at=due)
    process = subprocess.Popen(
        [CAREDESK, "dispatcher", "run", "--worker-id", "service"],
        env=_env(database_url, log_level="INFO", dispatcher_poll_seconds=30),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    lines = []
    while True:
        lines.append(json.loads(_read_line(process, process.stderr)))
        if lines[-1]["msg"] == "dispatcher round":
            break
    [started] = [line for line in lines if line["msg"] == "dispatcher started"]
    assert started["worker"] == "service" and started["level"] == "info"
    assert lines[-1]["offered"] == 1 and lines[-1]["level"] == "info"
    # Now waiting out its poll interval: the signal ends the wait at once.
    process.send_signal(stop_with)
    _, err = process.communicate(timeout=20)
    assert process.returncode == 0
    [last] = [json.loads(line) for line in err.splitlines() if line.startswith("{")][-1:]
    assert last["msg"] == "dispatcher stopped" and last["signal"] == stop_with.name
    assert callback(db, callback_id).status == CallbackStatus.OFFERED
