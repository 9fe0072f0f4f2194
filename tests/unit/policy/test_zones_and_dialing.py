"""Zone resolution from the account and the number; dial strings from E.164."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caredesk.policy import (
    ContactPoint,
    DialStringError,
    EffectiveZone,
    RequiredStep,
    StepKind,
    ZoneResolution,
    ZoneSource,
    dial_string,
    is_international,
    resolve_zones,
    zones_for,
)
from caredesk.policy.config import DOMESTIC_REGIONS
from caredesk.policy.context import ZoneConfirmation
from caredesk.policy.zones import confirmed_zone_for

from .cases import NOW, base, change, decide


def test_the_account_zone_comes_first() -> None:
    resolution = resolve_zones("+13035550123", "America/New_York")
    assert resolution.zones == ("America/New_York",)
    assert resolution.source is ZoneSource.ACCOUNT_ADDRESS


def test_every_zone_of_the_number_counts() -> None:
    resolution = resolve_zones("+19075550123", None)
    assert resolution.zones == ("America/Adak", "America/Anchorage")
    assert resolution.source is ZoneSource.PHONE_NUMBER


@pytest.mark.parametrize(
    ("number", "problem"),
    [
        ("+18005550199", "toll-free number"),
        ("+19995550123", "not a valid number"),
        ("3035550123", "not in E.164 form"),
    ],
)
def test_numbers_without_a_place_give_no_zone(number: str, problem: str) -> None:
    resolution = resolve_zones(number, None)
    assert resolution.zones == ()
    assert resolution.source is None
    assert problem in resolution.problem


def test_no_account_zone_and_no_number_is_unknown() -> None:
    assert resolve_zones(None, None).zones == ()


@pytest.mark.parametrize(
    ("number", "dialled"),
    [
        ("+13035550123", "3035550123"),  # NANP: 10 digits
        ("+16715550123", "6715550123"),  # Guam is NANP too
        ("+447911123456", "011447911123456"),
        ("+390612345678", "011390612345678"),  # Rome keeps its leading 0
        ("+5511987654321", "0115511987654321"),
    ],
)
def test_dial_strings(number: str, dialled: str) -> None:
    assert dial_string(number) == dialled
    assert not dial_string(number).startswith("9")


def test_dial_string_refuses_an_invalid_number() -> None:
    with pytest.raises(DialStringError):
        dial_string("+19995550123")


def test_international_follows_the_destination_not_the_format() -> None:
    assert not is_international("+13035550123", DOMESTIC_REGIONS)
    assert not is_international("+17875550123", DOMESTIC_REGIONS)  # Puerto Rico
    assert is_international("+14165550123", DOMESTIC_REGIONS)  # Toronto, 10 digits
    assert is_international("+447911123456", DOMESTIC_REGIONS)


TOLL_FREE = "+18005550123"
CONFIRMED = (
    ZoneConfirmation("America/Chicago"),  # for the account
    ZoneConfirmation("America/Denver", TOLL_FREE),
    ZoneConfirmation("America/Phoenix", "+13035550123"),
    ZoneConfirmation("Pacific/Honolulu", TOLL_FREE),  # newer, for the same number
)


def test_a_zone_confirmed_for_the_number_wins_and_the_newest_one() -> None:
    resolution = zones_for(TOLL_FREE, None, CONFIRMED)
    assert resolution == ZoneResolution(("Pacific/Honolulu",), ZoneSource.CONFIRMED, "")
    assert confirmed_zone_for(CONFIRMED, TOLL_FREE) == "Pacific/Honolulu"


def test_without_one_for_the_number_the_account_confirmation_counts() -> None:
    assert zones_for("+18885550123", None, CONFIRMED).zones == ("America/Chicago",)
    later = (*CONFIRMED, ZoneConfirmation("America/New_York"))
    assert confirmed_zone_for(later, "+18885550123") == "America/New_York"
    # No number: only the account's confirmation can answer.
    assert confirmed_zone_for(CONFIRMED, None) == "America/Chicago"
    assert confirmed_zone_for(CONFIRMED[1:], "+18885550123") is None
    assert confirmed_zone_for((), TOLL_FREE) is None


def test_the_account_address_zone_still_comes_before_a_confirmation() -> None:
    resolution = zones_for(TOLL_FREE, "America/New_York", CONFIRMED)
    assert resolution.zones == ("America/New_York",)
    assert resolution.source is ZoneSource.ACCOUNT_ADDRESS
    # An account zone that names no place gives way to the confirmation, then to the number.
    assert zones_for(TOLL_FREE, "Mars/Olympus", CONFIRMED).zones == ("Pacific/Honolulu",)
    assert zones_for("+13035550123", "Mars/Olympus").zones == ("America/Denver",)
    unknown = zones_for(None, "Mars/Olympus")
    assert unknown.zones == () and unknown.source is None
    assert unknown.problem == "account zone 'Mars/Olympus' is not an IANA zone"


def test_a_confirmation_naming_no_zone_is_passed_over() -> None:
    assert zones_for(TOLL_FREE, None, (ZoneConfirmation("Etc/Unknown", TOLL_FREE),)).zones == ()
    assert zones_for("+13035550123", None, (ZoneConfirmation("Nowhere/Land"),)).zones == (
        "America/Denver",
    )


def test_the_decision_judges_a_confirmed_number_in_its_confirmed_zone() -> None:
    ctx = change(
        base(),
        **{
            "dial.number": TOLL_FREE,
            "customer.contact_points": (ContactPoint(TOLL_FREE),),
            "customer.confirmed_zones": CONFIRMED,
        },
    )
    # 18:00 UTC is 08:00 in Honolulu, the newest confirmation (11:00 in Denver, the older one).
    decision = decide(ctx)
    assert decision.zones == (EffectiveZone("Pacific/Honolulu", ZoneSource.CONFIRMED),)
    window = decision.result_for("OB-WINDOW")
    assert window is not None and not window.passed
    assert window.sentence.startswith("08:00 Pacific/Honolulu is outside 09:00-20:00")
    assert decision.next_allowed_at == NOW + timedelta(hours=1)
    # Without the confirmations the toll-free number has no zone: confirm it first.
    unconfirmed = change(ctx, **{"customer.confirmed_zones": ()})
    result = decide(unconfirmed).result_for("OB-WINDOW")
    assert result is not None and not result.passed
    assert result.required_steps == (RequiredStep(StepKind.CONFIRM_ZONE),)
