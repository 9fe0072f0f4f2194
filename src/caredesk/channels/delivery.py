"""Delivering the outbox. Workers share the table through leases (``caredesk.db.leases``): a
claim reads due rows (``FOR UPDATE SKIP LOCKED`` on PostgreSQL) and leases them with a guarded
UPDATE, commits, and only then sends; the outcome is recorded under the lease token, so a worker
whose lease was taken over cannot mark anything. A worker that dies mid-send leaves a lease that
expires, and the message is picked up again.

Delivery to the provider is at least once: a worker that dies after the SMTP server accepted a
message but before recording it sends it again when the lease expires. The Message-ID is derived
from the idempotency key, so the receiving side can tell the two apart."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from caredesk.audit.service import Actor, record
from caredesk.channels.messages import message_from_payload
from caredesk.channels.models import OPEN_STATUSES, OutboxMessage, OutboxStatus
from caredesk.channels.ports import DeliveryError, MessageSender, SendReceipt
from caredesk.db.leases import Lease, LeaseColumns, lease_rows, release_lease
from caredesk.db.session import Database
from caredesk.errors import DomainError, ValidationFailed
from caredesk.privacy import scrub_text

log = logging.getLogger(__name__)

MAX_ERROR = 1000
MAX_WORKER_ID = 120
MAX_BATCH = 1000
MAX_LEASE_SECONDS = 86_400

LEASE = LeaseColumns(
    owner=OutboxMessage.leased_by,
    token=OutboxMessage.lease_token,
    expires=OutboxMessage.leased_until,
)


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff: base, then doubling up to the cap. A message that has failed
    ``max_attempts`` times, or once with a permanent error, is marked dead with the reason."""

    base_seconds: float = 30.0
    cap_seconds: float = 3600.0
    max_attempts: int = 10

    def __post_init__(self) -> None:
        if not 0 < self.base_seconds <= self.cap_seconds:
            raise ValueError("retry base_seconds must be above 0 and at most cap_seconds")
        if self.max_attempts < 1:
            raise ValueError("retry max_attempts must be at least 1")

    def delay(self, attempts: int) -> timedelta:
        """The wait after the ``attempts``-th failure (1 -> base, 2 -> 2 x base, ...)."""
        exponent = min(max(attempts - 1, 0), 40)
        return timedelta(seconds=min(self.cap_seconds, self.base_seconds * 2**exponent))


@dataclass(frozen=True)
class Claim:
    """A message leased to one worker until ``leased_until``."""

    id: int
    kind: str
    idempotency_key: str
    payload: Mapping[str, Any]
    attempts: int  # failed or successful sends before this one
    lease_token: str
    leased_until: datetime


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dead: int = 0
    lease_lost: int = 0
    sent_ids: list[int] = field(default_factory=list)


def _check_worker(worker_id: str) -> None:
    if not worker_id or len(worker_id) > MAX_WORKER_ID or not worker_id.isprintable():
        raise ValidationFailed(
            f"must be 1 to {MAX_WORKER_ID} printable characters", field="worker_id"
        )


def claim_due(
    db: Database, *, now: datetime, batch: int = 50, lease_seconds: float = 60, worker_id: str
) -> list[Claim]:
    """Leases up to ``batch`` due messages to ``worker_id`` and commits the lease, oldest first.
    A message whose earlier lease has expired is due again."""
    _check_worker(worker_id)
    if now.tzinfo is None:
        raise ValidationFailed("must include a UTC offset", field="now")
    if not 1 <= batch <= MAX_BATCH:
        raise ValidationFailed(f"must be 1 to {MAX_BATCH}", field="batch")
    if not 0 < lease_seconds <= MAX_LEASE_SECONDS:
        raise ValidationFailed(
            f"must be above 0 and at most {MAX_LEASE_SECONDS}", field="lease_seconds"
        )
    lease = Lease.take(worker_id, now=now, seconds=lease_seconds)
    due = (OutboxMessage.status.in_(OPEN_STATUSES), OutboxMessage.available_at <= now)
    with db.uow() as uow, uow.atomic():
        leased = lease_rows(
            uow,
            OutboxMessage,
            LEASE,
            lease,
            candidates=due,
            order_by=(OutboxMessage.available_at, OutboxMessage.id),
            values={"status": OutboxStatus.SENDING.value},
            batch=batch,
            returning=(
                OutboxMessage.kind,
                OutboxMessage.idempotency_key,
                OutboxMessage.payload,
                OutboxMessage.attempts,
                OutboxMessage.available_at,
            ),
        )
    ordered = sorted(
        (claimed.after for claimed in leased), key=lambda row: (row.available_at, row.id)
    )
    return [
        Claim(
            id=row.id,
            kind=row.kind,
            idempotency_key=row.idempotency_key,
            payload=row.payload,
            attempts=row.attempts,
            lease_token=lease.token,
            leased_until=lease.expires_at,
        )
        for row in ordered
    ]


def send_claimed(
    db: Database,
    sender: MessageSender,
    claim: Claim,
    *,
    now: datetime | None = None,
    retry: RetryPolicy | None = None,
    worker_id: str,
) -> str:
    """Sends one claimed message and records the outcome: "sent", "retried", "dead", or
    "lease_lost" when another worker took the message over in the meantime."""
    receipt: SendReceipt | None = None
    error: DeliveryError | None = None
    try:
        message = message_from_payload(claim.payload, idempotency_key=claim.idempotency_key)
    except DomainError as exc:
        error = DeliveryError(
            f"stored payload is unusable: {exc.field}: {exc.detail}", retryable=False
        )
    else:
        try:
            receipt = sender.send(message)
        except DeliveryError as exc:
            error = exc
        except Exception as exc:  # an adapter bug must not lose the message or stop the loop
            log.exception("message sender raised", extra={"outbox_id": claim.id})
            error = DeliveryError(f"{type(exc).__name__}: {exc}", retryable=True)
    return _record_outcome(
        db,
        claim,
        now=now or db.clock.now(),
        receipt=receipt,
        error=error,
        retry=retry or RetryPolicy(),
        worker_id=worker_id,
    )


def _record_outcome(
    db: Database,
    claim: Claim,
    *,
    now: datetime,
    receipt: SendReceipt | None,
    error: DeliveryError | None,
    retry: RetryPolicy,
    worker_id: str,
) -> str:
    attempts = claim.attempts + 1
    values: dict[str, Any] = {"attempts": attempts}
    details: dict[str, Any] = {"kind": claim.kind, "attempts": attempts, "worker": worker_id}
    if receipt is not None:
        outcome, action = "sent", "message.sent"
        reference = f"{receipt.provider}:{receipt.reference}"[:300]
        values.update(
            status=OutboxStatus.SENT.value, sent_at=now, receipt=reference, last_error=None
        )
        details["receipt"] = reference
    else:
        assert error is not None
        reason = scrub_text(error.reason)[:MAX_ERROR]
        values["last_error"] = reason
        details["error"] = reason
        if error.retryable and attempts < retry.max_attempts:
            outcome, action = "retried", "message.retry_scheduled"
            next_at = now + retry.delay(attempts)
            values.update(status=OutboxStatus.PENDING.value, available_at=next_at)
            details["next_attempt_at"] = next_at.isoformat()
        else:
            outcome, action = "dead", "message.dead"
            if error.retryable:
                reason = f"gave up after {attempts} attempts: {reason}"[:MAX_ERROR]
                values["last_error"] = details["error"] = reason
            values["status"] = OutboxStatus.DEAD.value
    with db.uow() as uow, uow.atomic():
        recorded = release_lease(
            uow,
            OutboxMessage,
            LEASE,
            claim.id,
            claim.lease_token,
            guard=(OutboxMessage.status == OutboxStatus.SENDING.value,),
            values=values,
        )
        if not recorded:
            log.warning(
                "outbox lease lost before the outcome was recorded",
                extra={"outbox_id": claim.id, "worker": worker_id, "outcome": outcome},
            )
            return "lease_lost"
        record(
            uow,
            actor=Actor.system("outbox"),
            action=action,
            subject_type="outbox_message",
            subject_id=claim.id,
            details=details,
        )
    if outcome == "dead":
        log.warning(
            "outbox message is dead",
            extra={"outbox_id": claim.id, "kind": claim.kind, "reason": values["last_error"]},
        )
    return outcome


def deliver_due(
    db: Database,
    sender: MessageSender,
    *,
    now: datetime | None = None,
    batch: int = 50,
    lease_seconds: float = 60,
    worker_id: str,
    retry: RetryPolicy | None = None,
) -> DeliveryReport:
    """One pass: claims due messages, sends each after the claim has committed, records each
    outcome. The lease must outlast a batch of sends (batch x the sender's timeout)."""
    claims = claim_due(
        db,
        now=now or db.clock.now(),
        batch=batch,
        lease_seconds=lease_seconds,
        worker_id=worker_id,
    )
    report = DeliveryReport(claimed=len(claims))
    for claim in claims:
        outcome = send_claimed(db, sender, claim, now=now, retry=retry, worker_id=worker_id)
        if outcome == "sent":
            report.sent += 1
            report.sent_ids.append(claim.id)
        elif outcome == "retried":
            report.retried += 1
        elif outcome == "dead":
            report.dead += 1
        else:
            report.lease_lost += 1
    return report
