"""Finding an account by a phone number however a person types it, or by an email address in
any case: `GET /v1/accounts?q=...` on both engines."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from caredesk.users.models import Role
from tests.api.test_accounts import create
from tests.conftest import TokenMaker

DETROIT_FORMS = [
    "(313) 656-4363",
    "313.656.4363",
    "+1 313 656 4363",
    "3136564363",
    "1-313-656-4363",
    "+13136564363",
    "313 656 4363",
]


def _found(client: TestClient, headers: dict[str, str], q: str) -> list[str]:
    response = client.get("/v1/accounts", params={"q": q}, headers=headers)
    assert response.status_code == 200, response.text
    return [item["number"] for item in response.json()["items"]]


def _person(first: str, role: str, *points: dict[str, Any]) -> dict[str, Any]:
    return {
        "first_name": first,
        "last_name": "Okafor",
        "role": role,
        "contact_points": list(points),
    }


@pytest.fixture
def staff(client: TestClient, auth: TokenMaker) -> dict[str, str]:
    headers = auth(Role.AGENT)
    # The number is an authorised user's alternate contact point, not the account's line.
    create(
        client,
        headers,
        number="ACC-0000313",
        people=[
            _person("Ada", "account_holder", {"kind": "phone", "value": "212-555-0100"}),
            _person(
                "Ben",
                "authorised_user",
                {"kind": "phone", "value": "(313) 656-4363", "label": "alternate"},
                {"kind": "email", "value": "Ben.Okafor@Example.COM"},
            ),
        ],
        lines=[{"msisdn": "212-555-0100"}],
    )
    # A line only: no contact point carries the number.
    create(
        client,
        headers,
        number="ACC-0000720",
        people=[_person("Cy", "account_holder", {"kind": "email", "value": "cy@example.org"})],
        lines=[{"msisdn": "+1 720 555 0199"}],
    )
    create(client, headers, number="ACC-0000999", lines=[])
    return headers


@pytest.mark.parametrize("typed", DETROIT_FORMS)
def test_a_contact_point_is_found_however_the_number_is_typed(
    client: TestClient, staff: dict[str, str], typed: str
) -> None:
    assert _found(client, staff, typed) == ["ACC-0000313"]


@pytest.mark.parametrize("typed", ["(720) 555-0199", "720.555.0199", "17205550199"])
def test_a_line_is_found_however_the_number_is_typed(
    client: TestClient, staff: dict[str, str], typed: str
) -> None:
    assert _found(client, staff, typed) == ["ACC-0000720"]


@pytest.mark.parametrize(
    "typed", ["ben.okafor@example.com", "BEN.OKAFOR@EXAMPLE.COM", " Ben.Okafor@example.com "]
)
def test_an_email_is_found_in_any_case(
    client: TestClient, staff: dict[str, str], typed: str
) -> None:
    assert _found(client, staff, typed) == ["ACC-0000313"]


def test_near_misses_find_nothing(client: TestClient, staff: dict[str, str]) -> None:
    assert _found(client, staff, "(313) 656-4364") == []
    assert _found(client, staff, "ben@example.com") == []
    # Part of a number is still a text match on account numbers, not a phone lookup.
    assert _found(client, staff, "0000313") == ["ACC-0000313"]
