"""failed logins counted per login and per client address

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 10:25:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import caredesk.db.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("key_digest", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", caredesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", caredesk.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_throttles")),
        sa.UniqueConstraint("scope", "key_digest", name=op.f("uq_login_throttles_scope")),
    )


def downgrade() -> None:
    op.drop_table("login_throttles")
