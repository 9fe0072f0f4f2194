"""Loads deterministic synthetic data: the same seed and date give the same accounts, people,
numbers, tickets and memos. Accounts go in with bulk inserts so that 100,000 of them load in
minutes; agents and users go through their services like any other."""

from __future__ import annotations

import random
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from sqlalchemy import func, select

from caredesk.accounts.models import Account, Person
from caredesk.agents import service as agents
from caredesk.agents.shifts import Shift
from caredesk.audit.service import Actor, record
from caredesk.db.session import Database, UnitOfWork
from caredesk.demo import catalogue as cat
from caredesk.demo.rows import (
    StaffRef,
    bump_sequences,
    existing_numbers,
    generate_batch,
    hash_secrets,
    insert_batch,
    next_ids,
    table,
)
from caredesk.demo.rows import month_start as month_start
from caredesk.users import service as users
from caredesk.users.models import Role, User

LOADER = Actor.system("demo")
ADMIN_LOGIN = "admin"
ADMIN_PASSWORD = "caredesk-admin"
STAFF_PASSWORD = "caredesk-demo"
CUSTOMER_LOGIN = "customer1"
CUSTOMER_PASSWORD = "caredesk-customer"
# Who a demonstration signs in as, one of each face: (what they are, login, password). The
# first agent and the leader of Care have the staff password; the customer is the holder of the
# first active consumer account whose zone is known.
DEMO_SIGN_INS = (
    ("agent", "care1", STAFF_PASSWORD),
    ("leader", "care4", STAFF_PASSWORD),
    ("customer", CUSTOMER_LOGIN, CUSTOMER_PASSWORD),
    ("admin", ADMIN_LOGIN, ADMIN_PASSWORD),
)
BATCH = 2000
# Hashing PINs is the slow part of a large load; beyond this many accounts it uses every core.
PARALLEL_HASHING_FROM = 4000

Progress = Callable[[int], None]


@dataclass
class LoadReport:
    accounts: int = 0
    people: int = 0
    contact_points: int = 0
    lines: int = 0
    devices: int = 0
    bills: int = 0
    tickets: int = 0
    memos: int = 0
    interactions: int = 0
    agents: int = 0
    users: int = 0
    skipped: bool = False
    counts: dict[str, int] = field(default_factory=dict)


def has_accounts(db: Database) -> bool:
    with db.uow() as uow:
        return uow.session.scalar(select(func.count(Account.id))) != 0


def load_demo(
    db: Database,
    *,
    accounts: int,
    seed: int,
    as_of: date,
    progress: Progress | None = None,
) -> LoadReport:
    """Adds ``accounts`` accounts (with everything on them) and, when missing, the demo staff.

    The whole load is one transaction: it is stored completely or, on any error, not at all."""
    report = LoadReport()
    rng = random.Random(seed)
    noon = datetime.combine(as_of, time(12, 0), tzinfo=UTC)
    pool = ProcessPoolExecutor() if accounts >= PARALLEL_HASHING_FROM else None
    try:
        with db.uow() as uow, uow.atomic():
            staff = _ensure_staff(uow, rng, report)
            ids = next_ids(uow)
            used_numbers = existing_numbers(uow)
            remaining = accounts
            first = ids["accounts"]
            while remaining > 0:
                size = min(BATCH, remaining)
                batch = generate_batch(rng, first, size, ids, noon, staff, used_numbers)
                hash_secrets(batch["people"], pool)
                insert_batch(uow, batch)
                for key in batch:
                    report.counts[key] = report.counts.get(key, 0) + len(batch[key])
                first += size
                remaining -= size
                if progress:
                    progress(size)
            bump_sequences(uow)
            _ensure_customer(uow, report)
            record(
                uow,
                actor=LOADER,
                action="demo.loaded",
                subject_type="demo",
                subject_id=seed,
                details={"accounts": accounts, "seed": seed, "as_of": as_of.isoformat()},
            )
    finally:
        if pool:
            pool.shutdown()
    report.accounts = report.counts.get("accounts", 0)
    report.people = report.counts.get("people", 0)
    report.contact_points = report.counts.get("contact_points", 0)
    report.lines = report.counts.get("lines", 0)
    report.devices = report.counts.get("devices", 0)
    report.bills = report.counts.get("bills", 0)
    report.tickets = report.counts.get("tickets", 0)
    report.memos = report.counts.get("memos", 0)
    report.interactions = report.counts.get("interactions", 0)
    return report


# --- staff -------------------------------------------------------------------------------------


def _ensure_staff(uow: UnitOfWork, rng: random.Random, report: LoadReport) -> list[StaffRef]:
    """Agents in every line of business with weekday shifts, a leader for each, and users."""
    existing = uow.session.scalar(select(func.count()).select_from(table("agents")))
    if not existing:
        line = 2065550100
        for lob, zone, role in cat.LINES_OF_BUSINESS:
            for n in range(1, 5):
                login = f"{lob.replace('_', '')}{n}"
                agent = agents.create_agent(
                    uow,
                    actor=LOADER,
                    login=login,
                    name=f"{rng.choice(cat.FIRST_NAMES)} {rng.choice(cat.LAST_NAMES)}",
                    role="leader" if n == 4 else role,
                    line_of_business=lob,
                    time_zone=zone,
                    platform_line=f"+1{line}",
                    skills=[lob, "billing"] if n % 2 else [lob, "device_troubleshooting"],
                    skill_levels={
                        skill: levels[0] if n % 2 else levels[1]
                        for skill, levels in cat.ROUTING_SKILLS.get(lob, {}).items()
                    },
                )
                line += 1
                start = time(8, 0) if n % 2 else time(12, 0)
                end = time(16, 30) if n % 2 else time(20, 30)
                agents.replace_shifts(
                    uow,
                    actor=LOADER,
                    agent_id=agent.id,
                    shifts=[Shift(weekday=d, start=start, end=end) for d in range(5)],
                )
                users.create_user(
                    uow,
                    actor=LOADER,
                    login=login,
                    display_name=agent.name,
                    role=Role(agent.role),
                    # The first agent and the leader (n == 4) of each team can sign in.
                    password=STAFF_PASSWORD if n in (1, 4) else None,
                    agent_id=agent.id,
                )
                report.agents += 1
                report.users += 1
    if uow.session.scalar(select(User.id).where(User.login == ADMIN_LOGIN)) is None:
        users.create_user(
            uow,
            actor=LOADER,
            login=ADMIN_LOGIN,
            display_name="Administrator",
            role=Role.ADMIN,
            password=ADMIN_PASSWORD,
        )
        report.users += 1
    uow.flush()
    agents_table = table("agents")
    rows = uow.session.execute(
        select(agents_table.c.id, agents_table.c.name, agents_table.c.line_of_business).order_by(
            agents_table.c.id
        )
    )
    return [StaffRef(row.id, row.name, row.line_of_business) for row in rows]


def _ensure_customer(uow: UnitOfWork, report: LoadReport) -> None:
    """The demo's customer login, on the first active consumer account whose zone is known."""
    if uow.session.scalar(select(User.id).where(User.login == CUSTOMER_LOGIN)) is not None:
        return
    account_id = uow.session.scalar(
        select(Account.id)
        .where(
            Account.status == "active",
            Account.type == "consumer",
            Account.time_zone.is_not(None),
        )
        .order_by(Account.id)
        .limit(1)
    )
    if account_id is None:
        return
    holder = uow.session.execute(
        select(Person.first_name, Person.last_name)
        .where(Person.account_id == account_id, Person.role == "account_holder")
        .order_by(Person.id)
        .limit(1)
    ).first()
    users.create_user(
        uow,
        actor=LOADER,
        login=CUSTOMER_LOGIN,
        display_name=f"{holder.first_name} {holder.last_name}" if holder else "Demo Customer",
        role=Role.CUSTOMER,
        password=CUSTOMER_PASSWORD,
        account_id=account_id,
    )
    report.users += 1


def demo_sign_ins(db: Database) -> list[tuple[str, str, str]]:
    """The demo's sign-ins whose users are there to sign in."""
    logins = [login for _, login, _ in DEMO_SIGN_INS]
    with db.uow() as uow:
        present = set(
            uow.session.scalars(
                select(User.login).where(User.login.in_(logins), User.password_hash.is_not(None))
            )
        )
    return [entry for entry in DEMO_SIGN_INS if entry[1] in present]
