"""`caredesk callback request | due | show | why | cancel | slot` against a real database. The CLI
runs on the test's fixed clock (the one the database fixture holds), so an answer that depends on
the hour in the customer's zone is the same whenever the tests run."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from caredesk import bootstrap
from caredesk.accounts.models import Account
from caredesk.accounts.service import create_account
from caredesk.accounts.values import ContactPointSpec, PersonSpec, ServiceAddress
from caredesk.agents.service import create_agent
from caredesk.audit.service import Actor
from caredesk.callbacks.inputs import CallbackRequest
from caredesk.callbacks.queries import callbacks_query, get_callback
from caredesk.callbacks.requests import request_callback
from caredesk.callbacks.runtime import CallbackRuntime
from caredesk.callbacks.scheduling import advance_after_notifications
from caredesk.channels.delivery import RetryPolicy, deliver_due
from caredesk.channels.email.log_sender import LogSender
from caredesk.channels.email.smtp import SmtpSender, SmtpSettings
from caredesk.channels.models import OutboxMessage
from caredesk.cli import app
from caredesk.clock import FixedClock
from caredesk.config import Settings, get_settings
from caredesk.db.session import Database
from caredesk.policy import PolicyConfig
from tests.integration.channels.conftest import SmtpServer, free_port

runner = CliRunner()
STAFF = Actor.system("test")
LONG_AGO = datetime(2021, 6, 1, 16, 0, tzinfo=UTC)  # 10:00 in Denver


@pytest.fixture
def cli_database(
    db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Database]:
    def connect(settings: Settings, _clock: object = None) -> Database:
        return Database.connect(settings.database_url, db.clock)

    monkeypatch.setenv("CAREDESK_DATABASE_URL", database_url)
    monkeypatch.setattr(bootstrap, "connect_database", connect)
    monkeypatch.setenv("COLUMNS", "200")  # room for the tables' columns
    get_settings.cache_clear()
    yield db
    get_settings.cache_clear()


def make_account(db: Database) -> Account:
    with db.uow() as uow:
        return create_account(
            uow,
            actor=STAFF,
            number="ACC-7000001",
            service_address=ServiceAddress(country="US", time_zone="America/Denver"),
            people=[
                PersonSpec(
                    first_name="Ana",
                    last_name="Lopez",
                    role="account_holder",
                    contact_points=(
                        ContactPointSpec(kind="phone", value="+13035550123"),
                        ContactPointSpec(kind="email", value="ana@example.com"),
                    ),
                )
            ],
        )


def _runtime(clock: FixedClock) -> CallbackRuntime:
    return bootstrap.build_callback_runtime(get_settings(), clock, policy=PolicyConfig())


def test_request_due_show_why_and_cancel(cli_database: Database, clock: FixedClock) -> None:
    account = make_account(cli_database)
    clock.set(LONG_AGO)
    with cli_database.uow() as uow:
        callback = request_callback(
            uow,
            CallbackRequest(
                account_id=account.id,
                origin="follow_up",
                reason="device_troubleshooting",
                line_of_business="care",
                caller_role="agent",
            ),
            actor=STAFF,
            runtime=_runtime(clock),
        )
    # Before the outbox sends it, the notice is queued, and `show` says when it goes.
    queued = runner.invoke(app, ["callback", "show", str(callback.id)])
    assert "Customer Callback (queued to go 2021-06-01T16:00+00:00)" in queued.output, queued.output
    deliver_due(cli_database, LogSender(), now=clock.now(), worker_id="test")
    with cli_database.uow() as uow:
        assert advance_after_notifications(uow, policy=PolicyConfig(), now=clock.now())
    sent = runner.invoke(app, ["callback", "show", str(callback.id)])
    assert "(sent 2021-06-01T16:00+00:00)" in sent.output, sent.output

    clock.advance(timedelta(minutes=20))  # 10:20 in Denver: past the planned dial, notice fresh
    due = runner.invoke(app, ["callback", "due"])
    assert due.exit_code == 0, due.output
    rows = [line for line in due.output.splitlines() if line.strip() and not line.endswith(" due")]
    listed_ids = [line.split()[0] for line in rows]
    assert listed_ids.count(str(callback.id)) == 1
    assert "1 due" in due.output
    shown = runner.invoke(app, ["callback", "show", str(callback.id)])
    assert shown.exit_code == 0, shown.output
    assert "scheduled" in shown.output and "notification_queued" in shown.output
    why = runner.invoke(app, ["callback", "why", str(callback.id)])
    assert why.exit_code == 0, why.output
    assert "10:20 America/Denver is inside 09:00-20:00" in why.output
    assert "OB-NOTIFY" in why.output
    clock.set(LONG_AGO + timedelta(hours=11))  # 21:00 in Denver: outside the calling window
    late = runner.invoke(app, ["callback", "why", str(callback.id)])
    assert late.exit_code == 1, late.output
    assert "21:00 America/Denver is outside 09:00-20:00" in late.output
    assert "more than 60 minutes ago" in late.output
    # The next allowed time in UTC and, for the agent, in the customer's zone.
    [next_allowed] = [line for line in late.output.splitlines() if "Next allowed at" in line]
    assert next_allowed.endswith("(2021-06-02 09:00 America/Denver)"), next_allowed
    missing = runner.invoke(app, ["callback", "why", "999999"])
    assert missing.exit_code == 2 and "callback_id" in missing.output

    cancelled = runner.invoke(
        app, ["callback", "cancel", str(callback.id), "--reason", "Customer called in"]
    )
    assert cancelled.exit_code == 0, cancelled.output
    again = runner.invoke(app, ["callback", "cancel", str(callback.id), "--reason", "again"])
    assert again.exit_code == 2 and "cancelled" in again.output


def test_request_refused_for_good_exits_2_with_its_rule_on_stderr(cli_database: Database) -> None:
    account = make_account(cli_database)
    result = runner.invoke(
        app,
        [
            "callback",
            "request",
            "--account-id",
            str(account.id),
            "--reason",
            "device_troubleshooting",
            "--never-spoken",
        ],
    )
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    with cli_database.uow() as uow:
        [stored] = list(uow.session.scalars(callbacks_query()))
        assert stored.status == "refused" and stored.refused_rules == ["OB-SPOKE-FIRST"]
        assert line.startswith("error: refused by OB-SPOKE-FIRST: ")
        assert line.endswith(f"(stored as callback {stored.id})")


def test_a_request_refused_by_two_rules_prints_one_line_per_rule(
    cli_database: Database,
) -> None:
    account = make_account(cli_database)
    result = runner.invoke(
        app,
        [
            "callback",
            "request",
            "--account-id",
            str(account.id),
            "--reason",
            "sales",
            "--never-spoken",
        ],
    )
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert [line.split(":")[1].strip() for line in lines] == [
        "refused by OB-NO-SALES",
        "refused by OB-SPOKE-FIRST",
    ]


def test_choose_slot_enters_the_customers_reply(cli_database: Database) -> None:
    account = make_account(cli_database)
    with cli_database.uow() as uow:
        specialist = create_agent(
            uow,
            actor=STAFF,
            login="spec1",
            name="Jordan",
            role="specialist",
            line_of_business="sa_bts",
            time_zone="UTC",
            platform_line="+12065550100",
        )
    made = runner.invoke(
        app,
        [
            "callback",
            "request",
            "--account-id",
            str(account.id),
            "--reason",
            "email_request",
            "--origin",
            "sa_email_request",
            "--lob",
            "sa_bts",
            "--caller-role",
            "specialist",
            "--owner-agent-id",
            str(specialist.id),
        ],
    )
    assert made.exit_code == 0, made.output
    assert "awaiting_schedule" in made.output and "offered time 1" in made.output
    with cli_database.uow() as uow:
        [callback_id] = [row.id for row in uow.session.scalars(callbacks_query())]
    early = runner.invoke(app, ["callback", "slot", str(callback_id), "1"])
    assert early.exit_code == 2 and "scheduling email" in early.output
    deliver_due(
        cli_database, LogSender(), now=datetime.now(UTC) + timedelta(minutes=1), worker_id="t"
    )
    chosen = runner.invoke(app, ["callback", "slot", str(callback_id), "1"])
    assert chosen.exit_code == 0, chosen.output
    assert "is due" in chosen.output


def test_attention_lists_a_callback_whose_notice_died_and_requeue_notice_sends_it_again(
    cli_database: Database, clock: FixedClock
) -> None:
    account = make_account(cli_database)
    with cli_database.uow() as uow:
        callback = request_callback(
            uow,
            CallbackRequest(
                account_id=account.id,
                origin="follow_up",
                reason="device_troubleshooting",
                line_of_business="care",
                caller_role="agent",
            ),
            actor=STAFF,
            runtime=_runtime(clock),
        )
        callback_id = callback.id
    down = SmtpServer(free_port())  # never started: every connection is refused
    sender = SmtpSender(SmtpSettings(host="127.0.0.1", port=down.port), clock)
    gave_up = RetryPolicy(max_attempts=1)
    assert deliver_due(cli_database, sender, now=clock.now(), worker_id="t", retry=gave_up).dead
    with cli_database.uow() as uow:
        advance_after_notifications(uow, policy=PolicyConfig(), now=clock.now())

    listed = runner.invoke(app, ["callback", "attention"])
    assert listed.exit_code == 0, listed.output
    assert str(callback_id) in [
        line.split()[0] for line in listed.output.splitlines() if line.strip()
    ]
    assert "1 need attention" in listed.output
    requeued = runner.invoke(app, ["callback", "requeue-notice", str(callback_id)])
    assert requeued.exit_code == 0, requeued.output
    assert "awaiting_notification" in requeued.output
    again = runner.invoke(app, ["callback", "requeue-notice", str(callback_id)])
    assert again.exit_code == 2 and "callback_id" in again.stderr
    assert "0 need attention" in runner.invoke(app, ["callback", "attention"]).output


def test_slot_offers_explicit_times_and_or_chooses_one(cli_database: Database) -> None:
    account = make_account(cli_database)
    with cli_database.uow() as uow:
        specialist = create_agent(
            uow,
            actor=STAFF,
            login="spec2",
            name="Jordan",
            role="specialist",
            line_of_business="sa_ats",
            time_zone="UTC",
            platform_line="+12065550100",
        )
    made = runner.invoke(
        app,
        [
            "callback",
            "request",
            "--account-id",
            str(account.id),
            "--reason",
            "email_request",
            "--origin",
            "sa_email_request",
            "--lob",
            "sa_ats",
            "--caller-role",
            "specialist",
            "--owner-agent-id",
            str(specialist.id),
        ],
    )
    assert made.exit_code == 0, made.output
    with cli_database.uow() as uow:
        [callback_id] = [row.id for row in uow.session.scalars(callbacks_query())]
    nothing = runner.invoke(app, ["callback", "slot", str(callback_id)])
    assert nothing.exit_code == 2 and "--offer" in nothing.stderr
    bad = runner.invoke(app, ["callback", "slot", str(callback_id), "--offer", "tomorrow"])
    assert bad.exit_code == 2 and bad.stderr.startswith("error: slots: ")

    day = (datetime.now(UTC) + timedelta(days=3)).replace(hour=16, minute=0, second=0)
    times = [
        f"{(day + timedelta(days=n)).isoformat()}/{(day + timedelta(days=n, hours=1)).isoformat()}"
        for n in range(2)
    ]
    offered = runner.invoke(
        app, ["callback", "slot", str(callback_id), "--offer", times[0], "--offer", times[1]]
    )
    assert offered.exit_code == 0, offered.output
    assert "offered time 2" in offered.output and "waits for the customer" in offered.output
    with cli_database.uow() as uow:
        first, second = uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        assert (first.status, second.status) == ("withdrawn", "pending")
        callback = get_callback(uow, callback_id=callback_id)
        assert callback.scheduling_email_message_id == second.id
        assert [item["start"] for item in callback.offered_slots or []] == [
            (day + timedelta(days=n)).isoformat() for n in range(2)
        ]

    deliver_due(
        cli_database, LogSender(), now=datetime.now(UTC) + timedelta(minutes=1), worker_id="t"
    )
    later = (
        f"{(day + timedelta(days=5)).isoformat()}/{(day + timedelta(days=5, hours=1)).isoformat()}"
    )
    both = runner.invoke(
        app, ["callback", "slot", str(callback_id), "1", "--offer", later, "--channel", "voice"]
    )
    assert both.exit_code == 0, both.output
    assert "is due" in both.output
    with cli_database.uow() as uow:
        callback = get_callback(uow, callback_id=callback_id)
        assert callback.status == "scheduled"
        assert callback.due_at is not None and callback.due_at >= day + timedelta(days=5)
        assert uow.session.scalar(select(func.count()).select_from(OutboxMessage)) == 3
