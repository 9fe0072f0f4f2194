"""The rows of the demo's accounts, generated in batches for bulk inserts: accounts, people and
their contact points, lines, devices, bills, tickets, interactions and memos, with the numbers
valid and never handed out twice."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import phonenumbers
from sqlalchemy import Table, func, insert, select, text

from caredesk.accounts.models import Account, Bill, ContactPoint, Device, Line, Person
from caredesk.db.session import UnitOfWork
from caredesk.demo import catalogue as cat
from caredesk.interactions.models import Interaction
from caredesk.memos.models import Memo
from caredesk.security import current_pepper, hash_account_secret
from caredesk.tickets.models import Ticket, TicketUpdate
from caredesk.tickets.numbers import case_number_for


def month_start(day: date, *, months_back: int) -> date:
    """The first day of the calendar month ``months_back`` months before ``day``'s month."""
    index = day.year * 12 + (day.month - 1) - months_back
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class StaffRef:
    id: int
    name: str
    lob: str


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


def table(name: str) -> Table:
    from caredesk.db.base import Base

    return Base.metadata.tables[name]


def next_ids(uow: UnitOfWork) -> dict[str, int]:
    return {
        name: (uow.session.scalar(select(func.max(model.id))) or 0) + 1
        for name, model in TABLE_ORDER
    }


def existing_numbers(uow: UnitOfWork) -> set[str]:
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


def generate_batch(
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


def hash_secrets(people: list[dict[str, Any]], pool: ProcessPoolExecutor | None) -> None:
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


def insert_batch(uow: UnitOfWork, batch: dict[str, list[dict[str, Any]]]) -> None:
    for name, _model in TABLE_ORDER:
        if batch[name]:
            uow.session.execute(insert(table(name)), batch[name])


def bump_sequences(uow: UnitOfWork) -> None:
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
