"""What an idempotency key is: the header (or field) it comes in and the keys accepted. A use
case that takes a key checks it here without loading the table of answered keys
(``caredesk.db.idempotency``): `callback request` keeps its key on the callback itself."""

from __future__ import annotations

from caredesk.errors import ValidationFailed

HEADER = "Idempotency-Key"
MAX_KEY = 200


def check_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise ValidationFailed(f"must be 1 to {MAX_KEY} printable characters", field=HEADER)
    return key
