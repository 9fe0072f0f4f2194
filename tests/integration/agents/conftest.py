"""Builders for agent tests."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from caredesk.agents import service
from caredesk.agents.models import Agent, AgentShift, AgentSkill, AgentStateChange
from caredesk.audit.models import AuditEvent
from caredesk.audit.service import Actor
from caredesk.db.session import Database

ACTOR = Actor.user(1)


def make_agent(db: Database, login: str = "ana", **overrides: Any) -> Agent:
    fields: dict[str, Any] = {
        "login": login,
        "name": "Ana Lopez",
        "role": "agent",
        "line_of_business": "care",
        "time_zone": "America/New_York",
        "platform_line": "+18005550100",
        "skills": ["billing"],
    }
    fields.update(overrides)
    with db.uow() as uow:
        return service.create_agent(uow, actor=ACTOR, **fields)


def counts(db: Database) -> dict[str, int]:
    with db.uow() as uow:
        return {
            model.__tablename__: uow.session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Agent, AgentSkill, AgentShift, AgentStateChange, AuditEvent)
        }
