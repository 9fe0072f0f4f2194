"""A trunk's caller id read as E.164, the way the rest of caredesk reads a number: national
numbers as North American; anything else is not a caller we can put on an account."""

from __future__ import annotations

import pytest

from caredesk.channels.voice.sip.menu import CallerRefused
from caredesk.inbound.phone_line import e164_of


@pytest.mark.parametrize(
    ("user", "number"),
    [
        ("+14155550123", "+14155550123"),
        ("14155550123", "+14155550123"),
        ("4155550123", "+14155550123"),
        ("+1-415-555-0123", "+14155550123"),
        ("(415)555.0123", "+14155550123"),
        ("011442079460123", "+442079460123"),
        ("00442079460123", "+442079460123"),
    ],
)
def test_caller_ids(user: str, number: str) -> None:
    assert e164_of(user) == number


@pytest.mark.parametrize("user", ["anonymous", "sipp", "41555x0123", ""])
def test_not_a_number(user: str) -> None:
    with pytest.raises(CallerRefused):
        e164_of(user)
