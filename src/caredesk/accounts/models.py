"""The account domain's tables. The account, its people, their contact points and its lines are
declared in ``accounts.account_models`` (what other domains' rows refer to, loaded alone by a
command that writes such a row) and named here with the rest."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caredesk.accounts.account_models import Account as Account
from caredesk.accounts.account_models import ContactPoint as ContactPoint
from caredesk.accounts.account_models import Line as Line
from caredesk.accounts.account_models import Person as Person
from caredesk.accounts.kinds import ACCOUNT_TRANSITIONS as ACCOUNT_TRANSITIONS
from caredesk.accounts.kinds import AccountStatus as AccountStatus
from caredesk.accounts.kinds import AccountType as AccountType
from caredesk.accounts.kinds import ConsentChannel as ConsentChannel
from caredesk.accounts.kinds import ContactKind as ContactKind
from caredesk.accounts.kinds import ContactLabel as ContactLabel
from caredesk.accounts.kinds import LineStatus as LineStatus
from caredesk.accounts.kinds import PersonRole as PersonRole
from caredesk.db.base import Base, UTCDateTime


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    line_id: Mapped[int | None] = mapped_column(ForeignKey("lines.id"), index=True)
    make: Mapped[str] = mapped_column(String(60))
    model: Mapped[str] = mapped_column(String(80))
    # Only the last four digits: enough to confirm a handset, not enough to clone one.
    imei_last4: Mapped[str | None] = mapped_column(String(4))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    line: Mapped[Line | None] = relationship(lazy="joined")


class Bill(Base):
    __tablename__ = "bills"
    __table_args__ = (
        UniqueConstraint("account_id", "period_start", name="uq_bills_account_period"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    due_date: Mapped[date] = mapped_column(Date)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    @property
    def paid(self) -> bool:
        return self.paid_at is not None


class ConsentWindow(Base):
    """A customer's agreement to be called inside a window; it replaces the default calling
    hours for one callback (OB-WINDOW) and stops counting once closed or expired."""

    __tablename__ = "consent_windows"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    given_at: Mapped[datetime] = mapped_column(UTCDateTime())
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    channel: Mapped[str] = mapped_column(String(10))
    callback_id: Mapped[int | None] = mapped_column(Integer, index=True)
    time_zone: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    # The customer who agreed is `person`; the staff member or system who entered it is
    # `recorded_by`. Explanations and the API name both, never one for the other.
    person: Mapped[Person] = relationship(lazy="joined", viewonly=True)

    @property
    def agreed_by(self) -> dict[str, object]:
        """Who agreed, through which channel, when."""
        return {
            "person_id": self.person_id,
            "name": f"{self.person.first_name} {self.person.last_name}",
            "role": self.person.role,
            "channel": self.channel,
            "at": self.given_at,
        }

    @property
    def entered_by(self) -> str:
        return self.recorded_by


class ConfirmedZone(Base):
    """A person confirmed the time zone of an account or of one of its numbers (OB-WINDOW's
    "confirm zone" step). Kept, never changed: a later confirmation for the same number (or
    the account) supersedes it."""

    __tablename__ = "zone_confirmations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    # E.164; None for the account as a whole.
    number: Mapped[str | None] = mapped_column(String(16))
    zone: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(500))
    confirmed_by: Mapped[str] = mapped_column(String(120))
    confirmed_at: Mapped[datetime] = mapped_column(UTCDateTime())
