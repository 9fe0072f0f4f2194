"""dispatcher figures per worker; callback events indexed by kind

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 09:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import caredesk.db.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dispatcher_workers",
        sa.Column("worker_id", sa.String(length=120), nullable=False),
        sa.Column("rounds", sa.BigInteger(), nullable=False),
        sa.Column("failed_steps", sa.BigInteger(), nullable=False),
        sa.Column("offers", sa.BigInteger(), nullable=False),
        sa.Column("offer_lag_seconds", sa.Float(), nullable=False),
        sa.Column("first_round_at", caredesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_round_at", caredesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_dispatcher_workers")),
    )
    with op.batch_alter_table("callback_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_callback_events_kind"), ["kind"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("callback_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_callback_events_kind"))
    op.drop_table("dispatcher_workers")
