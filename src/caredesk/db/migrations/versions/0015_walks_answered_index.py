"""Walks answered index: the wait log and the give-up history read the last callers answered

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 12:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_ivr_walks_answered_at_id", "ivr_walks", ["answered_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_ivr_walks_answered_at_id", table_name="ivr_walks")
