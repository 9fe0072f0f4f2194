"""The command line starts without the heavy parts: `caredesk --help` loads neither the web app,
the ORM nor the migration tooling, and no command group's help loads the web app, the ORM or the
migrations. Checked on sys.modules in a fresh interpreter, not by timing (see
benchmarks/cli_start_bench.py for the figures)."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import typer

import caredesk
from caredesk import cli
from caredesk.cli import SUBCOMMANDS
from caredesk.cli_support import collect_garbage_later
from caredesk.db.session import Database

AFTERNOON = "2026-03-10T18:30:00+00:00"
NEVER_AT_START = ("fastapi", "starlette", "uvicorn", "alembic", "schemathesis", "hypothesis")
PROBE = """
import json, sys
from typer.testing import CliRunner
from caredesk.cli import app
result = CliRunner().invoke(app, sys.argv[1:])
answer = {"exit": result.exit_code, "output": result.output, "modules": sorted(sys.modules)}
print(json.dumps(answer))
"""


def _run(*args: str, env: dict[str, str] | None = None) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def _is_within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == package or name.startswith(f"{package}.") for package in packages)


def _loaded(modules: object, roots: tuple[str, ...]) -> list[str]:
    assert isinstance(modules, list)
    return [name for name in modules if name.split(".")[0] in roots]


def test_help_loads_no_web_app_orm_or_migrations() -> None:
    answer = _run("--help")
    assert answer["exit"] == 0
    modules = answer["modules"]
    assert _loaded(modules, NEVER_AT_START) == []
    assert isinstance(modules, list)
    assert "sqlalchemy.orm" not in modules and "caredesk.db.session" not in modules
    assert [name for name in modules if _is_within(name, NOT_FOR_A_HELP)] == []
    for name, _load, _short in SUBCOMMANDS:
        assert name in str(answer["output"])


# Nor what only a group's commands use when they run: the settings (pydantic-settings, and the
# asyncio it loads), an event loop, the policy engine with its rules and context, the message
# templates, the phone-number metadata, a progress bar.
NOT_FOR_A_HELP = (
    "caredesk.config",
    "pydantic_settings",
    "asyncio",
    "caredesk.policy.engine",
    "caredesk.policy.rules",
    "caredesk.policy.context",
    "jinja2",
    "phonenumbers",
    "rich.progress",
)


@pytest.mark.parametrize("group", [entry[0] for entry in SUBCOMMANDS])
def test_group_help_loads_no_web_app_orm_or_migrations(group: str) -> None:
    answer = _run(group, "--help")
    assert answer["exit"] == 0, answer["output"]
    modules = answer["modules"]
    assert _loaded(modules, NEVER_AT_START) == []
    assert isinstance(modules, list)
    assert "sqlalchemy.orm" not in modules and "caredesk.db.session" not in modules
    assert [name for name in modules if _is_within(name, NOT_FOR_A_HELP)] == []


@pytest.mark.parametrize(("name", "load", "short"), SUBCOMMANDS)
def test_the_listed_help_is_the_groups_own(
    name: str, load: Callable[[], typer.Typer], short: str
) -> None:
    group = load()
    assert group.info.help == short, f"update SUBCOMMANDS for {name!r}"


# What a command that reads the database needs is the ORM and its own domain: not the rules, the
# phone-number metadata, the password hasher, or the mail and voice adapters. Each of these cost
# a tenth of a second or more at every start.
NOT_FOR_A_READ = (
    "phonenumbers",
    "argon2",
    "smtplib",
    "caredesk.policy.rules",
    "caredesk.policy.engine",
    "caredesk.channels.voice.simulated",
    "caredesk.callbacks.runtime",
    # Message templates: composing a notice is not reading a list.
    "jinja2",
    "caredesk.channels.compose",
)


@pytest.mark.parametrize(
    ("command", "exit_code"),
    [
        (("ticket", "list"), 0),
        (("audit", "list"), 0),
        (("callback", "due"), 0),
        (("callback", "attention"), 0),
        (("account", "list"), 0),
        (("agent", "list"), 0),
        # The account is looked up (and not found) in the database.
        (("memo", "list", "ACC-0000001"), 2),
    ],
)
def test_a_command_that_reads_loads_only_what_it_reads(
    db: Database, database_url: str, command: tuple[str, ...], exit_code: int
) -> None:
    # `db` empties the database first: rows an earlier test left (an account ACC-0000001 with
    # memos, say) would turn the not-found read below into one that succeeds.
    answer = _run(*command, env={"CAREDESK_DATABASE_URL": database_url})
    assert answer["exit"] == exit_code, answer["output"]
    modules = answer["modules"]
    assert isinstance(modules, list)
    assert "sqlalchemy.orm" in modules  # it did read the database
    assert [name for name in modules if name.startswith(NOT_FOR_A_READ)] == []
    assert _loaded(modules, NEVER_AT_START) == []
    # The engine's own dialect, never the other's (a model naming a dialect option loads it).
    other = "postgresql" if database_url.startswith("sqlite") else "sqlite"
    assert [name for name in modules if name.startswith(f"sqlalchemy.dialects.{other}")] == []


# Beyond NOT_FOR_A_READ, what each read leaves out: the write path of its own domain (audit
# records, live events, the lifecycle rules, the secret scrubber) and the tables of the domains
# whose records it only names (an account's number and holder, an agent's name).
WRITE_PATH = (
    "caredesk.audit.service",
    "caredesk.live",
    "caredesk.privacy",
    "caredesk.policy.pii",
)
CASE_READ = (
    *WRITE_PATH,
    "caredesk.audit",
    "caredesk.accounts",
    "caredesk.agents",
    "caredesk.tickets.service",
    "caredesk.tickets.rules",
    "caredesk.tickets.timeline",
)
# A callback read names the policy's vocabulary (its options' choices) but neither the policy's
# settings nor its decisions.
CALLBACK_READ = (
    *WRITE_PATH,
    "caredesk.audit.models",
    "caredesk.callbacks.records",
    "caredesk.policy.config",
    "caredesk.policy.decision",
)
NOT_FOR_THIS_READ: dict[str, tuple[str, ...]] = {
    "ticket list": CASE_READ,
    "ticket show {ticket}": CASE_READ,
    "memo list {account}": (
        *WRITE_PATH,
        "caredesk.audit",
        "caredesk.accounts",
        "caredesk.agents",
        "caredesk.tickets",
        "caredesk.users",
        "caredesk.memos.service",
    ),
    "audit list": (*WRITE_PATH,),
    "outbox list": (*WRITE_PATH, "caredesk.audit", "caredesk.channels.delivery"),
    "outbox show {message}": (*WRITE_PATH, "caredesk.audit", "caredesk.channels.delivery"),
    "callback due": CALLBACK_READ,
    "callback attention": CALLBACK_READ,
    "callback show {callback}": CALLBACK_READ,
    "account list": (*WRITE_PATH, "caredesk.audit.models", "caredesk.accounts.people"),
    "agent list": (*WRITE_PATH, "caredesk.audit.models", "caredesk.users.models"),
    "user list": (*WRITE_PATH, "caredesk.audit.models", "caredesk.users.throttle"),
}


@pytest.fixture
def records(db: Database) -> dict[str, str]:
    """An account with a case assigned to an agent and a memo: what the reads below show."""
    from caredesk.memos.models import MemoKind
    from caredesk.memos.service import create_memo
    from tests.integration.tickets.factories import (
        STAFF,
        insert_row,
        make_account,
        make_agent,
        make_ticket,
    )

    account, agent = make_account(db), make_agent(db)
    ticket = make_ticket(db, account, assignee_id=agent)
    with db.uow() as uow:
        create_memo(
            uow,
            actor=STAFF,
            account_id=account,
            kind=MemoKind.NOTE,
            reason="Asked about the bill",
            summary="Explained the charges on the last bill.",
            author_agent_id=agent,
        )
    callback = insert_row(
        db,
        "callbacks",
        account_id=account,
        line_of_business="care",
        origin="dropped_call",
        reason="dropped_call",
        caller_role="customer",
        number="+13136564363",
        status="scheduled",
    )
    message = insert_row(
        db,
        "outbox_messages",
        kind="callback.dropped_call",
        channel="email",
        payload={"to": "ana@example.com", "subject": "We will call you back", "text": "Soon."},
        status="pending",
    )
    return {
        "account": str(account),
        "agent": str(agent),
        "ticket": ticket.case_number,
        "callback": str(callback),
        "message": str(message),
    }


def _modules_of_success(command: str, records: dict[str, str], database_url: str) -> list[str]:
    """The modules `command` (its {placeholders} filled from `records`) loaded, run in a fresh
    interpreter against `database_url`; it must succeed."""
    answer = _run(*command.format(**records).split(), env={"CAREDESK_DATABASE_URL": database_url})
    assert answer["exit"] == 0, answer["output"]
    modules = answer["modules"]
    assert isinstance(modules, list)
    return modules


@pytest.mark.parametrize("command", sorted(NOT_FOR_THIS_READ))
def test_a_read_loads_neither_its_write_path_nor_the_tables_it_only_names(
    database_url: str, records: dict[str, str], command: str
) -> None:
    modules = _modules_of_success(command, records, database_url)
    assert "sqlalchemy.orm" in modules
    assert [name for name in modules if name.startswith(NOT_FOR_THIS_READ[command])] == []


def test_importing_every_model_loads_no_database_dialect() -> None:
    """A command reads its models on either engine; SQLAlchemy's dialects (PostgreSQL's with its
    drivers' modules, a few hundredths of a second) are loaded by the engine it connects to,
    never by a model's declaration (a partial index naming `postgresql_where`, say)."""
    modules = [
        f"caredesk.{path.parent.name}.models"
        for path in Path(caredesk.__file__).parent.glob("*/models.py")
    ]
    probe = "import sys\n" + "".join(f"import {name}\n" for name in modules)
    probe += "print(*sorted(m for m in sys.modules if m.startswith('sqlalchemy.dialects.')))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert len(modules) >= 10
    assert done.stdout.split() == []


def test_the_collector_is_off_while_a_command_starts_and_on_again_after() -> None:
    assert gc.isenabled()
    timer = collect_garbage_later(after=0.01)
    assert timer is not None
    try:
        assert not gc.isenabled()
        # Off by the caller's choice: left off, and nothing turns it on.
        assert collect_garbage_later(after=0.01) is None
    finally:
        timer.join(timeout=30)
    assert gc.isenabled()


def test_the_command_starts_with_the_collector_off(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []
    monkeypatch.setenv("PYDANTIC_DISABLE_PLUGINS", "__all__")
    monkeypatch.setattr(cli, "app", lambda: seen.append(gc.isenabled()))
    monkeypatch.setattr(cli, "collect_garbage_later", lambda: collect_garbage_later(after=0.01))
    try:
        cli.main()
    finally:
        gc.enable()
    assert seen == [False]


# Commands that write, each in a fresh interpreter as a user runs it: a command loads only the
# models it reads, and a flush needs the tables those refer to (`open_database`'s before_write).
WRITES = (
    "ticket create --account {account} --subject Drops --description Calls-drop-indoors",
    "ticket resolve {ticket} --summary Reset-the-network-settings",
    "memo add --account {account} --agent {agent} --reason Billing --summary Explained-the-bill",
    "account create --number ACC-0123456 --holder-first Ana --holder-last Lopez --phone 3136564363",
)


@pytest.mark.parametrize("command", WRITES)
def test_a_command_that_writes_finds_every_table_its_rows_refer_to(
    database_url: str, records: dict[str, str], command: str
) -> None:
    _modules_of_success(command, records, database_url)


# `callback request` composes its notice and queues it in the outbox inside its transaction:
# it neither delivers (the dispatcher's claims, leases and retries) nor keeps an answer in the
# web's table of idempotency keys (its key is the callback's own), and it finds the case it is
# for, if any, without the cases' lifecycle rules.
NOT_FOR_A_REQUEST = (
    "caredesk.channels.delivery",
    "caredesk.db.leases",
    "caredesk.db.idempotency",
    "caredesk.tickets.service",
    "caredesk.tickets.rules",
    "caredesk.tickets.timeline",
)


def test_a_callback_request_loads_neither_delivery_nor_the_table_of_keys(
    database_url: str, db: Database
) -> None:
    from tests.integration.callbacks.test_callback_cli import make_account

    account = make_account(db)
    request = ("callback", "request", "--account-id", str(account.id), "--reason")
    answer = _run(
        *request,
        "dropped_call",
        "--origin",
        "dropped_call",
        # 11:30 in Denver, inside the calling hours: the request is planned, not refused.
        env={"CAREDESK_DATABASE_URL": database_url, "CAREDESK_FIXED_CLOCK": AFTERNOON},
    )
    assert answer["exit"] == 0, answer["output"]
    assert "awaiting_notification" in str(answer["output"])
    modules = answer["modules"]
    assert isinstance(modules, list)
    # The notice was composed and queued.
    assert {"caredesk.channels.templates.render", "caredesk.channels.outbox"} <= set(modules)
    assert [name for name in modules if name in NOT_FOR_A_REQUEST] == []


# A case or a memo refers to its account and to agents: writing one loads the tables other
# domains refer to (the account with its people and lines, the agent with its skills) and not
# the rest of those domains' tables (devices, bills, consent windows, shifts, the agents' state
# history).
REFERRED_ONLY = ("caredesk.accounts.account_models", "caredesk.agents.agent_models")
NOT_REFERRED = ("caredesk.accounts.models", "caredesk.agents.models")


@pytest.mark.parametrize("command", WRITES[:3])
def test_a_case_or_memo_written_loads_only_the_tables_it_refers_to(
    database_url: str, records: dict[str, str], command: str
) -> None:
    modules = _modules_of_success(command, records, database_url)
    assert set(REFERRED_ONLY) <= set(modules)
    assert [name for name in modules if name in NOT_REFERRED] == []
    # Nor the leases with which the sweeps of many workers claim rows in batches.
    assert "caredesk.db.leases" not in modules


def _modules_after(*imports: str) -> list[str]:
    probe = "import sys\n" + "".join(f"import {name}\n" for name in imports)
    probe += "print(*sorted(sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


# What `call start` and `call result` run (their use cases and the runtime they are handed):
# a call's start or result composes no message, so neither Jinja2 nor the templates' contexts.
CALL_USE_CASES = (
    "caredesk.callbacks.calls",
    "caredesk.callbacks.attempts",
    "caredesk.bootstrap",
    "caredesk.callbacks.runtime",
    "caredesk.callbacks.notices",
)


def test_a_calls_use_cases_load_no_message_renderer() -> None:
    modules = _modules_after(*CALL_USE_CASES)
    assert "caredesk.callbacks.calls" in modules
    assert [name for name in modules if name.startswith("jinja2")] == []
    assert "caredesk.channels.templates.render" not in modules


# `call result` with an answered dial (the common case) puts the call in progress and plans
# nothing: the use case that records it, and a callback's timeline, load neither the scheduling
# of the next attempt nor the policy's view of the callback and the context its rules read.
NOT_FOR_AN_ANSWERED_DIAL = (
    "caredesk.callbacks.scheduling",
    "caredesk.callbacks.policy_view",
    "caredesk.callbacks.notices",
    "caredesk.policy.context",
    "caredesk.policy.engine",
    "caredesk.policy.rules",
)


def test_a_dials_result_loads_no_scheduling_nor_policy_context() -> None:
    modules = _modules_after("caredesk.callbacks.attempts", "caredesk.callbacks.records")
    assert "caredesk.callbacks.attempts" in modules
    assert "caredesk.policy.encode" in modules  # a refused step's decision is still recorded
    assert [name for name in modules if name.startswith(NOT_FOR_AN_ANSWERED_DIAL)] == []


def test_the_zone_lookup_loads_libphonenumber_only_for_a_number() -> None:
    """`call result` reads the policy's view of a callback (its account's zone, from the service
    address) and looks at no number: libphonenumber is loaded by the first number looked at."""
    modules = _modules_after(
        "caredesk.callbacks.attempts",
        "caredesk.callbacks.policy_view",
        "caredesk.accounts.zones",
        "caredesk.policy.zones",
    )
    assert "caredesk.policy.zones" in modules
    assert [name for name in modules if name.startswith("phonenumbers")] == []
