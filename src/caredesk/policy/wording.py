"""How the policy's sentences write times: a local clock time, and an instant in a zone."""

from __future__ import annotations

from datetime import UTC, datetime, time

from caredesk.policy.zones import zone_info


def hhmm(moment: datetime | time) -> str:
    # Hand-formatted: strftime costs several times more and this runs on every window check.
    return f"{moment.hour:02d}:{moment.minute:02d}"


def format_instant(instant: datetime, zone_key: str | None = None) -> str:
    """ "2025-03-10 09:00 America/Denver" (or UTC when no zone is known)."""
    zone = zone_info(zone_key) if zone_key else None
    local = instant.astimezone(zone if zone is not None else UTC)
    name = zone_key if zone is not None else "UTC"
    return f"{local.year:04d}-{local.month:02d}-{local.day:02d} {hhmm(local)} {name}"
