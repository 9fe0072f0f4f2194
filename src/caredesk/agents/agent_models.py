"""The agent and its skills: the table other domains' rows refer to
(``db.registry.REFERRED_TABLES``). A command that writes such a row loads these two and not the
agent's shifts or state history (``agents.models``, which re-exports these)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from caredesk.db.base import Base, UTCDateTime

# A skill given without a level: a competent agent, in the middle of the scale.
DEFAULT_SKILL_LEVEL = 5


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), index=True)
    line_of_business: Mapped[str] = mapped_column(String(30), index=True)
    # IANA zone: shifts are written in it.
    time_zone: Mapped[str] = mapped_column(String(64))
    # OB-DEVICE: the platform line (E.164) every call of this agent is placed from.
    platform_line: Mapped[str] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    state: Mapped[str] = mapped_column(String(30), index=True)
    state_since: Mapped[datetime] = mapped_column(UTCDateTime())
    # Bumped by every state change and checked in the UPDATE's WHERE, so two changes read from
    # the same prior state cannot both apply.
    state_version: Mapped[int] = mapped_column(Integer, default=0)

    skill_rows: Mapped[list[AgentSkill]] = relationship(
        back_populates="agent",
        cascade="all, delete-orphan",
        order_by="AgentSkill.skill",
        lazy="selectin",
    )

    @property
    def skills(self) -> list[str]:
        return sorted(row.skill for row in self.skill_rows)

    @property
    def skill_levels(self) -> dict[str, int]:
        return {row.skill: row.level for row in sorted(self.skill_rows, key=lambda r: r.skill)}


class AgentSkill(Base):
    __tablename__ = "agent_skills"
    __table_args__ = (UniqueConstraint("agent_id", "skill"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    skill: Mapped[str] = mapped_column(String(40), index=True)
    # Proficiency from 1 (can take the contact) to 10; routing's skill steps compare it.
    level: Mapped[int] = mapped_column(Integer, server_default=str(DEFAULT_SKILL_LEVEL))

    agent: Mapped[Agent] = relationship(back_populates="skill_rows")
