"""browser sessions and live events

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import caredesk.db.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", caredesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", caredesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", caredesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("digest", name=op.f("uq_web_sessions_digest")),
    )
    op.create_index(op.f("ix_web_sessions_user_id"), "web_sessions", ["user_id"], unique=False)
    op.create_table(
        "live_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("txid", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("agent_id", sa.Integer(), nullable=True),
        sa.Column("staff", sa.Boolean(), nullable=False),
        sa.Column("leaders", sa.Boolean(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("created_at", caredesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_events")),
        # Ids never reused on SQLite, so a reader's position is never overtaken by an old id.
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_live_events_txid"), "live_events", ["txid"], unique=False)
    op.create_index(op.f("ix_live_events_account_id"), "live_events", ["account_id"], unique=False)
    op.create_index(op.f("ix_live_events_agent_id"), "live_events", ["agent_id"], unique=False)
    op.create_index(op.f("ix_live_events_created_at"), "live_events", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_table("live_events")
    op.drop_index(op.f("ix_web_sessions_user_id"), table_name="web_sessions")
    op.drop_table("web_sessions")
