"""zones confirmed by a person for an account or one of its numbers

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 09:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import caredesk.db.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "zone_confirmations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=16), nullable=True),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("confirmed_by", sa.String(length=120), nullable=False),
        sa.Column("confirmed_at", caredesk.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_zone_confirmations_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_zone_confirmations")),
    )
    with op.batch_alter_table("zone_confirmations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_zone_confirmations_account_id"), ["account_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("zone_confirmations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_zone_confirmations_account_id"))
    op.drop_table("zone_confirmations")
