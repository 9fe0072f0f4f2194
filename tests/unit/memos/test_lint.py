"""Refusing secrets in stored text by field, kind and span, never repeating the value."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caredesk.errors import ValidationFailed
from caredesk.memos.lint import refuse_incomplete_call_memo
from caredesk.privacy import find_secrets, refuse_secrets


@pytest.mark.parametrize(
    ("text", "kind", "secret"),
    [
        ("Customer read SSN 123-45-6789 aloud", "ssn", "123-45-6789"),
        ("ssn is 123456789", "ssn", "123456789"),
        ("social security number: 123 45 6789", "ssn", "123 45 6789"),
        ("PIN is 4821", "pin", "4821"),
        ("PIN 1234", "pin", "1234"),
        ("passcode: 998877", "pin", "998877"),
        ("pass code #5521 confirmed", "pin", "5521"),
        ("card 4111 1111 1111 1111 on file", "card_number", "4111 1111 1111 1111"),
        ("card 4111-1111-1111-1111", "card_number", "4111-1111-1111-1111"),
        ("paid with 5500000000000004", "card_number", "5500000000000004"),
    ],
)
def test_secret_found_with_kind_and_span(text: str, kind: str, secret: str) -> None:
    findings = find_secrets({"summary": text})
    assert len(findings) == 1
    finding = findings[0]
    assert (finding.field, finding.kind) == ("summary", kind)
    assert text[finding.start : finding.end] == secret


@pytest.mark.parametrize(
    "text",
    [
        "Did not verify SSN or PIN, per policy (OB-NO-SSN-PIN).",
        "PIN reset done at 1400; customer happy",
        "Called back on 555-123-4567 at 2026-03-10 14:00",
        "Card ending 1111 declined",
        "Order 4111 1111 1111 1112 shipped",  # 16 digits failing Luhn: not a card
        "Case CS-000123 and CS-000124",
    ],
)
def test_ordinary_text_passes(text: str) -> None:
    assert find_secrets({"summary": text}) == []
    refuse_secrets({"summary": text})


def test_refusal_names_field_kind_and_span_never_the_value() -> None:
    with pytest.raises(ValidationFailed) as refused:
        refuse_secrets({"reason": "dropped call", "summary": "ok", "customer_response": "PIN 9087"})
    error = refused.value
    assert error.field == "customer_response"
    assert error.extra["findings"] == [
        {"field": "customer_response", "kind": "pin", "start": 4, "end": 8}
    ]
    assert "9087" not in error.detail and "9087" not in str(error.extra)


def test_every_finding_reported_in_field_order() -> None:
    with pytest.raises(ValidationFailed) as refused:
        refuse_secrets(
            {"reason": None, "summary": "SSN 123-45-6789 and card 4111111111111111", "note": ""}
        )
    assert [f["kind"] for f in refused.value.extra["findings"]] == ["ssn", "card_number"]
    assert refused.value.field == "summary"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"reason": "n/a"}, "reason"),
        ({"summary": "ok"}, "summary"),
        ({"customer_response": None}, "customer_response"),
        ({"customer_response": "   "}, "customer_response"),
    ],
)
def test_outbound_call_memo_needs_every_part(fields: dict[str, str | None], field: str) -> None:
    memo: dict[str, object] = {
        "reason": "Dropped call follow-up",
        "summary": "Walked through a network reset.",
        "customer_response": "Confirmed calls work.",
        "ticket_numbers": [],
        **fields,
    }
    with pytest.raises(ValidationFailed) as refused:
        refuse_incomplete_call_memo(**memo)  # type: ignore[arg-type]
    assert refused.value.field == field


@given(st.text(alphabet=st.characters(blacklist_categories=("Nd",)), max_size=300))
def test_text_without_digits_never_flagged(text: str) -> None:
    assert find_secrets({"summary": text}) == []
