"""Loads deterministic synthetic data: the same seed and date give the same accounts, people,
numbers, tickets and memos. Accounts go in with bulk inserts so that 100,000 of them load in
minutes; agents and users go through their services like any other."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import phonenumbers
from sqlalchemy import Table, func, insert, select, text

from caredesk.accounts.models import Account, Bill, ContactPoint, Device, Line, Person
from caredesk.agents import service as agents
from caredesk.agents.shifts import Shift
from caredesk.audit.service import Actor, record
from caredesk.db.session import Database, UnitOfWork
from caredesk.demo import catalogue as cat
from caredesk.interactions.models import Interaction
from caredesk.memos.models import Memo
from caredesk.security import current_pepper, hash_account_secret
from caredesk.tickets.models import Ticket, TicketUpdate
from caredesk.tickets.rules import case_number_for
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


def month_start(day: date, *, months_back: int) -> date:
    """The first day of the calendar month ``months_back`` months before ``day``'s month."""
    index = day.year * 12 + (day.month - 1) - months_back
    return date(index // 12, index % 12 + 1, 1)


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
            ids = _next_ids(uow)
            used_numbers = _existing_numbers(uow)
            remaining = accounts
            first = ids["accounts"]
            while remaining > 0:
                size = min(BATCH, remaining)
                batch = _generate_batch(rng, first, size, ids, noon, staff, used_numbers)
                _hash_secrets(batch["people"], pool)
                _insert_batch(uow, batch)
                for key in batch:
                    report.counts[key] = report.counts.get(key, 0) + len(batch[key])
                first += size
                remaining -= size
                if progress:
                    progress(size)
            _bump_sequences(uow)
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


@dataclass(frozen=True)
class StaffRef:
    id: int
    name: str
    lob: str


def _ensure_staff(uow: UnitOfWork, rng: random.Random, report: LoadReport) -> list[StaffRef]:
    """Agents in every line of business with weekday shifts, a leader for each, and users."""
    existing = uow.session.scalar(select(func.count()).select_from(_table("agents")))
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
    agents_table = _table("agents")
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


# --- accounts ----------------------------------------------------------------------------------

TABLE_ORDER = (
    ("accounts", Account),
    ("people", Person),
    ("contact_points", ContactPoint),
    ("lines", Line),
    ("devices", Device),
    ("bills", Bill),
    ("tickets", Ticket),
    ("ticket_updates", TicketUpdate),
    ("interactions", Interaction),
    ("memos", Memo),
)


def _table(name: str) -> Table:
    from caredesk.db.base import Base

    return Base.metadata.tables[name]


def _next_ids(uow: UnitOfWork) -> dict[str, int]:
    return {
        name: (uow.session.scalar(select(func.max(model.id))) or 0) + 1
        for name, model in TABLE_ORDER
    }


def _existing_numbers(uow: UnitOfWork) -> set[str]:
    """Lines already stored, so that a second load never hands out a number twice."""
    return set(uow.session.scalars(select(Line.msisdn)))


def _phone(rng: random.Random, area_code: int) -> str:
    while True:
        exchange = rng.randint(200, 999)
        subscriber = rng.randint(0, 9999)
        if exchange == 555 or exchange % 100 == 11:
            continue
        e164 = f"+1{area_code}{exchange}{subscriber:04d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(e164)):
            return e164


def _international(rng: random.Random) -> str:
    for _ in range(50):
        _country, prefix, digits = rng.choice(cat.INTERNATIONAL)
        e164 = prefix + "".join(str(rng.randint(0, 9)) for _ in range(digits))
        if phonenumbers.is_valid_number(phonenumbers.parse(e164)):
            return e164
    raise RuntimeError("no valid international number could be made")  # pragma: no cover


def _generate_batch(
    rng: random.Random,
    first_account: int,
    size: int,
    ids: dict[str, int],
    noon: datetime,
    staff: Sequence[StaffRef],
    used_numbers: set[str],
) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in TABLE_ORDER}

    def next_id(table: str) -> int:
        value = ids[table]
        ids[table] = value + 1
        return value

    for account_id in range(first_account, first_account + size):
        ids["accounts"] = account_id + 1
        zone, state, cities, area_codes = rng.choice(cat.PLACES)
        area_code = rng.choice(area_codes)
        business = rng.random() < 0.08
        created = noon - timedelta(days=rng.randint(30, 3000), minutes=rng.randint(0, 1439))
        # Split-zone numbers mostly come without an address zone: the window must then hold in
        # every zone of the number.
        known_zone = rng.random() < (0.3 if area_code in cat.SPLIT_ZONE_AREA_CODES else 0.75)
        past_due = rng.random() < 0.12
        rows["accounts"].append(
            {
                "id": account_id,
                "number": f"ACC-{account_id:07d}",
                "status": "active" if rng.random() < 0.95 else "suspended",
                "type": "business" if business else "consumer",
                "business_name": rng.choice(cat.BUSINESSES) if business else None,
                "account_manager_id": staff[0].id if business and staff else None,
                "plan_name": cat.BUSINESS_PLAN if business else rng.choice(cat.PLANS),
                "past_due": past_due,
                "balance": Decimal(rng.randint(4000, 30000) if past_due else 0) / 100,
                "address_street": f"{rng.randint(1, 9999)} {rng.choice(cat.STREETS)}",
                "address_city": rng.choice(cities),
                "address_region": state,
                "address_postal_code": f"{rng.randint(501, 99950):05d}",
                "address_country": "US",
                "time_zone": zone if known_zone else None,
                "created_at": created,
            }
        )
        holder_first, holder_last = rng.choice(cat.FIRST_NAMES), rng.choice(cat.LAST_NAMES)
        people = [(holder_first, holder_last, "account_holder")]
        if rng.random() < 0.3:
            people.append((rng.choice(cat.FIRST_NAMES), holder_last, "authorised_user"))
        msisdns: list[str] = []
        for line_index in range(rng.choice((1, 1, 2, 2, 3, 4))):
            msisdn = _phone(rng, area_code)
            while msisdn in used_numbers:
                msisdn = _phone(rng, area_code)
            used_numbers.add(msisdn)
            line_id = next_id("lines")
            msisdns.append(msisdn)
            rows["lines"].append(
                {
                    "id": line_id,
                    "account_id": account_id,
                    "msisdn": msisdn,
                    "status": "active",
                    "created_at": created + timedelta(minutes=line_index),
                }
            )
            make, model = rng.choice(cat.DEVICES)
            rows["devices"].append(
                {
                    "id": next_id("devices"),
                    "account_id": account_id,
                    "line_id": line_id,
                    "make": make,
                    "model": model,
                    "imei_last4": f"{rng.randint(0, 9999):04d}",
                    "created_at": created + timedelta(minutes=line_index),
                }
            )
        for person_index, (first, last, role) in enumerate(people):
            person_id = next_id("people")
            rows["people"].append(
                {
                    "id": person_id,
                    "account_id": account_id,
                    "first_name": first,
                    "last_name": last,
                    "role": role,
                    # Plain values only live until _hash_secrets replaces them.
                    "pin_hash": f"{rng.randint(0, 999999):06d}" if person_index == 0 else None,
                    "ssn_last4_hash": f"{rng.randint(0, 9999):04d}" if person_index == 0 else None,
                    "created_at": created,
                }
            )
            mobile = msisdns[min(person_index, len(msisdns) - 1)]
            points: list[tuple[str, str, str | None]] = [("phone", mobile, "mobile")]
            if person_index == 0:
                email = f"{first}.{last}{account_id}@example.com".lower()
                points.append(("email", email, None))
                if rng.random() < 0.05:
                    points.append(("phone", _international(rng), "alternate"))
            for kind, value, label in points:
                rows["contact_points"].append(
                    {
                        "id": next_id("contact_points"),
                        "person_id": person_id,
                        "kind": kind,
                        "value": value,
                        "label": label,
                        "verified": kind == "phone" and label == "mobile",
                        "given_by": "import",
                        "given_at": created,
                        "interaction_id": None,
                        "note": None,
                        "created_at": created,
                    }
                )
        # The three calendar months before the current one, newest first.
        for month in range(3):
            start = month_start(noon.date(), months_back=month + 1)
            end = month_start(noon.date(), months_back=month) - timedelta(days=1)
            paid = month > 0 or not past_due
            rows["bills"].append(
                {
                    "id": next_id("bills"),
                    "account_id": account_id,
                    "period_start": start,
                    "period_end": end,
                    "amount": Decimal(rng.randint(3500, 24000)) / 100,
                    "due_date": end + timedelta(days=21),
                    "paid_at": datetime.combine(end + timedelta(days=15), time(15), UTC)
                    if paid
                    else None,
                    "created_at": datetime.combine(end + timedelta(days=1), time(6), UTC),
                }
            )
        kind = "business" if business else "consumer"
        _contacts(rng, rows, next_id, account_id, kind, noon, staff, holder_first)
    return rows


def _contacts(
    rng: random.Random,
    rows: dict[str, list[dict[str, Any]]],
    next_id: Callable[[str], int],
    account_id: int,
    account_type: str,
    noon: datetime,
    staff: Sequence[StaffRef],
    holder_first: str,
) -> None:
    """Past Care calls with their memos, and for some accounts an open ticket, about something
    an account of this type calls about."""
    care = [s for s in staff if s.lob == "care"] or list(staff)
    ticket_number: str | None = None
    fitting = [reason for reason in cat.CONTACT_REASONS if account_type in reason[0]]
    _fits, queue, subject, description, reason = rng.choice(fitting)
    if rng.random() < 0.2:
        ticket_id = next_id("tickets")
        ticket_number = case_number_for(ticket_id)
        opened = noon - timedelta(hours=rng.randint(1, 240))
        priority = rng.choice(("low", "normal", "normal", "high"))
        hours = {"low": 120, "normal": 72, "high": 24, "urgent": 4}[priority]
        assignee = rng.choice(staff) if staff and rng.random() < 0.6 else None
        rows["tickets"].append(
            {
                "id": ticket_id,
                "case_number": ticket_number,
                "account_id": account_id,
                "subject": subject,
                "description": description,
                "status": rng.choice(("new", "open", "open", "pending_customer")),
                "priority": priority,
                "queue": queue,
                "assignee_id": assignee.id if assignee else None,
                "sla_due_at": opened + timedelta(hours=hours),
                "reopen_count": 0,
                "created_by": "system:demo",
                "created_at": opened,
                "updated_at": opened,
            }
        )
        rows["ticket_updates"].append(
            {
                "id": next_id("ticket_updates"),
                "ticket_id": ticket_id,
                "kind": "comment",
                "body": f"Opened from a Care call: {reason.lower()}.",
                "author": "system:demo",
                "internal": False,
                "details": None,
                "at": opened,
            }
        )
    for call in range(rng.choice((1, 1, 2, 3))):
        agent = rng.choice(care) if care else None
        started = noon - timedelta(days=rng.randint(1, 120), minutes=rng.randint(0, 600))
        interaction_id = next_id("interactions")
        rows["interactions"].append(
            {
                "id": interaction_id,
                "channel": "voice",
                "direction": "inbound",
                "started_at": started,
                "ended_at": started + timedelta(minutes=rng.randint(3, 40)),
                "disposition": rng.choice(("resolved", "resolved", "dropped", "transferred")),
                "agent_id": agent.id if agent else None,
                "account_id": account_id,
                "ticket_id": None,
                "from_address": None,
                "to_address": None,
                "created_at": started,
            }
        )
        rows["memos"].append(
            {
                "id": next_id("memos"),
                "account_id": account_id,
                "kind": "care_call",
                "author_user_id": None,
                "author_agent_id": agent.id if agent else None,
                "author_name": agent.name if agent else "Care",
                "reason": reason,
                "ticket_numbers": [ticket_number] if ticket_number and call == 0 else [],
                "summary": f"{holder_first} called about: {description.lower()} "
                "Walked through the first troubleshooting steps.",
                "customer_response": "Customer agreed to try the steps and call back if needed.",
                "interaction_id": interaction_id,
                "created_at": started + timedelta(minutes=2),
            }
        )


def _hash_secrets(people: list[dict[str, Any]], pool: ProcessPoolExecutor | None) -> None:
    plain = [(row["pin_hash"], row["ssn_last4_hash"]) for row in people]
    values = [value for pair in plain for value in pair if value is not None]
    if pool:
        # The pepper goes along explicitly: a worker process may not have loaded it.
        peppered = partial(hash_account_secret, pepper=current_pepper())
        hashed = iter(list(pool.map(peppered, values, chunksize=256)))
    else:
        hashed = iter([hash_account_secret(value) for value in values])
    for row in people:
        for key in ("pin_hash", "ssn_last4_hash"):
            if row[key] is not None:
                row[key] = next(hashed)


def _insert_batch(uow: UnitOfWork, batch: dict[str, list[dict[str, Any]]]) -> None:
    for name, _model in TABLE_ORDER:
        if batch[name]:
            uow.session.execute(insert(_table(name)), batch[name])


def _bump_sequences(uow: UnitOfWork) -> None:
    """Explicit ids leave PostgreSQL's sequences behind; move them past the loaded rows."""
    if uow.dialect != "postgresql":
        return
    for name, _model in TABLE_ORDER:
        uow.session.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {name}), 0) + 1, false)"
            )
        )
