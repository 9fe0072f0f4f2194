from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caredesk.accounts.kinds import ACCOUNT_TRANSITIONS as ACCOUNT_TRANSITIONS
from caredesk.accounts.kinds import AccountStatus as AccountStatus
from caredesk.accounts.kinds import AccountType as AccountType
from caredesk.accounts.kinds import ConsentChannel as ConsentChannel
from caredesk.accounts.kinds import ContactKind as ContactKind
from caredesk.accounts.kinds import ContactLabel as ContactLabel
from caredesk.accounts.kinds import LineStatus as LineStatus
from caredesk.accounts.kinds import PersonRole as PersonRole
from caredesk.accounts.values import ServiceAddress
from caredesk.db.base import Base, UTCDateTime, partial_index


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    type: Mapped[str] = mapped_column(String(20), index=True)
    business_name: Mapped[str | None] = mapped_column(String(200))
    account_manager_id: Mapped[int | None] = mapped_column(ForeignKey("agents.id"), index=True)
    plan_name: Mapped[str | None] = mapped_column(String(100))
    past_due: Mapped[bool] = mapped_column(Boolean, default=False)
    balance: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    address_street: Mapped[str | None] = mapped_column(String(200))
    address_city: Mapped[str | None] = mapped_column(String(100))
    address_region: Mapped[str | None] = mapped_column(String(100))
    address_postal_code: Mapped[str | None] = mapped_column(String(20))
    address_country: Mapped[str | None] = mapped_column(String(2))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    people: Mapped[list[Person]] = relationship(
        back_populates="account", order_by="Person.id", lazy="selectin"
    )
    lines: Mapped[list[Line]] = relationship(order_by="Line.id", lazy="selectin")

    @property
    def priority_handling(self) -> bool:
        """Business accounts are served ahead of the consumer queue."""
        return self.type == AccountType.BUSINESS

    @property
    def service_address(self) -> ServiceAddress:
        return ServiceAddress(
            street=self.address_street,
            city=self.address_city,
            region=self.address_region,
            postal_code=self.address_postal_code,
            country=self.address_country,
            time_zone=self.time_zone,
        )


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (
        # The database, not only the service, keeps a second account holder out, so two
        # simultaneous requests cannot both add one.
        partial_index(
            "uq_people_one_holder", "account_id", unique=True, where="role = 'account_holder'"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20))
    # Salted argon2 hashes; the plain values are never stored, returned or audited.
    pin_hash: Mapped[str | None] = mapped_column(String(200))
    ssn_last4_hash: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    account: Mapped[Account] = relationship(back_populates="people")
    contact_points: Mapped[list[ContactPoint]] = relationship(
        back_populates="person", order_by="ContactPoint.id", lazy="selectin"
    )

    @property
    def has_pin(self) -> bool:
        return self.pin_hash is not None

    @property
    def has_ssn_last4(self) -> bool:
        return self.ssn_last4_hash is not None


class ContactPoint(Base):
    __tablename__ = "contact_points"
    __table_args__ = (
        UniqueConstraint("person_id", "kind", "value", name="uq_contact_points_person_value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    # E.164 for phones, lower-cased for email.
    value: Mapped[str] = mapped_column(String(254), index=True)
    label: Mapped[str | None] = mapped_column(String(20))
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    # Provenance: OB-SCOPE-CUSTOMER needs to know who gave a number, when and on which contact.
    given_by: Mapped[str] = mapped_column(String(40))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime())
    interaction_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    person: Mapped[Person] = relationship(back_populates="contact_points")


class Line(Base):
    __tablename__ = "lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    msisdn: Mapped[str] = mapped_column(String(16), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


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
