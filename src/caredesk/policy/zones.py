"""Which time zone(s) a customer is in (OB-WINDOW).

The account's service-address zone wins when known; next, a zone a person confirmed for the
number (else for the account). Otherwise every zone libphonenumber gives for the number counts, and
the calling window must hold in all of them. Numbers that name no place (toll-free, premium, VoIP,
personal numbers, invalid numbers) give no zone: a person confirms one.

`zones_for` is the one answer to "which zone": the policy's evaluation and the account's zones
endpoint both call it with the same facts.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from caredesk.policy.context import ZoneConfirmation
from caredesk.policy.decision import ZoneSource

UNKNOWN_ZONE = "Etc/Unknown"


class _NumberTypes(NamedTuple):
    placeless: frozenset[int]
    names: dict[int, str]


@lru_cache(maxsize=1)
def _number_types() -> _NumberTypes:
    from phonenumbers import PhoneNumberType

    placeless = frozenset(
        {
            PhoneNumberType.TOLL_FREE,
            PhoneNumberType.PREMIUM_RATE,
            PhoneNumberType.SHARED_COST,
            PhoneNumberType.VOIP,
            PhoneNumberType.PERSONAL_NUMBER,
            PhoneNumberType.PAGER,
            PhoneNumberType.UAN,
            PhoneNumberType.VOICEMAIL,
            PhoneNumberType.UNKNOWN,
        }
    )
    names = {
        value: name.lower().replace("_", "-")
        for name, value in vars(PhoneNumberType).items()
        if name.isupper() and isinstance(value, int)
    }
    return _NumberTypes(placeless, names)


@lru_cache(maxsize=1024)
def zone_info(key: str) -> ZoneInfo | None:
    """The ZoneInfo for an IANA key, or None when the key names no zone."""
    if not key or key == UNKNOWN_ZONE:
        return None
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        return None


class NumberFacts(NamedTuple):
    """What the policy needs to know about one E.164 number, computed once per number."""

    e164: str
    valid: bool
    country_code: int
    region: str | None
    national_number: str
    zones: tuple[str, ...]
    zone_problem: str
    """Why the number gives no usable zone; empty when `zones` is set."""


@lru_cache(maxsize=65536)
def number_facts(e164: str) -> NumberFacts:
    # libphonenumber (its metadata and matchers, a few hundredths of a second) is loaded by the
    # first number looked at, not by every use case that may look at one: an account with a
    # service address, or a call's result, needs none.
    import phonenumbers
    from phonenumbers import timezone as phone_timezone

    if not e164.startswith("+"):
        return NumberFacts(e164, False, 0, None, "", (), f"{e164} is not in E.164 form (+...)")
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return NumberFacts(e164, False, 0, None, "", (), f"{e164} is not a phone number")
    country_code = parsed.country_code or 0
    national = phonenumbers.national_significant_number(parsed)
    region = phonenumbers.region_code_for_number(parsed)
    if not phonenumbers.is_valid_number(parsed):
        return NumberFacts(
            e164, False, country_code, region, national, (), f"{e164} is not a valid number"
        )
    number_type = phonenumbers.number_type(parsed)
    types = _number_types()
    if number_type in types.placeless:
        kind = types.names.get(number_type, "non-geographic")
        problem = f"{e164} is a {kind} number, which names no place"
        return NumberFacts(e164, True, country_code, region, national, (), problem)
    zones = tuple(
        zone for zone in phone_timezone.time_zones_for_number(parsed) if zone_info(zone) is not None
    )
    problem = "" if zones else f"libphonenumber knows no time zone for {e164}"
    return NumberFacts(e164, True, country_code, region, national, zones, problem)


class ZoneResolution(NamedTuple):
    zones: tuple[str, ...]
    """Every zone the window must hold in; empty when unknown."""
    source: ZoneSource | None
    problem: str
    """Why the zone is unknown; empty when `zones` is set."""


@lru_cache(maxsize=65536)
def resolve_zones(
    number: str | None, account_zone: str | None, confirmed_zone: str | None = None
) -> ZoneResolution:
    """The zones OB-WINDOW checks: the account's zone first, then a confirmed zone, else all of
    the number's zones."""
    if account_zone:
        if zone_info(account_zone) is not None:
            return ZoneResolution((account_zone,), ZoneSource.ACCOUNT_ADDRESS, "")
        if number is None and not confirmed_zone:
            return ZoneResolution((), None, f"account zone {account_zone!r} is not an IANA zone")
    if confirmed_zone and zone_info(confirmed_zone) is not None:
        return ZoneResolution((confirmed_zone,), ZoneSource.CONFIRMED, "")
    if number is None:
        return ZoneResolution((), None, "the account has no zone and no number was given")
    facts = number_facts(number)
    if not facts.zones:
        return ZoneResolution((), None, facts.zone_problem)
    return ZoneResolution(facts.zones, ZoneSource.PHONE_NUMBER, "")


def confirmed_zone_for(confirmations: Sequence[ZoneConfirmation], number: str | None) -> str | None:
    """The zone confirmed for ``number``, else for the account; the newest (last) one wins."""
    for confirmation in reversed(confirmations):
        if number is not None and confirmation.number == number:
            return confirmation.zone
    for confirmation in reversed(confirmations):
        if confirmation.number is None:
            return confirmation.zone
    return None


def zones_for(
    number: str | None, account_zone: str | None, confirmations: Sequence[ZoneConfirmation] = ()
) -> ZoneResolution:
    """Which zone(s) calling ``number`` is judged in, from the account's address zone and the
    zones people confirmed."""
    confirmed = confirmed_zone_for(confirmations, number) if confirmations else None
    return resolve_zones(number, account_zone, confirmed)
