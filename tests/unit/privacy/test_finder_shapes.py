"""The secret finder's shape rules, where a number's writing alone decides: card numbers found
inside longer runs of digits, numbers that belong to a device or an identifier, SSNs among other
digit groups, masked SSNs, and what is kept when two findings overlap."""

from __future__ import annotations

import pytest

from caredesk.privacy import PiiKind, find_pii, scrub_text

# Passes Luhn and starts 35, like the 16-digit IMEISV of a handset: a card unless a device label
# says otherwise.
DEVICE_LIKE = "3569380356438005"


def _found(text: str) -> list[tuple[str, PiiKind]]:
    return [(text[finding.start : finding.end], finding.kind) for finding in find_pii(text)]


def _cards(*values: str) -> list[tuple[str, PiiKind]]:
    return [(value, PiiKind.CARD_NUMBER) for value in values]


@pytest.mark.parametrize(
    ("text", "cards"),
    [
        # A card next to a date, an expiry or a suffix written in the same run of digits.
        ("card 4111 1111 1111 1111 2027-05-01", ["4111 1111 1111 1111"]),
        ("05-12 4111 1111 1111 1111", ["4111 1111 1111 1111"]),
        ("paid 4111111111111111 0425", ["4111111111111111"]),
        ("order 12 4111-1111-1111-1111", ["4111-1111-1111-1111"]),
        ("order 12 4222 2222 2222 2", ["4222 2222 2222 2"]),  # 13 digits
        ("order 12 6221 2612 3456 7890 129", ["6221 2612 3456 7890 129"]),  # 19 digits
        # Two cards one after the other are two findings.
        (
            "cards 4111 1111 1111 1111 5555 5555 5555 4444 on file",
            ["4111 1111 1111 1111", "5555 5555 5555 4444"],
        ),
        # Joined by a dash to more digits, the card is part of a longer reference.
        ("invoice 4111 1111 1111 1111-02", []),
        ("ref 12-4111 1111 1111 1111", []),
    ],
)
def test_a_card_written_next_to_other_numbers_is_found_on_its_own(
    text: str, cards: list[str]
) -> None:
    assert _found(text) == _cards(*cards)


def test_a_device_like_number_with_no_device_label_is_a_card() -> None:
    assert _found(f"paid with {DEVICE_LIKE}") == _cards(DEVICE_LIKE)


@pytest.mark.parametrize("before", ["CS-000123", f"IMEI {DEVICE_LIKE} swapped,"])
def test_a_card_after_an_identifier_or_a_device_number_is_still_found(before: str) -> None:
    assert _found(f"{before} paid with 4111111111111111") == _cards("4111111111111111")


@pytest.mark.parametrize(
    "label",
    [
        "IMEI",
        "IMEI:",
        "imei no",
        "IMEI is",
        "SIM was",
        "the serial -",
        "IMEI's",
        "sim card number",
        "imei #",
        "IMEI =",
        "serial no.",
        "serial number is the",  # four words back: still the serial's
    ],
)
def test_a_number_after_a_device_label_is_never_a_card(label: str) -> None:
    assert find_pii(f"{label} {DEVICE_LIKE}") == ()


@pytest.mark.parametrize(
    "text",
    [
        f"serial no. is the {DEVICE_LIKE}",  # the label five tokens back is too far
        "Checked IMEI; card 4111 1111 1111 1111 charged",  # a semicolon ends the device's part
        "the card number is 4111 1111 1111 1111",
    ],
)
def test_a_device_label_too_far_back_or_cut_off_leaves_a_card(text: str) -> None:
    [(_, kind)] = _found(text)
    assert kind is PiiKind.CARD_NUMBER


@pytest.mark.parametrize(
    "text",
    [
        "AB4111 1111 1111 1111",  # letters at the start of the text
        "ref AB4111 1111 1111 1111",
        "ref 4111111111111111AB",
        "part 4111111111111111-AB in stock",
        "ref 4111111111111111-B",
        "CS-4111111111111111",
        "x_4111111111111111",
        "+4477009001237 called back",  # an E.164 phone number at the start of a line
    ],
)
def test_a_number_glued_to_letters_or_a_plus_is_an_identifier(text: str) -> None:
    assert find_pii(text) == ()


@pytest.mark.parametrize(
    ("text", "card"),
    [
        ("card4111111111111111", "4111111111111111"),  # glued to a card word, still a card
        ("pan=4111111111111111", "4111111111111111"),
        ("card=4111111111111111&exp=1227", "4111111111111111"),
        ("card 4111111111111111- declined", "4111111111111111"),
        ("4477009001237 called back", "4477009001237"),
    ],
)
def test_punctuation_around_a_card_does_not_make_it_an_identifier(text: str, card: str) -> None:
    assert _found(text) == _cards(card)
    assert card not in scrub_text(text)


@pytest.mark.parametrize(
    ("text", "ssns"),
    [
        ("unit 12 123-45-6789", ["123-45-6789"]),
        ("called about 123-45-6789 3 times", ["123-45-6789"]),
        # Part of a longer dashed number, then an SSN in the same run of digits.
        ("IDs 1-123-45-6789 987-65-4321", ["987-65-4321"]),
        ("IDs 123 45 6789-12 987-65-4321", ["987-65-4321"]),
        ("IDs 123-45 6789 987-65-4321", ["987-65-4321"]),
        ("12-123-45-6789", []),
        ("123-45-6789-12", []),
        ("123 45 6789-12", []),
        ("123-45.6789", []),  # two separators: not the SSN's shape
        ("AB123-45-6789", []),
        ("123-45-6789X", []),
    ],
)
def test_an_ssn_shape_among_other_digit_groups(text: str, ssns: list[str]) -> None:
    assert _found(text) == [(ssn, PiiKind.SSN) for ssn in ssns]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("order 42 noted xxx-xx-6789", ["6789"]),
        ("1234 then ***-**-6789", ["6789"]),
        ("call room 1234 about ***-**-6789", ["6789"]),
        ("#***-**-6789", ["6789"]),
        ("xxx xx 6789", ["6789"]),
        ("\u2022\u2022\u2022.\u2022\u2022.6789", ["6789"]),
        ("***-** 6789", []),  # two separators
        ("xxx-xx-678", []),  # a masked SSN shows four digits
        ("ref A***-**-6789", []),  # the mask is glued to a word
    ],
)
def test_the_last_four_of_a_masked_ssn(text: str, found: list[str]) -> None:
    assert _found(text) == [(value, PiiKind.SSN) for value in found]


def test_a_card_whose_first_groups_look_like_an_ssn_is_one_card() -> None:
    text = "card 412 45 6789 1230 006"
    assert _found(text) == _cards("412 45 6789 1230 006")
    assert scrub_text(text) == "card [redacted]"


def test_overlapping_findings_keep_the_first_and_later_secrets_are_still_found() -> None:
    # An Amex number in 4-4-4-3 groups whose last group starts an SSN shape ("005 45 6789").
    text = "3782 8224 6310 005 45 6789, pin 1234"
    assert _found(text) == [
        ("3782 8224 6310 005", PiiKind.CARD_NUMBER),
        ("1234", PiiKind.PIN),
    ]


def test_a_finding_names_its_field_and_where_it_is() -> None:
    [finding] = find_pii("pin 1234")
    assert finding.field == "text"
    assert finding.description == "a PIN/passcode value in text at characters 4-8"
    [finding] = find_pii("ssn 123-45-6789", "summary")
    assert finding.description == "a Social Security number in summary at characters 4-15"
