"""Walk wait inputs: the learned wait predictor's inputs at entry, to fit it on the log

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ivr_walks") as batch:
        batch.add_column(sa.Column("wait_inputs", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ivr_walks") as batch:
        batch.drop_column("wait_inputs")
