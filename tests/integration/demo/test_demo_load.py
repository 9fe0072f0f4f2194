"""The demo load: real month arithmetic on every day of two years, all or nothing, and memos
that fit the account they are on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from caredesk.accounts.models import Account, Bill
from caredesk.agents.models import Agent
from caredesk.audit.models import AuditEvent
from caredesk.cli import app
from caredesk.clock import FixedClock
from caredesk.db import migrate
from caredesk.db.session import Database
from caredesk.demo import catalogue as cat
from caredesk.demo.loader import load_demo, month_start
from caredesk.memos.models import Memo
from caredesk.tickets.models import Ticket
from caredesk.users.models import User


def _days(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


@pytest.mark.slow
def test_the_demo_loads_on_every_day_of_2027_and_2028(tmp_path: Path) -> None:
    # One SQLite file for the whole sweep: the staff are created by the first load, and every
    # later day adds two accounts (with their three months of bills) through the same loader.
    url = f"sqlite:///{tmp_path / 'sweep.db'}"
    migrate.upgrade(url)
    db = Database.connect(url, FixedClock(datetime(2027, 1, 1, tzinfo=UTC)))
    try:
        for day in _days(date(2027, 1, 1), date(2028, 12, 31)):
            report = load_demo(db, accounts=2, seed=day.toordinal(), as_of=day)
            assert report.bills == 6, day
        with db.uow() as uow:
            assert uow.session.scalar(select(func.count(Account.id))) == 2 * 731
            latest = uow.session.scalars(
                select(Bill.period_start)
                .where(Bill.account_id == 2 * 731)
                .order_by(Bill.period_start)
            ).all()
    finally:
        db.engine.dispose()
    # The last day, 2028-12-31: September, October and November, each a whole month.
    assert latest == [date(2028, 9, 1), date(2028, 10, 1), date(2028, 11, 1)]


@pytest.mark.parametrize(
    ("day", "back", "expected"),
    [
        (date(2026, 11, 30), 1, date(2026, 10, 1)),
        (date(2026, 11, 30), 2, date(2026, 9, 1)),
        (date(2027, 3, 1), 1, date(2027, 2, 1)),
        (date(2027, 1, 30), 1, date(2026, 12, 1)),
        (date(2027, 1, 30), 13, date(2025, 12, 1)),
        (date(2028, 2, 29), 0, date(2028, 2, 1)),
    ],
)
def test_month_start_counts_calendar_months(day: date, back: int, expected: date) -> None:
    assert month_start(day, months_back=back) == expected


def test_bills_cover_the_three_whole_months_before_as_of(db: Database) -> None:
    load_demo(db, accounts=3, seed=5, as_of=date(2026, 11, 30))
    with db.uow() as uow:
        bills = uow.session.scalars(select(Bill).order_by(Bill.account_id, Bill.period_start))
        periods = {(bill.period_start, bill.period_end) for bill in bills}
    assert periods == {
        (date(2026, 8, 1), date(2026, 8, 31)),
        (date(2026, 9, 1), date(2026, 9, 30)),
        (date(2026, 10, 1), date(2026, 10, 31)),
    }


class Interrupted(Exception):
    pass


def test_a_load_that_fails_stores_nothing(db: Database) -> None:
    def stop(_n: int) -> None:
        # The last moment before the commit: every row of the load has been written.
        raise Interrupted

    with pytest.raises(Interrupted):
        load_demo(db, accounts=2, seed=1, as_of=date(2027, 6, 1), progress=stop)
    with db.uow() as uow:
        for model in (Account, Agent, User, AuditEvent, Memo):
            assert uow.session.scalar(select(func.count()).select_from(model)) == 0, model


def test_demo_memos_and_plans_fit_the_account_type(db: Database) -> None:
    fits = {reason[4]: reason[0] for reason in cat.CONTACT_REASONS}
    subjects = {reason[2]: reason[0] for reason in cat.CONTACT_REASONS}
    load_demo(db, accounts=150, seed=3, as_of=date(2027, 4, 15))
    with db.uow() as uow:
        memos = uow.session.execute(
            select(Account.type, Memo.reason).join(Memo, Memo.account_id == Account.id)
        ).all()
        tickets = uow.session.execute(
            select(Account.type, Ticket.subject).join(Ticket, Ticket.account_id == Account.id)
        ).all()
        plans = uow.session.execute(select(Account.type, Account.plan_name)).all()
    assert {kind for kind, _ in memos} == {"consumer", "business"}
    assert all(kind in fits[reason] for kind, reason in memos)
    assert all(kind in subjects[subject] for kind, subject in tickets)
    assert all((plan == cat.BUSINESS_PLAN) == (kind == "business") for kind, plan in plans)


def test_the_cli_loads_on_the_day_that_failed(cli: CliRunner, db: Database) -> None:
    load = ["demo", "load", "--accounts", "2", "--as-of", "2026-11-30"]
    result = cli.invoke(app, [*load, "--quiet"])
    assert result.exit_code == 0, result.output
    again = cli.invoke(app, [*load, "--if-empty"])
    assert again.exit_code == 0, again.output
    assert "already present" in again.output


def test_the_progress_line_names_what_loads(cli: CliRunner, db: Database) -> None:
    """The bar's last state is printed where the output is no terminal (a log, `make run`'s)."""
    result = cli.invoke(app, ["demo", "load", "--accounts", "2", "--as-of", "2026-11-30"])
    assert result.exit_code == 0, result.output
    bar = next(line for line in result.stdout.splitlines() if "2/2" in line)
    assert bar.split()[0] == "accounts" and "[" not in bar, bar


def test_a_bad_as_of_is_one_line_naming_the_option(cli: CliRunner) -> None:
    result = cli.invoke(app, ["demo", "load", "--accounts", "2", "--as-of", "2027-02-30"])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--as-of" in lines[0], result.stderr
