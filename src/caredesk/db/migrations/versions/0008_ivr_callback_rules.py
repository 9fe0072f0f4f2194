"""IVR walks: the rules that refused or held back the callback a caller accepted

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ivr_walks") as batch:
        batch.add_column(sa.Column("callback_rules", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ivr_walks") as batch:
        batch.drop_column("callback_rules")
