"""The live events table. Rows are only ever added (and pruned when old)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from caredesk.db.base import Base, UTCDateTime, created_with


class LiveEvent(Base):
    """One change, for the people its audience names (see ``caredesk.live.publish.Audience``).

    ``txid`` is the PostgreSQL transaction that wrote it: a reader takes only rows of
    transactions older than every one still running, so a row committed late with a smaller id
    is never stepped over. SQLite has one writer, whose ids follow commit order; it stays 0."""

    __tablename__ = "live_events"
    # SQLite's AUTOINCREMENT: an id is never given again once its row is pruned.
    __table_args__ = {"info": created_with(sqlite_autoincrement=True)}

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    txid: Mapped[int] = mapped_column(BigInteger, default=0, index=True)
    kind: Mapped[str] = mapped_column(String(60))
    # Customers of this account may see it.
    account_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # This agent may see it.
    agent_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # Every staff user may see it / leaders (and admins) may see it.
    staff: Mapped[bool] = mapped_column(Boolean, default=False)
    leaders: Mapped[bool] = mapped_column(Boolean, default=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
