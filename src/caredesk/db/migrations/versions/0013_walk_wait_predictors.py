"""Walk wait predictors: every predictor's estimate told at entry, and the one chosen

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ivr_walks") as batch:
        batch.add_column(sa.Column("estimates", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("predictor", sa.String(length=10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ivr_walks") as batch:
        batch.drop_column("predictor")
        batch.drop_column("estimates")
