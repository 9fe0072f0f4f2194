"""Inbound routing: skill levels, offers of waiting callers to agents, the wait that followed

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import caredesk.db.base

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status = 'offered'")


def _instant(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, caredesk.db.base.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    with op.batch_alter_table("agent_skills") as batch:
        batch.add_column(sa.Column("level", sa.Integer(), server_default="5", nullable=False))
    with op.batch_alter_table("ivr_walks") as batch:
        batch.add_column(_instant("answered_at", nullable=True))
        batch.add_column(sa.Column("waited_seconds", sa.Float(), nullable=True))
    op.create_table(
        "inbound_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("walk_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("waited_seconds", sa.Float(), nullable=False),
        sa.Column("min_level", sa.Integer(), nullable=False),
        sa.Column("as_secondary", sa.Boolean(), nullable=False),
        _instant("offered_at", nullable=False),
        _instant("expires_at", nullable=False),
        _instant("ended_at", nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_inbound_offers_agent_id_agents")
        ),
        sa.ForeignKeyConstraint(
            ["call_id"], ["interactions.id"], name=op.f("fk_inbound_offers_call_id_interactions")
        ),
        sa.ForeignKeyConstraint(
            ["walk_id"], ["ivr_walks.id"], name=op.f("fk_inbound_offers_walk_id_ivr_walks")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_offers")),
    )
    for column in ("walk_id", "call_id", "agent_id", "status", "expires_at"):
        op.create_index(
            op.f(f"ix_inbound_offers_{column}"), "inbound_offers", [column], unique=False
        )
    op.create_index(
        "uq_inbound_offers_open_walk",
        "inbound_offers",
        ["walk_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )
    op.create_index(
        "uq_inbound_offers_open_agent",
        "inbound_offers",
        ["agent_id"],
        unique=True,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade() -> None:
    op.drop_table("inbound_offers")
    with op.batch_alter_table("ivr_walks") as batch:
        batch.drop_column("waited_seconds")
        batch.drop_column("answered_at")
    with op.batch_alter_table("agent_skills") as batch:
        batch.drop_column("level")
