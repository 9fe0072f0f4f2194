"""Masking secrets in logged and audited text: the shared finder's rules plus password hashes and
secret-named keys."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from caredesk.privacy import REDACTED, mask_password_hashes, scrub, scrub_text

ARGON2 = PasswordHasher().hash("correct horse battery staple")


def test_card_numbers_passing_luhn_are_masked_and_the_text_around_them_kept() -> None:
    text = "card 4111 1111 1111 1111 and 4111-1111-1111-1111."
    assert scrub_text(text) == f"card {REDACTED} and {REDACTED}."


def test_digit_runs_failing_luhn_are_kept() -> None:
    assert scrub_text("order 4111 1111 1111 1112") == "order 4111 1111 1111 1112"


def test_ssn_shaped_values_are_masked() -> None:
    assert scrub_text("ssn 123-45-6789 on file") == f"ssn {REDACTED} on file"


def test_e164_numbers_are_not_taken_for_cards() -> None:
    # 4477009001237 passes Luhn and is in a card range: without its "+" it is masked as a card,
    # with it it is a phone number. (The old sample, 4477009001234, failed Luhn, so the "+"
    # guard was never what kept it.)
    assert scrub_text("card 4477009001237") == f"card {REDACTED}"
    assert scrub_text("call +4477009001237") == "call +4477009001237"


@pytest.mark.parametrize(
    "card",
    [
        "4222222222222",  # 13 digits (Visa)
        "4222 2222 2222 2",
        "60110000123456783",  # 17
        "5018 1234 5678 9012 5",
        "622126123456789015",  # 18
        "6221261234567890129",  # 19
        "4000-1234-1234-1234-560",
        "4917.6100.0000.0000.003",
    ],
)
def test_card_numbers_of_13_and_17_to_19_digits_are_masked(card: str) -> None:
    assert scrub_text(f"paid with {card} today") == f"paid with {REDACTED} today"


@pytest.mark.parametrize("digits", ["400000000002", "40000000000000000002"])
def test_luhn_valid_runs_of_12_or_20_digits_are_kept(digits: str) -> None:
    text = f"ref {digits}"
    assert scrub_text(text) == text


def test_pins_and_last_four_of_an_ssn_are_masked_like_the_refusal_finds_them() -> None:
    assert scrub_text("pin was reset to 1234, SSN ending in 6789") == (
        f"pin was reset to {REDACTED}, SSN ending in {REDACTED}"
    )


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


@pytest.mark.parametrize(
    "key", ["token", "access_token", "cvv", "CVV", "ssn", "ssn_last4", "SSN-Last-Four", "ssnLast4"]
)
def test_token_cvv_and_ssn_keys_are_redacted(key: str) -> None:
    assert scrub({key: "abc123", "note": "kept"}) == {key: REDACTED, "note": "kept"}


HASHES = [
    ARGON2,
    "$argon2i$v=19$m=16,t=2,p=1$c29tZXNhbHQ$Iv3dSMJ431p24TEj68Kxokm/ilAC9HfwREDIVPM/1/0",
    "$argon2d$v=19$m=16,t=2,p=1$c29tZXNhbHQ$2+JCoQtY/2x5F0VB9pEVP3xBNguWP1T25Ui0PtZuk8o",
    "$2b$12$GhvMmNVjRW29ulnudl.LbuAnUtN/LRfe1JsBm1Xu6LE3059z5Tr8m",
    "$6$rounds=5000$usesomesillystri$D4IrlXatmP7rx3P3InaxBeoomnAihCKRVQP22JZ6EY47Wc6BkroIuUUBOov1i.S5KPgErtP/EN5mcO.ChWQW21",
    "pbkdf2_sha256$600000$c29tZXNhbHQ$Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFy",
    "argon2$argon2id$v=19$m=102400,t=2,p=8$c29tZXNhbHQ$Zm9vYmFyYmF6cXV4",
    "$scrypt$ln=16,r=8,p=1$aM15713r3Xsvxbi31lqr1Q$nFNh2CVHVjNldFVKDHDlm4CbdRSCdEBsjjJxD+iCs5E",
    # passlib's formats, the scheme after the first "$" thirteen characters long.
    "$bcrypt-sha256$v=2,t=2b,r=12$n79VH.0Q2TMWmt3Oqt9uku$Kq4Noyk3094Y2QlB8NdRT8SvGiI4ft.",
    "$pbkdf2-sha256$29000$N2bMOYcw5nyPEaI0pv5Ynw$Zr1lhoP5ZdPQNyBOJTBk7bxNNfVAp3wMWlzVEu4BrIc",
]


# Ids by position: the argon2id hash has a fresh salt in every process.
@pytest.mark.parametrize("hashed", HASHES, ids=[f"hash{index}" for index in range(len(HASHES))])
def test_password_hashes_are_masked_wherever_they_appear(hashed: str) -> None:
    text = f"UPDATE users SET password_hash='{hashed}' WHERE id=7"
    assert scrub_text(text) == f"UPDATE users SET password_hash='{REDACTED}' WHERE id=7"
    assert scrub({"parameters": [hashed, 7]}) == {"parameters": [REDACTED, 7]}


def test_dollar_signs_that_are_not_hashes_are_kept() -> None:
    text = "refund $5$ and $12.50; total $2b"
    assert mask_password_hashes(text) == text
    assert mask_password_hashes("$" * 500) == "$" * 500


def test_every_hash_in_a_text_is_masked_and_the_text_between_kept() -> None:
    pbkdf2, bcrypt, crypt = HASHES[5], HASHES[3], HASHES[4]
    # A comma may belong to a hash (argon2's parameters hold commas), so words separate here.
    text = f"old {bcrypt} new {pbkdf2} and refund $5 then {crypt} end"
    expected = f"old {REDACTED} new {REDACTED} and refund $5 then {REDACTED} end"
    assert mask_password_hashes(text) == expected
    # Hashes written one after the other, and a dollar amount before each.
    joined = f"$20 {pbkdf2} $7 {bcrypt}{REDACTED}"
    assert mask_password_hashes(joined) == f"$20 {REDACTED} $7 {REDACTED}{REDACTED}"


def test_a_hash_just_long_enough_is_masked_and_one_shorter_is_not() -> None:
    # "$2b$" and sixteen more characters: twenty in all.
    shortest = "$2b$" + "a" * 16
    assert mask_password_hashes(f"x {shortest} y") == f"x {REDACTED} y"
    assert mask_password_hashes(f"x {shortest[:-1]} y") == f"x {shortest[:-1]} y"
    framework = "pbkdf2_sha256$" + "b" * 6
    assert mask_password_hashes(f"x {framework} y") == f"x {REDACTED} y"
    assert mask_password_hashes(f"x {framework[:-1]} y") == f"x {framework[:-1]} y"


def test_a_dollar_sign_right_before_a_hash_is_kept_and_the_hash_masked() -> None:
    bcrypt = HASHES[3]
    assert mask_password_hashes(f"export HASH=${bcrypt}") == f"export HASH=${REDACTED}"
