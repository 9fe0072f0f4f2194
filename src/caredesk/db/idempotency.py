"""Idempotency keys: the one record of which request made what, so that a retried create
returns what the first one made and writes nothing twice.

A key is claimed by inserting its row in the same transaction as the record the request creates:
the unique (scope, key) pair lets exactly one of two racing requests in, on SQLite and
PostgreSQL alike, and a create that fails rolls its claim back with it, so a retry can succeed.
The answer is attached to the row once it is known; a later request with the same key and the
same fingerprint gets that answer back, one with another fingerprint is a Conflict naming the
``Idempotency-Key`` header.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from caredesk.db.base import Base, UTCDateTime
from caredesk.db.idempotency_keys import HEADER as HEADER
from caredesk.db.idempotency_keys import MAX_KEY as MAX_KEY
from caredesk.db.idempotency_keys import check_key as check_key
from caredesk.db.session import Database, UnitOfWork
from caredesk.errors import Conflict


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_idempotency_keys_scope_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scope: Mapped[str] = mapped_column(String(64))
    """A digest of who sent the key: keys are the client's, two clients may pick the same."""
    key: Mapped[str] = mapped_column(String(MAX_KEY))
    fingerprint: Mapped[str] = mapped_column(String(64))
    """A digest of the method, path and body the key was first used with."""
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    response: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(timezone=True))


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    body: str


class KeyInFlight(Conflict):
    """Another request with this key made its record but has not answered yet."""

    slug = "idempotency-key-in-flight"
    title = "A request with this key is in progress"


def digest(*parts: str | bytes) -> str:
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part.encode() if isinstance(part, str) else part)
        hasher.update(b"\x1f")
    return hasher.hexdigest()


def fingerprint_request(method: str, path: str, body: bytes) -> str:
    """The same JSON written with other spacing or key order is the same request."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = body
    return digest(method.upper(), path, canonical)


def _existing(uow: UnitOfWork, scope: str, key: str) -> IdempotencyRecord | None:
    return uow.session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.scope == scope, IdempotencyRecord.key == key
        )
    )


def _answer_for(record: IdempotencyRecord, fingerprint: str) -> StoredAnswer:
    if record.fingerprint != fingerprint:
        raise Conflict(
            "this key was already used for a different request; send a new key for a new request",
            field=HEADER,
        )
    if record.status_code is None or record.response is None:
        raise KeyInFlight(
            "a request with this key is still being answered; send it again in a moment",
            field=HEADER,
        )
    return StoredAnswer(record.status_code, record.response)


def claim_key(uow: UnitOfWork, *, scope: str, key: str, fingerprint: str) -> StoredAnswer | None:
    """Claims the key inside the caller's transaction and returns None, or returns
    the answer the first request with this key got. Raises Conflict for another request."""
    record = _existing(uow, scope, key)
    if record is not None:
        return _answer_for(record, fingerprint)
    uow.session.add(
        IdempotencyRecord(scope=scope, key=key, fingerprint=fingerprint, created_at=uow.clock.now())
    )
    try:
        uow.session.flush()
    except IntegrityError:
        # Another process claimed it between our look and our insert.
        uow.session.rollback()
        record = _existing(uow, scope, key)
        if record is None:
            raise
        return _answer_for(record, fingerprint)
    return None


def store_answer(db: Database, *, scope: str, key: str, status_code: int, body: str) -> None:
    """Attaches the answer to a committed claim; a claim rolled back with its request is gone
    and nothing happens."""
    with db.uow() as uow, uow.atomic():
        uow.session.execute(
            update(IdempotencyRecord)
            .where(
                IdempotencyRecord.scope == scope,
                IdempotencyRecord.key == key,
                IdempotencyRecord.status_code.is_(None),
            )
            .values(status_code=status_code, response=body)
        )
