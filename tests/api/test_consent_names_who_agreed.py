"""A consent names the customer who agreed (person, channel, when) and, separately, who entered
it: in the consent API and in the policy's explanation of the calling window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.policy import (
    ConsentChannel,
    ConsentWindow,
    Step,
    evaluate,
)
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import Desk
from tests.unit.policy.cases import NOW, base, change

# 21:00 Denver on 10 March 2026: outside the default window, inside the customer's.
EVENING = datetime(2026, 3, 11, 3, 0, tzinfo=UTC)


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


def test_the_consent_api_and_why_not_now_name_the_customer_and_who_entered_it(
    desk: Desk,
) -> None:
    account = desk.account()
    person = account["people"][0]
    agent_id, agent = desk.agent()
    callback = desk.request(
        agent,
        account_id=account["id"],
        origin="follow_up",
        reason="device_troubleshooting",
        line_of_business="care",
        owner_agent_id=agent_id,
    )
    given_at = desk.clock.now() - timedelta(minutes=5)
    recorded = desk.client.post(
        f"/v1/accounts/{account['id']}/consents",
        json={
            "person_id": person["id"],
            "window_start": EVENING.isoformat(),
            "window_end": (EVENING + timedelta(hours=1)).isoformat(),
            "channel": "voice",
            "given_at": given_at.isoformat(),
            "callback_id": callback["id"],
        },
        headers=agent,
    )
    assert recorded.status_code == 201, recorded.text
    body = recorded.json()
    entered_by = body["recorded_by"]
    assert entered_by.startswith("user:")
    assert body["entered_by"] == entered_by
    assert body["agreed_by"] == {
        "person_id": person["id"],
        "name": "Ana Lopez",
        "role": "account_holder",
        "channel": "voice",
        "at": given_at.isoformat().replace("+00:00", "Z"),
    }
    listed = desk.client.get(f"/v1/accounts/{account['id']}/consents", headers=agent).json()
    assert listed["items"][0]["agreed_by"]["name"] == "Ana Lopez"

    desk.notified(callback["id"])
    desk.clock.set(EVENING + timedelta(minutes=10))
    why = desk.why(callback["id"])
    [window] = [r for r in why["passed"] if r["rule_id"] == "OB-WINDOW"]
    sentence = window["sentence"]
    assert f"agreed by Ana Lopez (account holder, person {person['id']}) by phone" in sentence
    assert sentence.endswith(f", entered by {entered_by})")
    assert f"agreed by {entered_by}" not in sentence


def test_the_explanation_tells_the_customer_from_the_staff_member() -> None:
    consent = ConsentWindow(
        callback_id="CB-1",
        given_by="Ana Lopez (account holder, person 4)",
        given_at=NOW - timedelta(hours=1),
        channel=ConsentChannel.PHONE,
        start=NOW - timedelta(minutes=30),
        end=NOW + timedelta(minutes=30),
        entered_by="user:13",
    )
    ctx = change(base(Step.DIAL), **{"callback.consents": (consent,)})
    result = evaluate(ctx).result_for("OB-WINDOW")
    assert result is not None and result.passed
    assert "agreed by Ana Lopez (account holder, person 4) by phone at 2026-03-10 17:00 UTC" in (
        result.sentence
    )
    assert result.sentence.endswith(", entered by user:13)")
