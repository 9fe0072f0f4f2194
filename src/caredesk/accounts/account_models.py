"""The account, its people with their contact points, and its lines: the tables other domains'
rows refer to (``db.registry.REFERRED_TABLES``). A command that writes such a row loads these
four and not the rest of the account's tables (devices, bills, consent windows, confirmed
zones: ``accounts.models``, which re-exports these)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caredesk.accounts.kinds import AccountType
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
