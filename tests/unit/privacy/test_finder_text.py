"""How the secret finder reads text before its rules run: digits, dashes and letters from other
scripts and widths, what joins digit groups into one written number and what parts them, and
marks that stand between a label and its value."""

from __future__ import annotations

import pytest

from caredesk.privacy import PiiKind, find_pii


def _found(text: str) -> list[tuple[str, PiiKind]]:
    return [(text[finding.start : finding.end], finding.kind) for finding in find_pii(text)]


@pytest.mark.parametrize(
    ("text", "value", "kind"),
    [
        ("pin \u0664\u0668\u0662\u0661", "\u0664\u0668\u0662\u0661", PiiKind.PIN),  # Arabic-Indic
        ("pin \u096a\u096e\u0968\u0967", "\u096a\u096e\u0968\u0967", PiiKind.PIN),  # Devanagari
        ("\uff30\uff29\uff2e \uff11\uff12\uff13\uff14", "\uff11\uff12\uff13\uff14", PiiKind.PIN),
        ("ssn 123\u221245\u22126789", "123\u221245\u22126789", PiiKind.SSN),  # minus signs
        ("ssn 123\u201345\u20136789", "123\u201345\u20136789", PiiKind.SSN),  # en dashes
        ("ssn 123\u058a45\u058a6789", "123\u058a45\u058a6789", PiiKind.SSN),  # any dash
        ("SSN 123\u00a045\u00a06789", "123\u00a045\u00a06789", PiiKind.SSN),  # no-break spaces
    ],
)
def test_digits_dashes_and_letters_of_other_scripts_and_widths_are_read_as_their_ascii_kin(
    text: str, value: str, kind: PiiKind
) -> None:
    assert _found(text) == [(value, kind)]


@pytest.mark.parametrize(
    "text",
    [
        "4111 1111 1111 1111",
        "4111  1111  1111  1111",  # two spaces
        "4111\t1111\t1111\t1111",  # a tab-separated export
        "4111-1111-1111-1111",
        "4111.1111.1111.1111",
    ],
)
def test_groups_joined_by_one_or_two_spaces_a_tab_a_dash_or_a_dot_are_one_number(
    text: str,
) -> None:
    assert _found(text) == [(text, PiiKind.CARD_NUMBER)]


@pytest.mark.parametrize(
    "text",
    [
        "codes 4111,1111,1111,1111",  # a list
        "codes 4111/1111/1111/1111",
        "4111   1111   1111   1111",  # columns
        "4111\n1111\n1111\n1111",  # one number a line
        "4111\r\n1111\r\n1111\r\n1111",
        "4111\r1111\r1111\r1111",
    ],
)
def test_groups_in_a_list_in_columns_or_on_separate_lines_are_separate_numbers(
    text: str,
) -> None:
    assert find_pii(text) == ()


def test_a_card_after_another_number_tab_separated_is_found() -> None:
    assert _found("order 12\t4111\t1111\t1111\t1111") == [
        ("4111\t1111\t1111\t1111", PiiKind.CARD_NUMBER)
    ]


def test_the_tail_of_a_very_long_digit_string_is_not_a_card() -> None:
    # Digits are read in chunks of 256; a chunk boundary must not start a new number.
    assert find_pii("id " + "7" * 256 + "4111111111111111") == ()


@pytest.mark.parametrize("arrow", ["=>", "->", ":=", "#:"])
def test_marks_written_together_between_a_label_and_its_value(arrow: str) -> None:
    text = f"new PIN {arrow} 4821"
    assert _found(text) == [("4821", PiiKind.PIN)]
