"""Writing to the outbox: in the caller's transaction, once per idempotency key, refused whole
when malformed."""

from __future__ import annotations

import base64
import threading
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from caredesk.channels import outbox
from caredesk.channels.messages import MAX_PAYLOAD_BYTES, message_to_payload
from caredesk.channels.models import OutboxMessage, OutboxStatus
from caredesk.channels.ports import Attachment, Channel, OutboundMessage
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.errors import ValidationFailed


def payload(**changes: Any) -> dict[str, Any]:
    base = message_to_payload(
        OutboundMessage(
            channel=Channel.EMAIL,
            to="ana@example.com",
            subject="We'll call you back",
            text="Hi Ana, we'll call you around 2:00 PM EDT.",
            html="<p>Hi Ana</p>",
            attachments=(Attachment("slot-1.ics", "text/calendar; method=REQUEST", b"BEGIN"),),
            headers={"X-Caredesk-Callback": "7"},
        )
    )
    base.update(changes)
    return base


def count_rows(db: Database) -> int:
    with db.uow() as uow:
        return uow.session.scalar(select(func.count(OutboxMessage.id))) or 0


def test_enqueue_writes_in_the_callers_transaction(db: Database, clock: FixedClock) -> None:
    with db.uow() as uow:
        row = outbox.enqueue(uow, kind="callback.notice", payload=payload(), idempotency_key="k1")
        assert row.id is not None
        # Leaving without commit: the state change and its message vanish together.
    assert count_rows(db) == 0

    with db.uow() as uow:
        row = outbox.enqueue(uow, kind="callback.notice", payload=payload(), idempotency_key="k1")
        uow.commit()
    with db.uow() as uow:
        stored = uow.session.get(OutboxMessage, row.id)
        assert stored is not None
        assert stored.status == OutboxStatus.PENDING
        assert stored.attempts == 0
        assert stored.available_at == clock.now()
        assert stored.channel == "email"
        assert stored.payload == payload()


def test_same_key_twice_is_one_row(db: Database, clock: FixedClock) -> None:
    with db.uow() as uow:
        first = outbox.enqueue(uow, kind="a", payload=payload(), idempotency_key="dup")
        again = outbox.enqueue(uow, kind="a", payload=payload(), idempotency_key="dup")
        assert again.id == first.id
        uow.commit()
    clock.advance(timedelta(minutes=5))
    with db.uow() as uow:
        later = outbox.enqueue(
            uow, kind="a", payload=payload(subject="Changed"), idempotency_key="dup"
        )
        uow.commit()
    assert later.id == first.id
    assert later.payload["subject"] == "We'll call you back"  # the first write wins
    assert count_rows(db) == 1


def test_concurrent_enqueue_of_one_key_is_one_row(db: Database) -> None:
    barrier = threading.Barrier(4)
    ids: list[int] = []
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            barrier.wait()
            with db.uow() as uow:
                row = outbox.enqueue(uow, kind="a", payload=payload(), idempotency_key="race")
                uow.commit()
                ids.append(row.id)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(ids)) == 1 and len(ids) == 4
    assert count_rows(db) == 1


def test_enqueue_message_uses_the_message_key(db: Database) -> None:
    message = OutboundMessage(
        channel=Channel.SMS, to="+12065550199", subject="", text="Hi", idempotency_key="sms-1"
    )
    with db.uow() as uow:
        row = outbox.enqueue_message(uow, kind="callback.notice", message=message)
        uow.commit()
    assert row.idempotency_key == "sms-1"
    assert row.channel == "sms"


BAD_PAYLOADS = [
    (payload(channel="fax"), "payload.channel"),
    (payload(to=""), "payload.to"),
    (payload(to="not-an-address"), "payload.to"),
    (payload(to="ana@example.com\r\nBcc: x@example.com"), "payload.to"),
    (payload(subject="Hi\nBcc: x@example.com"), "payload.subject"),
    (payload(subject=""), "payload.subject"),
    (payload(text=""), "payload.text"),
    (payload(text=12), "payload.text"),
    (payload(text="Your SSN 123-45-6789 is on file"), "payload.text"),
    (payload(html="<p>card 4111 1111 1111 1111</p>"), "payload.html"),
    (payload(headers={"From": "boss@example.com"}), "payload.headers.From"),
    (payload(headers={"X-Ok": "a\r\nb"}), "payload.headers.X-Ok"),
    (payload(headers={"Bad Name": "x"}), "payload.headers.Bad Name"),
    (payload(attachments=[{"filename": "a.ics"}]), "payload.attachments.0"),
    (
        payload(
            attachments=[
                {"filename": "../etc/passwd", "content_type": "text/plain", "data_base64": "QQ=="}
            ]
        ),
        "payload.attachments.0.filename",
    ),
    (
        payload(
            attachments=[{"filename": "a.ics", "content_type": "text/plain", "data_base64": "%%%"}]
        ),
        "payload.attachments.0.data_base64",
    ),
    (payload(surprise=True), "payload.surprise"),
    ({**payload(), "channel": "sms", "to": "+12065550199"}, "payload.channel"),
    (payload(channel="sms", to="2065550199", html=None, attachments=[]), "payload.to"),
    (
        payload(channel="sms", to="+12065550199", html=None, attachments=[], text="x" * 1601),
        "payload.text",
    ),
]


@pytest.mark.parametrize(("bad", "field"), BAD_PAYLOADS)
def test_malformed_payload_is_refused_and_nothing_written(
    db: Database, bad: dict[str, Any], field: str
) -> None:
    with db.uow() as uow, pytest.raises(ValidationFailed) as caught:
        outbox.enqueue(uow, kind="a", payload=bad, idempotency_key="bad")
        uow.commit()
    assert caught.value.field == field
    assert count_rows(db) == 0


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": ""}, "kind"),
        ({"kind": "k" * 61}, "kind"),
        ({"idempotency_key": ""}, "idempotency_key"),
        ({"idempotency_key": "k" * 201}, "idempotency_key"),
        ({"idempotency_key": "line\nbreak"}, "idempotency_key"),
    ],
)
def test_bad_kind_or_key_is_refused(db: Database, changes: dict[str, Any], field: str) -> None:
    arguments: dict[str, Any] = {"kind": "a", "payload": payload(), "idempotency_key": "k"}
    arguments.update(changes)
    with db.uow() as uow, pytest.raises(ValidationFailed) as caught:
        outbox.enqueue(uow, **arguments)
    assert caught.value.field == field
    assert count_rows(db) == 0


def test_naive_available_at_is_refused(db: Database) -> None:
    naive = db.clock.now().replace(tzinfo=None)
    with db.uow() as uow, pytest.raises(ValidationFailed) as caught:
        outbox.enqueue(uow, kind="a", payload=payload(), idempotency_key="k", available_at=naive)
    assert caught.value.field == "available_at"
    assert count_rows(db) == 0


def test_huge_payload_is_refused(db: Database) -> None:
    chunk = base64.b64encode(b"x" * 900_000).decode()
    attachments = [
        {
            "filename": f"part-{index}.bin",
            "content_type": "application/octet-stream",
            "data_base64": chunk,
        }
        for index in range(3)
    ]
    huge = payload(attachments=attachments)
    assert len(str(huge)) > MAX_PAYLOAD_BYTES
    with db.uow() as uow, pytest.raises(ValidationFailed) as caught:
        outbox.enqueue(uow, kind="a", payload=huge, idempotency_key="huge")
    assert caught.value.field == "payload"
    assert count_rows(db) == 0


def test_helpers_count_list_and_find(db: Database, clock: FixedClock) -> None:
    with db.uow() as uow:
        outbox.enqueue(uow, kind="notice", payload=payload(), idempotency_key="now")
        outbox.enqueue(
            uow,
            kind="sa",
            payload=payload(),
            idempotency_key="later",
            available_at=clock.now() + timedelta(hours=1),
        )
        uow.commit()
    with db.uow() as uow:
        assert outbox.pending_count(uow) == 2
        assert outbox.pending_count(uow, due_by=clock.now()) == 1
        assert [row.kind for row in outbox.list_messages(uow)] == ["notice", "sa"]
        assert [row.kind for row in outbox.list_messages(uow, kind="sa")] == ["sa"]
        first = outbox.list_messages(uow, limit=1)
        assert len(first) == 1
        assert [row.idempotency_key for row in outbox.list_messages(uow, after_id=first[0].id)] == [
            "later"
        ]
        assert outbox.list_messages(uow, status=OutboxStatus.SENT) == []
        found = outbox.find_message(uow, idempotency_key="later")
        assert found is not None and found.kind == "sa"
        assert outbox.find_message(uow, idempotency_key="missing") is None
