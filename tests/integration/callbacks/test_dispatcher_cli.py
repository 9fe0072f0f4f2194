"""`caredesk dispatcher run` in this process, on the test's database and fixed clock: one round,
rounds until idle, the pause between claiming and offering, a clean stop on SIGTERM, and the
figures every worker's rounds add up to."""

from __future__ import annotations

import json
import os
import re
import signal
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from caredesk import bootstrap
from caredesk.callbacks.dispatch.cli import default_worker_id
from caredesk.callbacks.dispatch.report import dispatcher_totals, record_round
from caredesk.cli import app
from caredesk.clock import FixedClock
from caredesk.config import Settings, get_settings
from caredesk.db.session import Database
from caredesk.policy import AgentState
from tests.integration.callbacks.dispatch_support import (
    callback,
    force_agent,
    make_account,
    make_agent,
    make_callbacks,
    statuses,
)

runner = CliRunner()


@pytest.fixture
def cli_db(db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    def connect(settings: Settings, _clock: object = None) -> Database:
        return Database.connect(settings.database_url, db.clock)

    monkeypatch.setenv("CAREDESK_DATABASE_URL", database_url)
    monkeypatch.delenv("CAREDESK_SMTP_HOST", raising=False)
    monkeypatch.delenv("CAREDESK_POLICY_FILE", raising=False)
    monkeypatch.setattr(bootstrap, "connect_database", connect)
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


def _due(db: Database, clock: FixedClock, count: int) -> list[int]:
    return make_callbacks(
        db, account_id=make_account(db), due_at=clock.now() - timedelta(minutes=1), count=count
    )


def _summary(output: str) -> dict[str, object]:
    summary: dict[str, object] = json.loads(output.strip().splitlines()[-1])
    return summary


def test_once_runs_one_round_and_prints_what_it_did(cli_db: Database, clock: FixedClock) -> None:
    agent = make_agent(cli_db)
    ids = _due(cli_db, clock, 3)
    result = runner.invoke(
        app, ["dispatcher", "run", "--once", "--worker-id", "w-1", "--batch", "2"]
    )
    assert result.exit_code == 0, result.output
    summary = _summary(result.stdout)
    assert summary["worker"] == "w-1" and summary["rounds"] == 1
    assert (summary["claimed"], summary["offered"], summary["no_agent"]) == (2, 2, 0)
    assert summary["offered_ids"] == ids[:2]
    assert summary["failed_steps"] == []
    assert summary["max_lateness_seconds"] == 60.0
    assert callback(cli_db, ids[0]).offered_to_agent_id == agent
    assert statuses(cli_db) == {"offered": 2, "scheduled": 1}


def test_until_idle_runs_rounds_until_one_claims_nothing(
    cli_db: Database, clock: FixedClock
) -> None:
    make_agent(cli_db)
    ids = _due(cli_db, clock, 3)
    result = runner.invoke(
        app, ["dispatcher", "run", "--until-idle", "--worker-id", "w-2", "--batch", "2"]
    )
    assert result.exit_code == 0, result.output
    summary = _summary(result.stdout)
    # Two callbacks, then one, then a round that claims nothing.
    assert summary["rounds"] == 3
    assert (summary["claimed"], summary["offered"]) == (3, 3)
    assert summary["offered_ids"] == ids
    assert statuses(cli_db) == {"offered": 3}


def test_a_round_with_no_agent_counts_it(cli_db: Database, clock: FixedClock) -> None:
    _due(cli_db, clock, 1)
    agent = make_agent(cli_db)
    # Nobody is in Not Ready - Follow-Up once the only agent is made Ready behind its back.
    force_agent(cli_db, agent, state=AgentState.READY)
    result = runner.invoke(app, ["dispatcher", "run", "--until-idle", "--worker-id", "w-3"])
    assert result.exit_code == 0, result.output
    summary = _summary(result.stdout)
    # A callback nobody can take is not claimed at all: the first round is already idle.
    assert (summary["rounds"], summary["claimed"], summary["offered"]) == (1, 0, 0)
    assert statuses(cli_db) == {"scheduled": 1}


def test_once_and_until_idle_together_is_one_line_and_exit_2(cli_db: Database) -> None:
    result = runner.invoke(app, ["dispatcher", "run", "--once", "--until-idle"])
    assert result.exit_code == 2
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line == "error: --once and --until-idle: choose one"


def test_the_pause_after_claiming_prints_the_claims_first(
    cli_db: Database, clock: FixedClock
) -> None:
    make_agent(cli_db)
    [callback_id] = _due(cli_db, clock, 1)
    result = runner.invoke(
        app, ["dispatcher", "run", "--once", "--worker-id", "w-4", "--pause-after-claim", "0.01"]
    )
    assert result.exit_code == 0, result.output
    first, last = result.stdout.strip().splitlines()
    assert json.loads(first) == {"claimed": [callback_id], "pausing_seconds": 0.01}
    assert _summary(last)["offered_ids"] == [callback_id]


def test_a_bad_policy_file_stops_the_start_with_one_line(
    cli_db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[lob.care]\nmax_attempts_without_contact = 0\n", encoding="utf-8")
    monkeypatch.setenv("CAREDESK_POLICY_FILE", str(policy))
    get_settings.cache_clear()
    result = runner.invoke(app, ["dispatcher", "run", "--once"])
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("error: ") and "lob.care.max_attempts_without_contact" in line


def test_without_once_it_runs_until_sigterm(cli_db: Database, clock: FixedClock) -> None:
    make_agent(cli_db)
    [callback_id] = _due(cli_db, clock, 1)
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        result = runner.invoke(app, ["dispatcher", "run", "--worker-id", "w-5"])
    finally:
        timer.cancel()
    assert result.exit_code == 0, result.output
    assert result.stdout == ""  # no summary: it logs
    assert callback(cli_db, callback_id).status == "offered"
    with cli_db.uow() as uow:
        assert dispatcher_totals(uow).rounds >= 1


def test_the_default_worker_id_names_host_process_and_a_random_part() -> None:
    first, second = default_worker_id(), default_worker_id()
    assert re.fullmatch(rf"[^:]{{1,40}}:{os.getpid()}:[0-9a-f]{{6}}", first)
    assert first != second and len(first) <= 80


def test_totals_add_up_every_workers_rounds(db: Database, clock: FixedClock) -> None:
    with db.uow() as uow:
        empty = dispatcher_totals(uow)
    assert (empty.rounds, empty.failed_steps, empty.offers) == (0, 0, 0)
    assert (empty.offer_lag_seconds, empty.last_round_at) == (0.0, None)
    start = clock.now()
    record_round(db, worker_id="a", at=start, offers=2, offer_lag_seconds=30.0, failed_steps=0)
    record_round(
        db,
        worker_id="a",
        at=start + timedelta(seconds=5),
        offers=1,
        offer_lag_seconds=4.5,
        failed_steps=1,
    )
    record_round(
        db,
        worker_id="b",
        at=start + timedelta(seconds=3),
        offers=0,
        offer_lag_seconds=0.0,
        failed_steps=2,
    )
    with db.uow() as uow:
        totals = dispatcher_totals(uow)
    assert (totals.rounds, totals.failed_steps, totals.offers) == (3, 3, 3)
    assert totals.offer_lag_seconds == 34.5
    assert totals.last_round_at == start + timedelta(seconds=5)
