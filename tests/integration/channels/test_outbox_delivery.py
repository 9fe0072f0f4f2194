"""Delivering the outbox to a real SMTP server: once each, never lost, shared between workers."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from caredesk.audit.models import AuditEvent
from caredesk.audit.service import Actor
from caredesk.channels import delivery, outbox
from caredesk.channels.email.log_sender import LogSender
from caredesk.channels.email.smtp import SmtpSender, SmtpSettings
from caredesk.channels.messages import message_from_payload, message_to_payload
from caredesk.channels.models import OutboxMessage, OutboxStatus
from caredesk.channels.ports import Channel, DeliveryError, OutboundMessage, SendReceipt
from caredesk.channels.senders import SenderByChannel
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.errors import InvalidTransition, NotFound, ValidationFailed
from tests.integration.channels.conftest import SmtpServer


def smtp(db: Database, port: int) -> SmtpSender:
    settings = SmtpSettings(host="127.0.0.1", port=port, from_address="care@northwind.example")
    return SmtpSender(settings, db.clock)


def queue(
    db: Database, count: int = 1, *, to: str = "ana@example.com", prefix: str = "m"
) -> list[int]:
    ids = []
    with db.uow() as uow:
        for index in range(count):
            message = OutboundMessage(
                channel=Channel.EMAIL,
                to=to,
                subject=f"Message {index}",
                text=f"Body {index}",
                idempotency_key=f"{prefix}-{index}",
            )
            ids.append(outbox.enqueue_message(uow, kind="test", message=message).id)
        uow.commit()
    return ids


def row(db: Database, message_id: int) -> OutboxMessage:
    with db.uow() as uow:
        found = uow.session.get(OutboxMessage, message_id)
        assert found is not None
        uow.session.expunge(found)  # keeps its values past the closing rollback
        return found


def audit_actions(db: Database, message_id: int) -> list[str]:
    with db.uow() as uow:
        return list(
            uow.session.scalars(
                select(AuditEvent.action)
                .where(AuditEvent.subject_type == "outbox_message")
                .where(AuditEvent.subject_id == str(message_id))
                .order_by(AuditEvent.id)
            )
        )


def test_delivered_once(db: Database, clock: FixedClock, smtp_server: SmtpServer) -> None:
    [message_id] = queue(db)
    sender = smtp(db, smtp_server.port)

    report = delivery.deliver_due(db, sender, now=clock.now(), worker_id="w1")
    again = delivery.deliver_due(db, sender, now=clock.now() + timedelta(hours=2), worker_id="w1")

    assert (report.claimed, report.sent, again.claimed) == (1, 1, 0)
    assert len(smtp_server.inbox.received) == 1
    stored = row(db, message_id)
    assert stored.status == OutboxStatus.SENT
    assert stored.sent_at == clock.now()
    assert stored.attempts == 1
    assert stored.leased_until is None and stored.lease_token is None
    assert stored.receipt == f"smtp:{smtp_server.inbox.message_ids()[0]}"
    assert audit_actions(db, message_id) == ["message.sent"]


def test_not_delivered_before_available_at(
    db: Database, clock: FixedClock, smtp_server: SmtpServer
) -> None:
    with db.uow() as uow:
        outbox.enqueue_message(
            uow,
            kind="test",
            message=OutboundMessage(
                Channel.EMAIL, "ana@example.com", "Later", "Body", idempotency_key="later"
            ),
            available_at=clock.now() + timedelta(minutes=10),
        )
        uow.commit()
    sender = smtp(db, smtp_server.port)
    assert delivery.deliver_due(db, sender, now=clock.now(), worker_id="w").claimed == 0
    clock.advance(timedelta(minutes=10))
    assert delivery.deliver_due(db, sender, now=clock.now(), worker_id="w").sent == 1


def test_server_down_then_up(db: Database, clock: FixedClock, smtp_down: SmtpServer) -> None:
    [message_id] = queue(db)
    sender = smtp(db, smtp_down.port)

    report = delivery.deliver_due(db, sender, now=clock.now(), worker_id="w1")

    assert (report.claimed, report.sent, report.retried) == (1, 0, 1)
    stored = row(db, message_id)
    assert stored.status == OutboxStatus.PENDING
    assert stored.attempts == 1
    assert stored.available_at == clock.now() + timedelta(seconds=30)
    assert stored.last_error and "refused" in stored.last_error
    assert stored.leased_until is None
    # Not due again until the backoff has passed, even with the server back.
    smtp_down.start()
    assert delivery.deliver_due(db, sender, now=clock.now(), worker_id="w1").claimed == 0
    assert smtp_down.inbox.received == []

    clock.advance(timedelta(seconds=31))
    report = delivery.deliver_due(db, sender, now=clock.now(), worker_id="w1")
    delivery.deliver_due(db, sender, now=clock.now() + timedelta(hours=1), worker_id="w1")

    assert report.sent == 1
    assert len(smtp_down.inbox.received) == 1
    stored = row(db, message_id)
    assert stored.status == OutboxStatus.SENT and stored.attempts == 2
    assert audit_actions(db, message_id) == ["message.retry_scheduled", "message.sent"]


def test_backoff_doubles_to_the_cap_then_gives_up(db: Database, clock: FixedClock) -> None:
    [message_id] = queue(db)
    sender = LogSender()
    sender.fail_next(DeliveryError("451 try later", retryable=True), times=10)
    retry = delivery.RetryPolicy(base_seconds=30, cap_seconds=100, max_attempts=5)
    waits = []
    for _ in range(4):
        before = clock.now()
        report = delivery.deliver_due(db, sender, now=before, worker_id="w", retry=retry)
        assert report.retried == 1
        waits.append(row(db, message_id).available_at - before)
        clock.set(row(db, message_id).available_at)
    assert waits == [timedelta(seconds=s) for s in (30, 60, 100, 100)]

    report = delivery.deliver_due(db, sender, now=clock.now(), worker_id="w", retry=retry)

    assert report.dead == 1
    stored = row(db, message_id)
    assert stored.status == OutboxStatus.DEAD and stored.attempts == 5
    assert stored.last_error == "gave up after 5 attempts: 451 try later"
    assert (
        delivery.deliver_due(db, sender, now=clock.now() + timedelta(days=1), worker_id="w").claimed
        == 0
    )
    assert sender.messages == []


def test_permanent_refusal_is_dead_at_once(
    db: Database, clock: FixedClock, smtp_server: SmtpServer
) -> None:
    [message_id] = queue(db, to="reject-me@example.com")
    report = delivery.deliver_due(db, smtp(db, smtp_server.port), now=clock.now(), worker_id="w")
    assert report.dead == 1
    stored = row(db, message_id)
    assert stored.status == OutboxStatus.DEAD and stored.attempts == 1
    assert stored.last_error and "550" in stored.last_error
    assert audit_actions(db, message_id) == ["message.dead"]


def test_errors_are_scrubbed_before_storing(db: Database, clock: FixedClock) -> None:
    [message_id] = queue(db)
    sender = LogSender()
    sender.fail_next(DeliveryError("bounced: SSN 123-45-6789 in body", retryable=True))
    delivery.deliver_due(db, sender, now=clock.now(), worker_id="w")
    stored = row(db, message_id)
    assert stored.last_error is not None and "123-45-6789" not in stored.last_error
    assert "[redacted]" in stored.last_error


class Exploding:
    def send(self, message: OutboundMessage) -> SendReceipt:
        raise RuntimeError("adapter bug")


def test_an_adapter_bug_keeps_the_message(db: Database, clock: FixedClock) -> None:
    [message_id] = queue(db)
    report = delivery.deliver_due(db, Exploding(), now=clock.now(), worker_id="w")
    assert report.retried == 1
    stored = row(db, message_id)
    assert stored.status == OutboxStatus.PENDING
    assert stored.last_error == "RuntimeError: adapter bug"


def test_a_corrupted_payload_is_dead_not_stuck(db: Database, clock: FixedClock) -> None:
    [message_id] = queue(db)
    with db.uow() as uow:
        uow.session.execute(
            update(OutboxMessage).where(OutboxMessage.id == message_id).values(payload={"x": 1})
        )
        uow.commit()
    report = delivery.deliver_due(db, LogSender(), now=clock.now(), worker_id="w")
    assert report.dead == 1
    assert "payload.x" in (row(db, message_id).last_error or "")


@pytest.mark.parametrize("batch", [1, 7])
def test_two_workers_race_and_each_message_is_sent_once(
    db: Database, clock: FixedClock, smtp_server: SmtpServer, batch: int
) -> None:
    ids = queue(db, 50)
    sender = smtp(db, smtp_server.port)
    barrier = threading.Barrier(2)
    reports: dict[str, list[delivery.DeliveryReport]] = {"a": [], "b": []}
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            barrier.wait()
            while True:
                report = delivery.deliver_due(
                    db, sender, now=clock.now(), batch=batch, worker_id=name
                )
                reports[name].append(report)
                if report.claimed == 0:
                    return
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(name,)) for name in reports]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    message_ids = smtp_server.inbox.message_ids()
    assert len(message_ids) == 50 and len(set(message_ids)) == 50
    subjects = sorted(str(item.parsed()["Subject"]) for item in smtp_server.inbox.received)
    assert subjects == sorted(f"Message {index}" for index in range(50))
    sent_ids = [i for name in reports for report in reports[name] for i in report.sent_ids]
    assert sorted(sent_ids) == ids
    assert sum(r.lease_lost for name in reports for r in reports[name]) == 0
    with db.uow() as uow:
        assert outbox.pending_count(uow) == 0
        statuses = set(uow.session.scalars(select(OutboxMessage.status)))
        assert statuses == {OutboxStatus.SENT}
        sent_events = uow.session.scalars(
            select(AuditEvent.subject_id).where(AuditEvent.action == "message.sent")
        ).all()
        assert sorted(int(i) for i in sent_events) == ids


def test_expired_lease_is_claimed_again_and_sent_once(
    db: Database, clock: FixedClock, smtp_server: SmtpServer
) -> None:
    [message_id] = queue(db)
    sender = smtp(db, smtp_server.port)
    # Worker "a" claims and dies before sending anything.
    [claim] = delivery.claim_due(db, now=clock.now(), lease_seconds=60, worker_id="a")
    leased = row(db, message_id)
    assert leased.status == OutboxStatus.SENDING and leased.leased_by == "a"

    assert delivery.deliver_due(db, sender, now=clock.now(), worker_id="b").claimed == 0
    clock.advance(timedelta(seconds=59))
    assert delivery.deliver_due(db, sender, now=clock.now(), worker_id="b").claimed == 0
    clock.advance(timedelta(seconds=2))
    report = delivery.deliver_due(db, sender, now=clock.now(), worker_id="b")
    assert report.sent == 1
    assert len(smtp_server.inbox.received) == 1

    # "a" comes back and tries to record an outcome on a lease it no longer holds.
    late = delivery.send_claimed(db, LogSender(), claim, now=clock.now(), worker_id="a")
    assert late == "lease_lost"
    stored = row(db, message_id)
    assert stored.status == OutboxStatus.SENT and stored.attempts == 1
    assert stored.receipt == f"smtp:{smtp_server.inbox.message_ids()[0]}"
    assert audit_actions(db, message_id) == ["message.sent"]


def test_crash_after_the_server_accepted_resends_with_the_same_message_id(
    db: Database, clock: FixedClock, smtp_server: SmtpServer
) -> None:
    [message_id] = queue(db)
    sender = smtp(db, smtp_server.port)
    [claim] = delivery.claim_due(db, now=clock.now(), worker_id="a")
    stored = row(db, message_id)
    sender.send(message_from_payload(claim.payload, idempotency_key=claim.idempotency_key))
    # ...and "a" dies before recording it. At least once: the lease runs out, "b" resends.
    clock.advance(timedelta(seconds=61))
    assert delivery.deliver_due(db, sender, now=clock.now(), worker_id="b").sent == 1
    first, second = smtp_server.inbox.message_ids()
    assert first == second
    assert row(db, message_id).status == OutboxStatus.SENT
    assert stored.status == OutboxStatus.SENDING


def test_a_claim_takes_at_most_its_batch_oldest_first(db: Database, clock: FixedClock) -> None:
    ids = queue(db, 5)
    first = delivery.claim_due(db, now=clock.now(), batch=2, worker_id="a")
    second = delivery.claim_due(db, now=clock.now(), batch=2, worker_id="b")
    third = delivery.claim_due(db, now=clock.now(), batch=2, worker_id="c")
    assert [c.id for c in first] == ids[:2]
    assert [c.id for c in second] == ids[2:4]
    assert [c.id for c in third] == ids[4:]
    assert delivery.claim_due(db, now=clock.now(), batch=2, worker_id="d") == []
    with db.uow() as uow:
        leased_by = {r.id: r.leased_by for r in outbox.list_messages(uow)}
    assert leased_by == dict(zip(ids, "aabbc", strict=True))


def test_claim_refuses_bad_arguments(db: Database, clock: FixedClock) -> None:
    queue(db)
    for arguments, field in (
        ({"worker_id": ""}, "worker_id"),
        ({"worker_id": "w", "batch": 0}, "batch"),
        ({"worker_id": "w", "lease_seconds": 0}, "lease_seconds"),
        ({"worker_id": "w", "lease_seconds": float("nan")}, "lease_seconds"),
        ({"worker_id": "w", "batch": 1001}, "batch"),
        ({"worker_id": "w", "now": clock.now().replace(tzinfo=None)}, "now"),
    ):
        with pytest.raises(ValidationFailed) as caught:
            delivery.claim_due(db, **{"now": clock.now(), **arguments})  # type: ignore[arg-type]
        assert caught.value.field == field
    with db.uow() as uow:
        assert {r.status for r in outbox.list_messages(uow)} == {OutboxStatus.PENDING}


def test_requeue_a_dead_message(db: Database, clock: FixedClock) -> None:
    [message_id] = queue(db)
    sender = LogSender()
    sender.fail_next(DeliveryError("550 no such user", retryable=False))
    delivery.deliver_due(db, sender, now=clock.now(), worker_id="w")

    with db.uow() as uow:
        requeued = outbox.requeue_message(uow, actor=Actor.user(1), message_id=message_id)
    assert requeued.status == OutboxStatus.PENDING and requeued.attempts == 0
    assert delivery.deliver_due(db, sender, now=clock.now(), worker_id="w").sent == 1
    assert audit_actions(db, message_id) == ["message.dead", "message.requeued", "message.sent"]

    with db.uow() as uow, pytest.raises(InvalidTransition) as caught:
        outbox.requeue_message(uow, actor=Actor.user(1), message_id=message_id)
    assert caught.value.field == "message_id"
    with db.uow() as uow, pytest.raises(NotFound):
        outbox.requeue_message(uow, actor=Actor.user(1), message_id=999_999)
    assert row(db, message_id).status == OutboxStatus.SENT
    assert audit_actions(db, message_id)[-1] == "message.sent"


def test_sms_and_email_go_to_their_own_senders(
    db: Database, clock: FixedClock, smtp_server: SmtpServer
) -> None:
    sms = LogSender()
    with db.uow() as uow:
        outbox.enqueue(
            uow,
            kind="notice",
            idempotency_key="sms",
            payload=message_to_payload(
                OutboundMessage(Channel.SMS, "+12065550199", "", "We'll call you back")
            ),
        )
        outbox.enqueue(
            uow,
            kind="notice",
            idempotency_key="mail",
            payload=message_to_payload(
                OutboundMessage(Channel.EMAIL, "ana@example.com", "Hi", "We'll call you back")
            ),
        )
        uow.commit()
    router = SenderByChannel({Channel.EMAIL: smtp(db, smtp_server.port), Channel.SMS: sms})
    assert delivery.deliver_due(db, router, now=clock.now(), worker_id="w").sent == 2
    assert [m.to for m in sms.messages] == ["+12065550199"]
    assert len(smtp_server.inbox.received) == 1
