"""Notices that go astray, against a real SMTP server on loopback: cancelling a callback withdraws
the notice (or scheduling email) it still owed, in the cancel's transaction, so it is never
sent; a notice the outbox gives up on puts the callback into "needs attention", listed for
leaders, where the notice is requeued (and then goes out) or the callback is cancelled."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from caredesk.audit.models import AuditEvent
from caredesk.channels.delivery import RetryPolicy, deliver_due
from caredesk.channels.email.smtp import SmtpSender, SmtpSettings
from caredesk.channels.models import OutboxMessage
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import Desk
from tests.integration.channels.conftest import SmtpServer, free_port


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """Not started: connections are refused until the test starts it."""
    server = SmtpServer(free_port())
    try:
        yield server
    finally:
        server.stop()


def deliver_once(desk: Desk, server: SmtpServer) -> Any:
    """One delivery pass that gives up on a message after its first failure."""
    settings = SmtpSettings(host="127.0.0.1", port=server.port, timeout_seconds=5.0)
    sender = SmtpSender(settings, desk.clock)
    return deliver_due(
        desk.db,
        sender,
        now=desk.clock.now(),
        worker_id="test-outbox",
        retry=RetryPolicy(base_seconds=30, cap_seconds=60, max_attempts=1),
    )


def follow_up(desk: Desk, **extra: Any) -> dict[str, Any]:
    account = desk.account()
    _, agent = desk.agent()
    return desk.request(
        agent,
        account_id=account["id"],
        origin="follow_up",
        reason="device_troubleshooting",
        line_of_business="care",
        **extra,
    )


def message_status(desk: Desk, message_id: int) -> str:
    with desk.db.uow() as uow:
        row = uow.session.get(OutboxMessage, message_id)
        assert row is not None
        return row.status


def audit_actions(desk: Desk, subject_type: str, subject_id: int) -> list[str]:
    with desk.db.uow() as uow:
        return list(
            uow.session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.subject_type == subject_type)
                .where(AuditEvent.subject_id == str(subject_id))
                .order_by(AuditEvent.id)
            )
        )


def cancel(desk: Desk, callback_id: int) -> Any:
    return desk.client.post(
        f"/v1/callbacks/{callback_id}/cancel",
        json={"reason": "Customer called in"},
        headers=desk.admin,
    )


def test_cancelling_withdraws_the_queued_notice_and_it_is_never_sent(
    desk: Desk, smtp: SmtpServer
) -> None:
    callback = follow_up(desk)
    [message] = desk.outbox()
    assert message.status == "pending"
    assert cancel(desk, callback["id"]).status_code == 200

    assert message_status(desk, message.id) == "withdrawn"
    [cancelled] = [e for e in desk.events(callback["id"]) if e["kind"] == "cancelled"]
    assert cancelled["facts"]["messages"] == {str(message.id): "withdrawn"}
    assert "message.withdrawn" in audit_actions(desk, "outbox_message", message.id)
    smtp.start()
    assert deliver_once(desk, smtp).claimed == 0
    assert smtp.inbox.received == []


def test_cancelling_a_service_assurance_request_withdraws_its_scheduling_email(
    desk: Desk, smtp: SmtpServer
) -> None:
    account = desk.account()
    _, specialist = desk.agent(lob="sa_bts", role="specialist")
    callback = desk.request(
        specialist,
        account_id=account["id"],
        origin="sa_email_request",
        reason="email_request",
        line_of_business="sa_bts",
        customer_spoken_to=False,
    )
    assert callback["status"] == "awaiting_schedule"
    assert cancel(desk, callback["id"]).status_code == 200
    smtp.start()
    assert deliver_once(desk, smtp).claimed == 0
    assert [row.status for row in desk.outbox()] == ["withdrawn"]


def test_a_sent_notice_is_not_withdrawn_by_a_later_cancel(desk: Desk, smtp: SmtpServer) -> None:
    callback = follow_up(desk)
    smtp.start()
    assert deliver_once(desk, smtp).sent == 1
    assert cancel(desk, callback["id"]).status_code == 200
    [message] = desk.outbox()
    assert message.status == "sent"
    [cancelled] = [e for e in desk.events(callback["id"]) if e["kind"] == "cancelled"]
    assert cancelled["facts"]["messages"] == {str(message.id): "sent"}


def test_a_dead_notice_needs_attention_and_a_leader_requeues_it(
    desk: Desk, smtp: SmtpServer
) -> None:
    callback = follow_up(desk)
    callback_id = callback["id"]
    assert deliver_once(desk, smtp).dead == 1  # the server is down: the outbox gives up
    assert desk.advance() == 1

    flagged = desk.get(callback_id)
    assert flagged["status"] == "needs_attention"
    [event] = [e for e in desk.events(callback_id) if e["kind"] == "needs_attention"]
    assert event["from_status"] == "awaiting_notification"
    assert "requeue it or cancel" in event["detail"]
    assert "callback.needs_attention" in audit_actions(desk, "callback", callback_id)
    assert desk.advance() == 0  # flagged once

    leader = desk.auth(Role.LEADER)
    listed = desk.client.get("/v1/callbacks/needs-attention", headers=leader)
    assert listed.status_code == 200, listed.text
    assert [item["id"] for item in listed.json()["items"]] == [callback_id]
    _, agent = desk.agent()
    assert desk.client.get("/v1/callbacks/needs-attention", headers=agent).status_code == 403
    denied = desk.client.post(f"/v1/callbacks/{callback_id}/requeue-notice", headers=agent)
    assert denied.status_code == 403

    requeued = desk.client.post(f"/v1/callbacks/{callback_id}/requeue-notice", headers=leader)
    assert requeued.status_code == 200, requeued.text
    assert requeued.json()["status"] == "awaiting_notification"
    again = desk.client.post(f"/v1/callbacks/{callback_id}/requeue-notice", headers=leader)
    assert again.status_code == 409 and again.json()["field"] == "callback_id"
    smtp.start()
    assert deliver_once(desk, smtp).sent == 1
    assert desk.advance() == 1
    assert desk.get(callback_id)["status"] == "scheduled"
    assert len(smtp.inbox.received) == 1


def test_a_callback_needing_attention_can_be_cancelled(desk: Desk, smtp: SmtpServer) -> None:
    callback = follow_up(desk)
    deliver_once(desk, smtp)
    desk.advance()
    assert cancel(desk, callback["id"]).status_code == 200
    assert desk.get(callback["id"])["status"] == "cancelled"
    [message] = desk.outbox()
    assert message.status == "withdrawn"  # a dead message no one will requeue any more
    listed = desk.client.get("/v1/callbacks/needs-attention", headers=desk.admin)
    assert listed.json()["items"] == []
