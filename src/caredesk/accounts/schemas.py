from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field

from caredesk.accounts.models import (
    AccountStatus,
    AccountType,
    ConsentChannel,
    ContactKind,
    ContactLabel,
    LineStatus,
    PersonRole,
)
from caredesk.accounts.values import (
    MAX_ID,
    ContactPointSpec,
    LineSpec,
    PersonSpec,
    ServiceAddress,
)
from caredesk.schemas import AwareDatetime, Input, Output

RowId = Annotated[int, Field(ge=1, le=MAX_ID)]
Money = Annotated[Decimal, Field(max_digits=12, decimal_places=2)]
TimeZone = Annotated[
    str, Field(max_length=64, description="IANA time zone, e.g. America/New_York.")
]


def _text(max_length: int) -> Any:
    return Field(min_length=1, max_length=max_length)


class ServiceAddressIn(Input):
    street: str | None = Field(default=None, max_length=200)
    city: str | None = Field(default=None, max_length=100)
    region: str | None = Field(default=None, max_length=100, description="State or region.")
    postal_code: str | None = Field(default=None, max_length=20)
    country: str | None = Field(default=None, max_length=2, description="ISO 3166 code, e.g. US.")
    time_zone: TimeZone | None = None

    def to_value(self) -> ServiceAddress:
        return ServiceAddress(**self.model_dump())


class ContactPointCreate(Input):
    kind: ContactKind
    value: str = Field(
        min_length=1,
        max_length=254,
        description="A phone number in any usual form (national numbers are read as US; "
        "stored as E.164) or an email address (stored lower-cased).",
    )
    label: ContactLabel | None = None
    verified: bool = False
    given_by: str = Field(
        default="customer",
        max_length=40,
        pattern=r"^(customer|import|agent:[0-9]{1,10})$",
        description='Who gave it: "customer", "agent:<agent id>" or "import".',
    )
    given_at: AwareDatetime | None = Field(default=None, description="Defaults to now.")
    interaction_id: RowId | None = Field(default=None, description="The contact it was given on.")
    note: str | None = Field(default=None, max_length=500)

    def to_spec(self) -> ContactPointSpec:
        return ContactPointSpec(**self.model_dump())


class PersonCreate(Input):
    first_name: str = _text(100)
    last_name: str = _text(100)
    role: PersonRole = PersonRole.AUTHORISED_USER
    pin: str | None = Field(
        default=None,
        max_length=8,
        pattern=r"^[0-9]{4,8}$",
        repr=False,
        description="PIN/passcode, 4 to 8 digits. Stored only as a salted hash; never returned.",
    )
    ssn_last4: str | None = Field(
        default=None,
        max_length=4,
        pattern=r"^[0-9]{4}$",
        repr=False,
        description="Last 4 of the SSN. Stored only as a salted hash; never returned.",
    )
    contact_points: list[ContactPointCreate] = Field(default_factory=list, max_length=20)

    def to_spec(self) -> PersonSpec:
        return PersonSpec(
            first_name=self.first_name,
            last_name=self.last_name,
            role=self.role,
            pin=self.pin,
            ssn_last4=self.ssn_last4,
            contact_points=tuple(c.to_spec() for c in self.contact_points),
        )


class LineCreate(Input):
    msisdn: str = Field(min_length=1, max_length=32, description="Stored as E.164.")
    status: LineStatus = LineStatus.ACTIVE

    def to_spec(self) -> LineSpec:
        return LineSpec(msisdn=self.msisdn, status=self.status)


class AccountCreate(Input):
    number: str = Field(min_length=1, max_length=20, description="e.g. ACC-0001234")
    type: AccountType = AccountType.CONSUMER
    business_name: str | None = Field(default=None, max_length=200)
    account_manager_id: RowId | None = Field(
        default=None, description="Business accounts only: the agent who manages it."
    )
    plan_name: str | None = Field(default=None, max_length=100)
    past_due: bool = False
    balance: Money = Decimal("0.00")
    service_address: ServiceAddressIn | None = None
    people: list[PersonCreate] = Field(
        default_factory=list,
        max_length=20,
        description="When given, exactly one is the account_holder.",
    )
    lines: list[LineCreate] = Field(default_factory=list, max_length=50)

    def service_arguments(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "type": self.type,
            "business_name": self.business_name,
            "account_manager_id": self.account_manager_id,
            "plan_name": self.plan_name,
            "past_due": self.past_due,
            "balance": self.balance,
            "service_address": self.service_address.to_value() if self.service_address else None,
            "people": [p.to_spec() for p in self.people],
            "lines": [line.to_spec() for line in self.lines],
        }


class AccountStatusChange(Input):
    status: AccountStatus
    reason: str = _text(500)


class DeviceCreate(Input):
    make: str = _text(60)
    model: str = _text(80)
    line_id: RowId | None = Field(default=None, description="The line the device serves.")
    imei_last4: str | None = Field(
        default=None,
        max_length=4,
        pattern=r"^[0-9]{4}$",
        description="Only the last 4 digits of the IMEI; a full IMEI is refused.",
    )


class BillCreate(Input):
    period_start: date
    period_end: date
    amount: Money = Field(ge=0)
    due_date: date
    paid_at: AwareDatetime | None = None


class ConsentCreate(Input):
    person_id: RowId = Field(description="Who agreed to be called.")
    window_start: AwareDatetime
    window_end: AwareDatetime
    channel: ConsentChannel = Field(description="How the agreement was given.")
    given_at: AwareDatetime | None = Field(default=None, description="Defaults to now.")
    callback_id: RowId | None = None
    time_zone: TimeZone | None = None
    expires_at: AwareDatetime | None = Field(
        default=None, description="Defaults to the end of the window."
    )


class ServiceAddressRead(Output):
    street: str | None
    city: str | None
    region: str | None
    postal_code: str | None
    country: str | None
    time_zone: str | None


class ContactPointRead(Output):
    id: int
    kind: ContactKind
    value: str
    label: ContactLabel | None
    verified: bool
    given_by: str
    given_at: datetime
    interaction_id: int | None
    note: str | None
    created_at: datetime


class PersonRead(Output):
    id: int
    account_id: int
    first_name: str
    last_name: str
    role: PersonRole
    has_pin: bool = Field(description="Whether a PIN/passcode is on file (never the PIN).")
    has_ssn_last4: bool
    contact_points: list[ContactPointRead]
    created_at: datetime

    def for_customer(self) -> PersonRead:
        """As the customer sees it: the staff's notes on contact points are internal."""
        points = [point.model_copy(update={"note": None}) for point in self.contact_points]
        return self.model_copy(update={"contact_points": points})


class LineRead(Output):
    id: int
    account_id: int
    msisdn: str
    status: LineStatus
    created_at: datetime


class AccountRead(Output):
    id: int
    number: str
    status: AccountStatus
    type: AccountType
    priority_handling: bool = Field(description="Business accounts are served first.")
    business_name: str | None
    account_manager_id: int | None
    plan_name: str | None
    past_due: bool
    balance: Decimal
    service_address: ServiceAddressRead
    created_at: datetime


class AccountDetail(AccountRead):
    people: list[PersonRead]
    lines: list[LineRead]

    def for_customer(self) -> AccountDetail:
        return self.model_copy(update={"people": [p.for_customer() for p in self.people]})


class DeviceRead(Output):
    id: int
    account_id: int
    line_id: int | None
    make: str
    model: str
    imei_last4: str | None
    created_at: datetime


class BillRead(Output):
    id: int
    account_id: int
    period_start: date
    period_end: date
    amount: Decimal
    due_date: date
    paid: bool
    paid_at: datetime | None
    created_at: datetime


class ConsentAgreementRead(Output):
    """The customer's agreement: which person, through which channel, when."""

    person_id: int
    name: str
    role: str
    channel: ConsentChannel
    at: datetime


class ConsentRead(Output):
    id: int
    account_id: int
    person_id: int
    given_at: datetime
    window_start: datetime
    window_end: datetime
    channel: ConsentChannel
    callback_id: int | None
    time_zone: str | None
    expires_at: datetime | None
    closed_at: datetime | None
    recorded_by: str
    created_at: datetime
    agreed_by: ConsentAgreementRead = Field(description="The customer who agreed.")
    entered_by: str = Field(description="Who entered the agreement (same as recorded_by).")


class ProofFactsRead(Output):
    """OB-PROOF: what may be said to prove the call is from the carrier, and nothing else."""

    last_bill_amount: Decimal | None
    devices_in_use: list[str]
    last_care_call_date: date | None


class ZonesRead(Output):
    """The zones OB-WINDOW reads calling hours in for this number: the very answer the policy
    gives (one lookup feeds both)."""

    number: str | None = Field(description="The number judged (E.164), when there is one.")
    zones: list[str]
    source: str = Field(
        description='"account_address", "confirmed", "phone_number" or "unknown" (a person '
        "must confirm the zone before the customer is called)."
    )
    problem: str | None = Field(description="Why the zone is unknown.")
    confirmed_by: str | None = Field(description="Who confirmed the zone in use, if anyone.")
    confirmed_at: datetime | None


class ZoneConfirmationCreate(Input):
    zone: TimeZone
    number: str | None = Field(
        default=None,
        max_length=32,
        description="A line or contact point of the account (any usual form); without it the "
        "zone is confirmed for the whole account.",
    )
    note: str | None = Field(default=None, max_length=500, description="How it was confirmed.")


class ZoneConfirmationRead(Output):
    id: int
    account_id: int
    number: str | None
    zone: str
    note: str | None
    confirmed_by: str
    confirmed_at: datetime
