"""Where the secret finder draws its lines: a number continued as a time, date, amount or
percentage is not a PIN; values chained after a PIN label are PINs too; the card rule on its own;
and the refusal's wording."""

from __future__ import annotations

import pytest

from caredesk.errors import ValidationFailed
from caredesk.policy.pii_text import is_card_number
from caredesk.privacy import PiiKind, find_pii, has_secret, refuse_secrets


def _spans(text: str) -> list[tuple[int, int, PiiKind]]:
    return [(finding.start, finding.end, finding.kind) for finding in find_pii(text)]


@pytest.mark.parametrize(
    "text",
    [
        "pin was reset to 12:30",  # a time
        "pin was reset to 2024/03",  # a date
        "pin was reset to 1,250",  # an amount
        "pin was reset to 1234,5678",
        "pin was reset to 1234%",  # a percentage
        "pin was reset to $1234",  # money
        "pin was reset to 12/1234",  # the end of a date
        "pin was reset to 3.1234",  # a decimal
    ],
)
def test_a_number_that_goes_on_as_a_time_date_amount_or_percentage_is_not_a_pin(
    text: str,
) -> None:
    assert find_pii(text) == ()
    assert not has_secret(text)


@pytest.mark.parametrize(
    "text",
    ["pin was reset to 1234.", "pin was reset to 1234, thanks", "pin was reset to 1234:"],
)
def test_punctuation_that_ends_the_number_leaves_it_a_pin(text: str) -> None:
    assert _spans(text) == [(17, 21, PiiKind.PIN)]
    assert has_secret(text)


@pytest.mark.parametrize(
    ("text", "spans"),
    [
        ("pin was reset to 1111 or 2222", [(17, 21), (25, 29)]),
        ("pin was reset to 1234 / 5678", [(17, 21), (24, 28)]),
        ("pin 1111, 2222", [(4, 8), (10, 14)]),
        ("pin 1234 ,5678", [(4, 8), (10, 14)]),
        # Not a connector, or a connector to something else: the chain stops.
        ("pin 1111 or call 2222", [(4, 8)]),
        ("pin 1111 % 2222", [(4, 8)]),
        ("pin 1111 x 2222", [(4, 8)]),
        ("pin 1111 to 22", [(4, 8)]),
    ],
)
def test_values_chained_after_a_pin_label_are_pins_too(
    text: str, spans: list[tuple[int, int]]
) -> None:
    assert _spans(text) == [(start, end, PiiKind.PIN) for start, end in spans]


@pytest.mark.parametrize(
    ("digits", "card"),
    [
        ("4111111111111111", True),
        ("4222222222222", True),  # 13 digits
        ("6221261234567890129", True),  # 19 digits
        ("40000000000000000002", False),  # 20 digits pass Luhn but are no card
        ("400000000002", False),  # 12
        ("340000000000009", True),  # Amex, 15 digits
        ("378282246310005", True),
        ("350000000000003", False),  # 15 digits, not Amex
        ("1234567812345670", False),  # passes Luhn, airline range
        ("7234567812345678", False),
        ("4111111111111112", False),  # fails Luhn
    ],
)
def test_the_card_rule(digits: str, card: bool) -> None:
    assert is_card_number(digits) is card


def test_an_amex_number_in_text_is_masked() -> None:
    assert _spans("card 340000000000009") == [(5, 20, PiiKind.CARD_NUMBER)]
    assert find_pii("card 350000000000003") == ()


def test_a_refusal_names_the_field_the_kind_and_the_span_never_the_value() -> None:
    with pytest.raises(ValidationFailed) as refused:
        refuse_secrets({"reason": "Dropped call", "summary": "PIN was reset to 4821"})
    error = refused.value
    assert error.field == "summary"
    assert str(error) == (
        "contains a PIN or passcode at characters 17-21; remove it (SSNs, PINs/passcodes and "
        "full card numbers are never stored)"
    )
    assert "4821" not in str(error)
    refuse_secrets({"reason": "Dropped call", "summary": None, "note": ""})
