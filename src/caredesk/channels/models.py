from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from caredesk.db.base import Base, UTCDateTime


class OutboxStatus(StrEnum):
    PENDING = "pending"  # waiting for its available_at
    SENDING = "sending"  # leased by a worker until leased_until
    SENT = "sent"
    DEAD = "dead"  # will not be tried again; last_error says why
    WITHDRAWN = "withdrawn"  # no longer owed (its callback was cancelled); never sent


OPEN_STATUSES = (OutboxStatus.PENDING.value, OutboxStatus.SENDING.value)


class OutboxMessage(Base):
    """A message owed to a customer, written in the same transaction as the state change that
    owes it and delivered after that transaction commits."""

    __tablename__ = "outbox_messages"
    __table_args__ = (Index("ix_outbox_messages_status_available_at", "status", "available_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # What the message is for ("callback.dropped_call", "sa.scheduling_email"), for reports.
    kind: Mapped[str] = mapped_column(String(60), index=True)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime] = mapped_column(UTCDateTime())
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    leased_by: Mapped[str | None] = mapped_column(String(120))
    # A fresh value per claim: only the holder of the current lease may record the outcome.
    lease_token: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    receipt: Mapped[str | None] = mapped_column(String(300))
    last_error: Mapped[str | None] = mapped_column(Text)
