"""IVR walks: the entry overflow rule that acted on the caller

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ivr_walks") as batch:
        batch.add_column(sa.Column("overflow_rule", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ivr_walks") as batch:
        batch.drop_column("overflow_rule")
