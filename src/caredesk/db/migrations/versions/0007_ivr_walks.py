"""IVR walks and their steps

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import caredesk.db.base

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _instant(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, caredesk.db.base.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "ivr_walks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interaction_id", sa.Integer(), nullable=False),
        sa.Column("phase", sa.String(length=10), nullable=False),
        sa.Column("menu", sa.String(length=64), nullable=False),
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("misses", sa.Integer(), nullable=False),
        sa.Column("trail", sa.JSON(), nullable=False),
        sa.Column("steps_taken", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.Column("queue", sa.String(length=64), nullable=True),
        sa.Column("chosen_queue", sa.String(length=64), nullable=True),
        sa.Column("route_reason", sa.String(length=20), nullable=True),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("after_hours_action", sa.String(length=10), nullable=True),
        sa.Column("offer", sa.String(length=20), nullable=True),
        sa.Column("estimate_seconds", sa.Float(), nullable=True),
        sa.Column("announcement", sa.JSON(), nullable=True),
        sa.Column("callback_id", sa.Integer(), nullable=True),
        _instant("started_at", nullable=False),
        _instant("queued_at", nullable=True),
        _instant("ended_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["callback_id"], ["callbacks.id"], name=op.f("fk_ivr_walks_callback_id_callbacks")
        ),
        sa.ForeignKeyConstraint(
            ["interaction_id"],
            ["interactions.id"],
            name=op.f("fk_ivr_walks_interaction_id_interactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ivr_walks")),
        sa.UniqueConstraint("interaction_id", name=op.f("uq_ivr_walks_interaction_id")),
    )
    op.create_index(op.f("ix_ivr_walks_queue"), "ivr_walks", ["queue"], unique=False)
    op.create_table(
        "ivr_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("walk_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        _instant("at", nullable=False),
        sa.Column("menu", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=500), nullable=False),
        sa.Column("accepted", sa.Boolean(), nullable=False),
        sa.Column("said", sa.JSON(), nullable=False),
        sa.Column("phase", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["walk_id"], ["ivr_walks.id"], name=op.f("fk_ivr_steps_walk_id_ivr_walks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ivr_steps")),
        sa.UniqueConstraint("walk_id", "seq", name="uq_ivr_steps_walk_seq"),
    )
    op.create_index(op.f("ix_ivr_steps_walk_id"), "ivr_steps", ["walk_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ivr_steps_walk_id"), table_name="ivr_steps")
    op.drop_table("ivr_steps")
    op.drop_index(op.f("ix_ivr_walks_queue"), table_name="ivr_walks")
    op.drop_table("ivr_walks")
