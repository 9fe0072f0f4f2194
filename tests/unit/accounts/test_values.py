"""The pure checks behind account inputs, and zone candidates; no database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from caredesk.accounts import values
from caredesk.accounts.checks import conflict_from


@pytest.mark.parametrize(
    "raw",
    ["(212) 555-0123", "212-555-0123", "212.555.0123", "+1 212 555 0123", "1-212-555-0123"],
)
def test_us_numbers_in_any_usual_form_become_e164(raw: str) -> None:
    assert values.normalise_phone(raw) == "+12125550123"


def test_foreign_numbers_keep_their_country() -> None:
    assert values.normalise_phone("+44 20 7183 8750") == "+442071838750"


@pytest.mark.parametrize("raw", ["", "12", "not a number", "+1 555 555 0123", "9" * 300])
def test_invalid_numbers_are_refused_without_echoing_them(raw: str) -> None:
    with pytest.raises(ValueError) as refused:
        values.normalise_phone(raw)
    assert raw not in str(refused.value) or raw == ""


def test_email_is_lower_cased_and_checked() -> None:
    assert values.normalise_email(" Ana@Example.COM ") == "ana@example.com"
    for bad in ("ana", "ana@", "@example.com", "ana@example", "a b@example.com"):
        with pytest.raises(ValueError):
            values.normalise_email(bad)


@pytest.mark.parametrize("zone", ["America/New_York", "Europe/London", "UTC"])
def test_known_zones_pass(zone: str) -> None:
    assert values.check_time_zone(zone) == zone


@pytest.mark.parametrize("zone", ["Mars/Base", "../etc/passwd", "localtime", "a\x00b", ""])
def test_unknown_zones_are_refused(zone: str) -> None:
    with pytest.raises(ValueError):
        values.check_time_zone(zone)


def test_secrets_and_imei_shapes() -> None:
    assert values.check_pin("1234") == "1234"
    assert values.check_pin("12345678") == "12345678"
    assert values.check_imei_last4("3809") == "3809"
    for bad_pin in ("123", "123456789", "12a4", "١٢٣٤", "1234\n"):
        with pytest.raises(ValueError):
            values.check_pin(bad_pin)
    for bad_imei in ("356938035643809", "380", "38o9"):
        with pytest.raises(ValueError) as refused:
            values.check_imei_last4(bad_imei)
        assert bad_imei not in str(refused.value)


def test_account_numbers_and_provenance() -> None:
    assert values.check_account_number(" acc-0001234 ") == "ACC-0001234"
    with pytest.raises(ValueError):
        values.check_account_number("0001234")
    for good in ("customer", "import", "agent:42"):
        assert values.check_given_by(good) == good
    for bad in ("agent:", "agent:x", "neighbour", "customer "):
        with pytest.raises(ValueError):
            values.check_given_by(bad)


def test_instants_must_be_aware_and_in_range() -> None:
    assert values.check_instant(datetime(2026, 1, 1, tzinfo=UTC))
    for bad in (datetime(2026, 1, 1), datetime(1, 1, 1, tzinfo=UTC)):
        with pytest.raises(ValueError):
            values.check_instant(bad)


def test_control_characters_are_refused_but_newlines_kept() -> None:
    assert values.check_text("line one\nline two") == "line one\nline two"
    with pytest.raises(ValueError):
        values.check_text("nul\x00byte")


class _Orig(Exception):
    pass


class _Integrity(Exception):
    def __init__(self, message: str) -> None:
        self.orig = _Orig(message)


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("UNIQUE constraint failed: accounts.number", "number"),
        ('duplicate key value violates unique constraint "uq_accounts_number"', "number"),
        ("UNIQUE constraint failed: people.account_id", "role"),
        ('duplicate key value violates unique constraint "uq_people_one_holder"', "role"),
        ("UNIQUE constraint failed: contact_points.person_id, contact_points.kind", "value"),
        ('duplicate key value violates unique constraint "uq_lines_msisdn"', "msisdn"),
        (
            'duplicate key value violates unique constraint "uq_bills_account_period"',
            "period_start",
        ),
    ],
)
def test_unique_violations_map_to_the_field(message: str, field: str) -> None:
    conflict = conflict_from(_Integrity(message))  # type: ignore[arg-type]
    assert conflict is not None and conflict.field == field


def test_other_integrity_errors_are_not_guessed() -> None:
    assert conflict_from(_Integrity("FOREIGN KEY constraint failed")) is None  # type: ignore[arg-type]
