"""Refusing secrets in stored text (issue: what the finder missed and what it over-reached)."""

from __future__ import annotations

import pytest

from caredesk.errors import ValidationFailed
from caredesk.privacy import find_secrets, refuse_secrets


@pytest.mark.parametrize(
    ("text", "kind", "secret"),
    [
        ("changed the pin number to 0042", "pin", "0042"),
        ("last four of SSN: 6789", "ssn", "6789"),
        ("SSN ending in 6789", "ssn", "6789"),
        ("pin was reset to 1234", "pin", "1234"),
        ("123.45.6789", "ssn", "123.45.6789"),
        ("4111.1111.1111.1111", "card_number", "4111.1111.1111.1111"),
        ("pin is 0\u200b042", "pin", "0\u200b042"),
        ("pin\u200b is 0042", "pin", "0042"),
        ("p\u200bin is 0042", "pin", "0042"),
    ],
)
def test_secrets_stored_before_are_refused(text: str, kind: str, secret: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        refuse_secrets({"note": text})
    assert refused.value.field == "note"
    [finding] = refused.value.extra["findings"]
    assert finding["kind"] == kind
    assert text[finding["start"] : finding["end"]] == secret
    assert secret not in refused.value.detail


@pytest.mark.parametrize(
    "text",
    [
        "IMEI 352099001761481 blocked after the theft report",
        "swapped device 356938035643809 for the customer",
        "IMEI: 35-209900-176148-1",
        "ICCID 8901260123456789012 on the new SIM",
    ],
)
def test_device_identifiers_are_not_refused(text: str) -> None:
    assert find_secrets({"note": text}) == []
    refuse_secrets({"note": text})
