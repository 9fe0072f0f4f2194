"""Served caredesks for the dashboard's browser tests: the pages harness's ``Site`` with its
clock stopped where the seeding left it (the floor of tests/web/lead_world.py is built over two
days of a fixed clock) and its queues at work (tests/e2e/queue_floor.py), the floor itself
seeded through the API in this process, a leader who signs in with a password, and commands run
as other processes against the site's database."""

from __future__ import annotations

import subprocess
import sys
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi.testclient import TestClient

from caredesk.audit.service import Actor
from caredesk.clock import FixedClock
from caredesk.config import Settings
from caredesk.db import migrate
from caredesk.db.session import Database
from caredesk.users import service as users
from caredesk.users.models import Role
from caredesk.web.app import create_app
from tests.e2e.pages_harness import NOW, Site
from tests.e2e.queue_floor import seed_queues
from tests.integration.callbacks.builders import Desk
from tests.web.lead_world import Floor, build_floor

PASSWORD = "correct horse battery"
LEADER_LOGIN = "lena"


@dataclass
class LeadSite(Site):
    """A ``Site`` whose stopped clock is ``now`` (NOW unless the seeding moved it)."""

    now: datetime = NOW

    @property
    def env(self) -> dict[str, str]:
        return {**super().env, "CAREDESK_FIXED_CLOCK": self.now.isoformat()}

    def database(self) -> Database:
        return Database.connect(self.database_url, FixedClock(self.now))

    def settings(self) -> Settings:
        return Settings(
            database_url=self.database_url,
            fixed_clock=self.now,
            secret_pepper_file=self.directory / "secret-pepper",
            log_json=False,
        )

    def command(self, *args: str) -> str:
        """``caredesk ARGS`` as its own process on this site's database and clock."""
        done = subprocess.run(
            [sys.executable, "-m", "caredesk.cli", *args],
            cwd=self.directory,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout


def token_maker(db: Database) -> Any:
    """What tests/conftest.py's ``auth`` fixture gives: headers for a new user of a role."""

    def make(
        role: Role,
        *,
        account_id: int | None = None,
        agent_id: int | None = None,
        login: str | None = None,
    ) -> dict[str, str]:
        with db.uow() as uow, uow.atomic():
            user = users.create_user(
                uow,
                actor=Actor.system("test"),
                login=login or f"{role.value}-{uuid.uuid4().hex[:8]}",
                display_name=f"Test {role.value}",
                role=role,
                account_id=account_id,
                agent_id=agent_id,
            )
            issued = users.issue_token(uow, actor=Actor.system("test"), user=user)
        return {"Authorization": f"Bearer {issued.token}"}

    return make


def seed_floor(site: LeadSite) -> Floor:
    """The dashboard floor, then a leader who signs in as ``lena``; the site's clock stops
    where the floor's left it."""
    migrate.upgrade(site.database_url)
    clock = FixedClock(site.now)
    db = Database.connect(site.database_url, clock)
    with TestClient(create_app(site.settings(), database=db)) as client:
        floor = build_floor(Desk(client, token_maker(db), db, clock))
        seed_queues(client, token_maker(db), db, clock)
    with db.uow() as uow:
        users.create_user(
            uow,
            actor=Actor.system("test"),
            login=LEADER_LOGIN,
            display_name="Lena Okafor",
            role=Role.LEADER,
            password=PASSWORD,
            agent_id=floor.leader_agent_id,
        )
    db.engine.dispose()
    site.now = clock.now()
    return floor
