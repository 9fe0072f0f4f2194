"""The agent domain's tables. The agent and its skills are declared in ``agents.agent_models``
(what other domains' rows refer to, loaded alone by a command that writes such a row) and named
here with the shifts and the state history."""

from __future__ import annotations

from datetime import datetime, time

from sqlalchemy import ForeignKey, Integer, String, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from caredesk.agents.agent_models import DEFAULT_SKILL_LEVEL as DEFAULT_SKILL_LEVEL
from caredesk.agents.agent_models import Agent as Agent
from caredesk.agents.agent_models import AgentSkill as AgentSkill
from caredesk.agents.roles import AgentRole as AgentRole
from caredesk.db.base import Base, UTCDateTime


class AgentShift(Base):
    """One weekly shift in the agent's own zone; ``end_time`` < ``start_time`` crosses midnight."""

    __tablename__ = "agent_shifts"
    __table_args__ = (UniqueConstraint("agent_id", "weekday", "start_time"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    start_time: Mapped[time] = mapped_column(Time())
    end_time: Mapped[time] = mapped_column(Time())


class AgentStateChange(Base):
    """The state history: append-only, one row per change (and one for the initial state)."""

    __tablename__ = "agent_state_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(30))
    to_state: Mapped[str] = mapped_column(String(30))
    # When the agent entered ``from_state``: time in that state is ``at - from_since``.
    from_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(120))
