"""Zone resolution from the account and the number; dial strings from E.164."""

from __future__ import annotations

import pytest

from caredesk.policy import (
    DialStringError,
    ZoneSource,
    dial_string,
    is_international,
    resolve_zones,
)
from caredesk.policy.config import DOMESTIC_REGIONS


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
