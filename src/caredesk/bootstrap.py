"""The only place that picks implementations: engine, clock and adapters."""

from __future__ import annotations

from caredesk.clock import Clock, SystemClock
from caredesk.config import Settings
from caredesk.db.migrate import ensure_sqlite_directory
from caredesk.db.session import Database


def connect_database(settings: Settings, clock: Clock | None = None) -> Database:
    ensure_sqlite_directory(settings.database_url)
    return Database.connect(settings.database_url, clock or SystemClock())
