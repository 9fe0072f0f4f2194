"""The memo check and the sensitive-data lint: spans, kinds, never the value."""

from __future__ import annotations

import pytest

from caredesk.policy import Memo, PiiKind, check_memo, find_pii, redact


def _spans(text: str) -> list[tuple[str, PiiKind]]:
    return [(text[f.start : f.end], f.kind) for f in find_pii(text)]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("SSN 123-45-6789 on file", [("123-45-6789", PiiKind.SSN)]),
        ("social security number 123456789", [("123456789", PiiKind.SSN)]),
        ("ssn: 123 45 6789", [("123 45 6789", PiiKind.SSN)]),
        ("PIN 1234 was read", [("1234", PiiKind.PIN)]),
        ("passcode: 998877", [("998877", PiiKind.PIN)]),
        ("her pin is 4821.", [("4821", PiiKind.PIN)]),
        ("card 4111 1111 1111 1111 declined", [("4111 1111 1111 1111", PiiKind.CARD_NUMBER)]),
        ("amex 3782-822463-10005", [("3782-822463-10005", PiiKind.CARD_NUMBER)]),
        ("order 12 4111111111111111", [("4111111111111111", PiiKind.CARD_NUMBER)]),
    ],
)
def test_finds_sensitive_values(text: str, found: list[tuple[str, PiiKind]]) -> None:
    assert _spans(text) == found


@pytest.mark.parametrize(
    "text",
    [
        "Order 123456789 shipped",  # nine digits but no SSN context
        "Called back on 303-555-0123",
        "Card 4111 1111 1111 1112 failed Luhn",
        "PIN verified by the customer",
        "Ticket T-1001 updated on 2026-03-10",
    ],
)
def test_leaves_ordinary_numbers_alone(text: str) -> None:
    assert find_pii(text) == ()


def test_redact_replaces_each_value_with_its_kind() -> None:
    text = "SSN 123-45-6789, PIN 1234, card 4111-1111-1111-1111."
    assert redact(text) == "SSN [SSN REDACTED], PIN [PIN REDACTED], card [CARD NUMBER REDACTED]."
    assert find_pii(redact(text)) == ()


def test_finding_descriptions_never_carry_the_value() -> None:
    check = check_memo(
        Memo("Callback about billing", (), "customer gave passcode: 998877", "Thanked us")
    )
    assert [finding.description for finding in check.pii] == [
        "a PIN/passcode value in summary at characters 24-30"
    ]
    assert "998877" not in repr(check.problems)


def test_check_memo_flags_missing_trivial_and_ticket() -> None:
    check = check_memo(Memo("", ("T-2",), "N/A", "12345"), ticket_numbers=("T-1", "t-2"))
    assert [(p.field, p.problem) for p in check.problems] == [
        ("reason", "is missing"),
        ("summary", "is a placeholder, not content"),
        ("customer_response", "has no words"),
        ("ticket_numbers", "lacks T-1"),
    ]
    assert not check.ok


def test_check_memo_accepts_a_complete_memo() -> None:
    memo = Memo("Dropped call", ("T-1",), "Reset the network settings", "Confirmed it works")
    assert check_memo(memo, ticket_numbers=("T-1",)).ok
