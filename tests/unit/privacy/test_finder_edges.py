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


@pytest.mark.parametrize(
    ("text", "spans", "kind"),
    [
        # A value after an SSN label is nine digits, or four (the last four).
        ("ssn 123456789", [(4, 13)], PiiKind.SSN),
        ("ssn 1234", [(4, 8)], PiiKind.SSN),
        ("ssn 12345", [], PiiKind.SSN),
        ("ss# 6789", [(4, 8)], PiiKind.SSN),
        ("soc. sec. 6789", [(10, 14)], PiiKind.SSN),
        ("soc sec no. 123456789", [(12, 21)], PiiKind.SSN),
        # "last 4" says how many digits follow; "first 4" does not.
        ("SSN last 4 6789", [(11, 15)], PiiKind.SSN),
        ("ssn last 4 is 6789", [(14, 18)], PiiKind.SSN),
        ("ssn last 4 6789 and 1234", [(11, 15), (20, 24)], PiiKind.SSN),
        ("SSN first 4 6789", [], PiiKind.SSN),
        ("SSN ending in 6789", [(14, 18)], PiiKind.SSN),
        ("social security number ending in 6789", [(33, 37)], PiiKind.SSN),
        # A PIN read out digit by digit: four to twelve single digits.
        ("pin 1 2 3 4", [(4, 11)], PiiKind.PIN),
        ("pin 1 2 3", [], PiiKind.PIN),
        ("pin 1 2 3 4 5 6 7 8 9 0 1 2", [(4, 27)], PiiKind.PIN),
        ("pin 1 2 3 4 5 6 7 8 9 0 1 2 3", [], PiiKind.PIN),
        ("pin is 4821 or 1 2 3 4", [(7, 11), (15, 22)], PiiKind.PIN),
        ("pin no. 4821", [(8, 12)], PiiKind.PIN),
        # Three or four digits after CVV, CVV2 and CVC2.
        ("cvv 123", [(4, 7)], PiiKind.PIN),
        ("cvv2 123", [(5, 8)], PiiKind.PIN),
        ("cvc2 1234 or 5678", [(5, 9), (13, 17)], PiiKind.PIN),
        ("cvv2 12345", [], PiiKind.PIN),
        ("cvv2", [], PiiKind.PIN),
        # A label looks past filler words, at most eight tokens ahead.
        ("pin the the the the the the the 4821", [(32, 36)], PiiKind.PIN),
        ("pin the the the the the the the the 4821", [], PiiKind.PIN),
        ("pin a b c d e f 4821", [], PiiKind.PIN),
        ("the pin, which we changed, is 4821", [], PiiKind.PIN),
        # Before the label: "4821 is the new PIN".
        ("4821 is the new pin", [(0, 4)], PiiKind.PIN),
        ("4821 is my pin", [(0, 4)], PiiKind.PIN),
        ("4821 is the pin for account 1", [(0, 4)], PiiKind.PIN),
        ("account 4821 is the new pin", [], PiiKind.PIN),
        ("0042 is the last 4 of her ssn", [(0, 4)], PiiKind.SSN),
        ("6789 is the last four of her ssn", [(0, 4)], PiiKind.SSN),
        ("12 34 is the new pin", [], PiiKind.PIN),
        ("4821 is the the the the the the the the pin", [], PiiKind.PIN),
        ("4821 is: the new pin", [(0, 4)], PiiKind.PIN),
        ("0042 is (the new PIN)", [(0, 4)], PiiKind.PIN),
        ("0042is the new PIN", [(0, 4)], PiiKind.PIN),  # a missing space
        ("4821 is the new PIN, fee 5\u20ac", [(0, 4)], PiiKind.PIN),
        # A clause break, a number's own noun, an amount or a date's year: not the PIN.
        ("Balance 4821 is; PIN unchanged", [], PiiKind.PIN),
        ("ticket4821 is the new pin", [], PiiKind.PIN),
        ("$4821 is the new PIN", [], PiiKind.PIN),
        ("10/2031 is the PIN expiry date", [], PiiKind.PIN),
        # After the label, only filler words reach the value.
        ("customer last changed the PIN in 2023", [], PiiKind.PIN),
        ("PIN reset. 3000 points added", [], PiiKind.PIN),
        ("pin 1234 given, then refused to give the CVV", [(4, 8)], PiiKind.PIN),
        ("cvv:123", [(4, 7)], PiiKind.PIN),
        ("cvv123", [(3, 6)], PiiKind.PIN),
    ],
)
def test_label_rules(text: str, spans: list[tuple[int, int]], kind: PiiKind) -> None:
    assert _spans(text) == [(start, end, kind) for start, end in spans]
