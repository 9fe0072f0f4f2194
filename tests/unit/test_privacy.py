from __future__ import annotations

from caredesk.privacy import REDACTED, scrub, scrub_text


def test_card_numbers_passing_luhn_are_masked_and_the_text_around_them_kept() -> None:
    text = "card 4111 1111 1111 1111 and 4111-1111-1111-1111."
    assert scrub_text(text) == f"card {REDACTED} and {REDACTED}."


def test_digit_runs_failing_luhn_are_kept() -> None:
    assert scrub_text("order 4111 1111 1111 1112") == "order 4111 1111 1111 1112"


def test_ssn_shaped_values_are_masked() -> None:
    assert scrub_text("ssn 123-45-6789 on file") == f"ssn {REDACTED} on file"


def test_e164_numbers_are_not_taken_for_cards() -> None:
    # 4477009001234 passes Luhn; with its "+" it is a phone number.
    assert scrub_text("call +4477009001234") == "call +4477009001234"


def test_secret_keys_are_redacted_but_flags_kept() -> None:
    scrubbed = scrub(
        {"pin": "4821", "ssn_last4": "1234", "pin_set": True, "nested": [{"password": "x"}]}
    )
    assert scrubbed == {
        "pin": REDACTED,
        "ssn_last4": REDACTED,
        "pin_set": True,
        "nested": [{"password": REDACTED}],
    }
