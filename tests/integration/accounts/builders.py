"""Builders shared by the account tests (integration and API)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from caredesk.accounts.models import Account, ContactPoint, Line, Person
from caredesk.accounts.values import ContactPointSpec, PersonSpec
from caredesk.audit.models import AuditEvent
from caredesk.audit.service import Actor
from caredesk.db.session import Database

ACTOR = Actor.user(1)
PIN = "739164"
SSN_LAST4 = "8642"


def holder(**overrides: Any) -> PersonSpec:
    fields: dict[str, Any] = {
        "first_name": "Ana",
        "last_name": "Lopez",
        "role": "account_holder",
        "pin": PIN,
        "ssn_last4": SSN_LAST4,
        "contact_points": (
            ContactPointSpec(kind="phone", value="(212) 555-0123", label="mobile"),
            ContactPointSpec(kind="email", value="Ana.Lopez@Example.COM"),
        ),
    }
    fields.update(overrides)
    return PersonSpec(**fields)


def counts(db: Database) -> dict[str, int]:
    with db.uow() as uow:
        return {
            model.__tablename__: uow.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Account, Person, ContactPoint, Line, AuditEvent)
        }


AccountMaker = Callable[..., Account]
