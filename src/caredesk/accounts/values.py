"""Plain values and the normalising checks shared by the API schemas and the services.

Each check returns the stored form or raises ``ValueError`` with a sentence that never repeats
the input, so a mistyped PIN cannot end up in an error message or a log line."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import available_timezones

DEFAULT_PHONE_REGION = "US"
MAX_ID = 2_147_483_647  # integer columns are 32-bit on PostgreSQL
ACCOUNT_NUMBER = re.compile(r"^[A-Z]{2,6}-[0-9]{4,10}$")
_EMAIL = re.compile(r"^[^@\s]{1,254}@[^@\s]{1,254}\.[^@\s.]{1,254}$")  # length checked first
_GIVEN_BY = re.compile(r"^(customer|import|agent:[0-9]{1,10})$")
_DIGITS = re.compile(r"^[0-9]{1,64}$")
# Present in some system zone databases but not zones a customer lives in.
_NOT_CUSTOMER_ZONES = frozenset({"localtime", "posixrules", "Factory"})
# The storage range of the timestamp columns; also keeps far-off instants from overflowing when
# converted to UTC.
EARLIEST = 1900
LATEST = 2200


@dataclass(frozen=True)
class ServiceAddress:
    street: str | None = None
    city: str | None = None
    region: str | None = None
    postal_code: str | None = None
    country: str | None = None
    time_zone: str | None = None


@dataclass(frozen=True)
class ContactPointSpec:
    kind: str
    value: str
    label: str | None = None
    verified: bool = False
    given_by: str = "customer"
    given_at: datetime | None = None
    interaction_id: int | None = None
    note: str | None = None


@dataclass(frozen=True)
class PersonSpec:
    first_name: str
    last_name: str
    role: str
    pin: str | None = field(default=None, repr=False)
    ssn_last4: str | None = field(default=None, repr=False)
    contact_points: tuple[ContactPointSpec, ...] = ()


@dataclass(frozen=True)
class LineSpec:
    msisdn: str
    status: str = "active"


@dataclass(frozen=True)
class ProofFacts:
    """OB-PROOF: exactly what an agent may tell a customer who asks whether the call is real."""

    last_bill_amount: Decimal | None
    devices_in_use: list[str]
    last_care_call_date: date | None


def normalise_phone(value: str, region: str = DEFAULT_PHONE_REGION) -> str:
    """Any reasonable way of writing a number -> E.164; national numbers are read as US."""
    # Imported here: its metadata is heavy, and most commands never read a number.
    import phonenumbers

    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("is not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def normalise_email(value: str) -> str:
    value = value.strip().lower()
    if len(value) > 254 or not _EMAIL.fullmatch(value):
        raise ValueError("is not an email address")
    return value


def normalise_contact_value(kind: str, value: str) -> str:
    if kind == "phone":
        return normalise_phone(value)
    if kind == "email":
        return normalise_email(value)
    raise ValueError("kind must be phone or email")


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones()) - _NOT_CUSTOMER_ZONES


def check_time_zone(value: str) -> str:
    if value not in _known_zones():
        raise ValueError("is not an IANA time zone, e.g. America/New_York")
    return value


def check_country(value: str) -> str:
    value = value.upper()
    if len(value) != 2 or not value.isascii() or not value.isalpha():
        raise ValueError("must be an ISO 3166 two-letter country code, e.g. US")
    return value


def check_account_number(value: str) -> str:
    value = value.strip().upper()
    if not ACCOUNT_NUMBER.fullmatch(value):
        raise ValueError("must look like ACC-0001234 (letters, a dash, 4 to 10 digits)")
    return value


def check_pin(value: str) -> str:
    if not _DIGITS.fullmatch(value) or not 4 <= len(value) <= 8:
        raise ValueError("must be 4 to 8 digits")
    return value


def check_ssn_last4(value: str) -> str:
    if not _DIGITS.fullmatch(value) or len(value) != 4:
        raise ValueError("must be exactly the last 4 digits")
    return value


def check_imei_last4(value: str) -> str:
    if not _DIGITS.fullmatch(value) or len(value) != 4:
        raise ValueError("must be exactly the last 4 digits of the IMEI, never the full number")
    return value


def check_given_by(value: str) -> str:
    if not _GIVEN_BY.fullmatch(value):
        raise ValueError('must be "customer", "import" or "agent:<agent id>"')
    return value


def check_instant(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("must include a UTC offset, e.g. 2026-05-01T14:00:00Z")
    if not EARLIEST <= value.year <= LATEST:
        raise ValueError(f"must fall between the years {EARLIEST} and {LATEST}")
    return value


def check_text(value: str) -> str:
    """Refuses control characters (NUL above all, which PostgreSQL cannot store)."""
    if any(unicodedata.category(char) == "Cc" and char not in "\n\t" for char in value):
        raise ValueError("must not contain control characters")
    return value
