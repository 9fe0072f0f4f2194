"""The notice goes through the outbox: with the SMTP server down it waits and is retried with
backoff while the callback cannot be dialled (OB-NOTIFY); once the server is up it is sent
exactly once and the callback is scheduled. A repeated request with the same Idempotency-Key,
even sent at the same moment from several threads, makes one callback."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from caredesk.callbacks.models import Callback
from caredesk.channels.email.smtp import SmtpSender, SmtpSettings
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import Desk, instant, refused
from tests.integration.channels.conftest import SmtpServer, free_port


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


@pytest.fixture
def smtp_down() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())  # not started: connections are refused
    try:
        yield server
    finally:
        server.stop()


def follow_up(account_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "account_id": account_id,
        "origin": "follow_up",
        "reason": "device_troubleshooting",
        "line_of_business": "care",
        **extra,
    }


def test_notice_waits_while_smtp_is_down_and_goes_out_once_when_it_is_back(
    desk: Desk, smtp_down: SmtpServer
) -> None:
    account = desk.account()
    agent_id, agent = desk.agent()
    callback = desk.request(agent, **follow_up(account["id"]))
    desk.follow_up(agent_id, agent)
    sender = SmtpSender(
        SmtpSettings(host="127.0.0.1", port=smtp_down.port, timeout_seconds=5.0), desk.clock
    )

    report = desk.deliver(sender)
    assert (report.sent, report.retried) == (0, 1)
    [message] = desk.outbox()
    assert (message.status, message.attempts) == ("pending", 1)
    assert message.available_at == desk.clock.now() + timedelta(seconds=30)
    assert "refused the connection" in (message.last_error or "")
    assert desk.advance() == 0
    assert desk.get(callback["id"])["status"] == "awaiting_notification"
    refused(desk.start(callback["id"], agent), "OB-NOTIFY")

    # Not due again before its backoff ends, even with the server back.
    smtp_down.start()
    assert desk.deliver(sender).claimed == 0
    desk.clock.advance(timedelta(seconds=31))
    assert desk.deliver(sender).sent == 1
    assert desk.deliver(sender).claimed == 0
    assert len(smtp_down.inbox.received) == 1
    [message] = desk.outbox()
    assert (message.status, message.attempts) == ("sent", 2)
    assert desk.advance() == 1
    scheduled = desk.get(callback["id"])
    assert scheduled["status"] == "scheduled"
    assert instant(scheduled["notified_at"]) == desk.clock.now()


def test_the_same_idempotency_key_returns_the_same_callback(desk: Desk) -> None:
    account = desk.account()
    _, agent = desk.agent()
    keyed = {**agent, "Idempotency-Key": "desk-42-follow-up"}
    first = desk.client.post("/v1/callbacks", json=follow_up(account["id"]), headers=keyed)
    assert first.status_code == 201, first.text
    stored = desk.counts()
    second = desk.client.post("/v1/callbacks", json=follow_up(account["id"]), headers=keyed)
    assert second.status_code == 200, second.text
    assert second.json()["id"] == first.json()["id"]

    other = desk.client.post(
        "/v1/callbacks", json=follow_up(account["id"], reason="ticket_update"), headers=keyed
    )
    assert other.status_code == 409 and other.json()["field"] == "Idempotency-Key"
    assert desk.counts() == stored  # neither the replay nor the clash wrote anything

    too_long = {**agent, "Idempotency-Key": "k" * 201}
    refused_key = desk.client.post("/v1/callbacks", json=follow_up(account["id"]), headers=too_long)
    assert refused_key.status_code == 422
    assert desk.counts() == stored


def test_concurrent_requests_with_one_key_make_one_callback(desk: Desk) -> None:
    account = desk.account()
    _, agent = desk.agent()
    keyed = {**agent, "Idempotency-Key": "burst-1"}

    def send(_: int) -> Any:
        return desk.client.post("/v1/callbacks", json=follow_up(account["id"]), headers=keyed)

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(send, range(12)))
    codes = sorted(response.status_code for response in responses)
    assert codes.count(201) == 1, [r.text for r in responses if r.status_code >= 300]
    assert set(codes) <= {200, 201, 409}
    made = {r.json()["id"] for r in responses if r.status_code in (200, 201)}
    assert len(made) == 1
    assert desk.count(Callback) == 1
    assert len(desk.outbox()) == 1  # one notice owed, not one per request
