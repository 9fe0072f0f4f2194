"""The secret finder on two ways in, at the largest text they accept: opening a case (any
customer) and ``POST /v1/policy/evaluate`` (any staff member). Adversarial 20,000-character
texts are answered; the old finder took hours on them. (Linearity itself is pinned
deterministically in tests/unit/privacy/test_linear.py; seconds in benchmarks/pii_bench.py.)"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.conftest import TokenMaker
from tests.integration.tickets.factories import make_account

LIMIT = 20_000
EXAMPLE = Path(__file__).parents[2] / "config" / "examples" / "policy-case-dial.json"
ADVERSARIAL = ["1 ", "4111 ", "12 3-45.", "pin is ", "123-45-", "1\u200b "]


def _fill(unit: str, tail: str = "") -> str:
    body = unit * ((LIMIT - len(tail)) // len(unit))
    return body + tail


@pytest.mark.parametrize("unit", ADVERSARIAL)
def test_opening_a_case_with_a_huge_adversarial_description_is_answered(
    client: TestClient, auth: TokenMaker, db: Database, unit: str
) -> None:
    staff = auth(Role.AGENT)
    account = make_account(db)
    case = {"subject": "No signal", "account_id": account}
    clean = client.post("/v1/tickets", json={**case, "description": _fill(unit)}, headers=staff)
    assert clean.status_code == 201, clean.text[:300]
    secret = _fill(unit, " and the PIN is 4821")
    refused = client.post("/v1/tickets", json={**case, "description": secret}, headers=staff)
    assert refused.status_code == 422
    assert refused.json()["field"] == "description"
    assert "4821" not in refused.text


def _wrap_up_case(summary: str) -> dict[str, Any]:
    case: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    case["step"] = "wrap_up"
    case["wrap_up"] = {
        "memo": {
            "reason": "Dropped call follow-up",
            "summary": summary,
            "customer_response": "Confirmed calls work",
            "ticket_numbers": [],
        }
    }
    return case


@pytest.mark.parametrize("unit", ADVERSARIAL)
def test_policy_evaluate_with_a_huge_adversarial_memo_is_answered(
    client: TestClient, auth: TokenMaker, unit: str
) -> None:
    staff = auth(Role.AGENT)
    answered = client.post(
        "/v1/policy/evaluate", json=_wrap_up_case(_fill(unit, " done")), headers=staff
    )
    assert answered.status_code == 200, answered.text[:300]
    assert "PIN/passcode" not in answered.text
    with_pin = client.post(
        "/v1/policy/evaluate", json=_wrap_up_case(_fill(unit, " new pin 4821")), headers=staff
    )
    assert with_pin.status_code == 200
    sentences = [failed["sentence"] for failed in with_pin.json()["failed"]]
    assert any("a PIN/passcode value in summary" in sentence for sentence in sentences)
    assert "4821" not in with_pin.text
