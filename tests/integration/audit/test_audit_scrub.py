"""Audit records are stored scrubbed: password hashes and secrets in any value, secret-named
keys, on both engines."""

from __future__ import annotations

from argon2 import PasswordHasher

from caredesk.audit.service import Actor, events_query, record
from caredesk.db.session import Database
from caredesk.privacy import REDACTED

HASH = PasswordHasher().hash("hunter2hunter2")


def test_hashes_and_secrets_never_reach_the_audit_table(db: Database) -> None:
    with db.uow() as uow:
        record(
            uow,
            actor=Actor.system("test"),
            action="user.password_changed",
            subject_type="user",
            subject_id=7,
            before={"password_hash": HASH},
            after={"hashed": HASH, "login": "ana"},
            details={"statement": f"UPDATE users SET password_hash='{HASH}'", "note": "pin 4821"},
        )
        uow.commit()
    with db.uow() as uow:
        [event] = uow.session.scalars(events_query(subject_type="user", subject_id="7")).all()
        before, after, details = event.before, event.after, event.details
    stored = repr((before, after, details))
    assert "argon2" not in stored and "4821" not in stored
    assert before == {"password_hash": REDACTED}
    assert after == {"hashed": REDACTED, "login": "ana"}
    assert details == {
        "statement": f"UPDATE users SET password_hash='{REDACTED}'",
        "note": f"pin {REDACTED}",
    }
