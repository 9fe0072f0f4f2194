"""Inbound calls: the agent's After-Call Work after a call, timed by the call's queue

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import caredesk.db.base

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("ended_at IS NULL")


def _instant(name: str, *, nullable: bool) -> sa.Column[object]:
    return sa.Column(name, caredesk.db.base.UTCDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "inbound_wrap_ups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.Integer(), nullable=False),
        sa.Column("call_id", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("state_version", sa.Integer(), nullable=False),
        _instant("started_at", nullable=False),
        _instant("due_at", nullable=False),
        _instant("ended_at", nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(
            ["agent_id"], ["agents.id"], name=op.f("fk_inbound_wrap_ups_agent_id_agents")
        ),
        sa.ForeignKeyConstraint(
            ["call_id"], ["interactions.id"], name=op.f("fk_inbound_wrap_ups_call_id_interactions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_wrap_ups")),
    )
    for column in ("agent_id", "call_id"):
        op.create_index(
            op.f(f"ix_inbound_wrap_ups_{column}"), "inbound_wrap_ups", [column], unique=False
        )
    op.create_index(
        "ix_inbound_wrap_ups_open_due",
        "inbound_wrap_ups",
        ["due_at"],
        unique=False,
        sqlite_where=OPEN,
        postgresql_where=OPEN,
    )


def downgrade() -> None:
    op.drop_table("inbound_wrap_ups")
