"""Building the desktop's world in a test: an agent with a signed-in browser, a customer in
Denver, and a dropped-call callback brought to the agent by a real dispatcher round."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from caredesk.callbacks.dispatch.worker import run_once
from caredesk.users.models import Role
from tests.integration.callbacks.builders import Desk
from tests.web.support import Browser, signed_in

PROBLEM_WORDS = re.compile(r"Traceback|Internal Server Error|built-in method|bound method")


@dataclass(frozen=True)
class Agent:
    id: int
    api: dict[str, str]
    browser: Browser


def agent(desk: Desk, *, lob: str = "care") -> Agent:
    agent_id, api = desk.agent(lob=lob, zone="America/Denver")
    return Agent(agent_id, api, signed_in(desk.db, Role.AGENT, agent_id=agent_id))


def signed_in_again(desk: Desk, who: Agent) -> Agent:
    """A new session for the same agent (the clock moved past the last one's expiry)."""
    return Agent(who.id, who.api, signed_in(desk.db, Role.AGENT, agent_id=who.id))


def go_follow_up(client: TestClient, who: Agent) -> Any:
    page = client.get("/desk", headers=who.browser.cookie)
    version = re.search(r'name="version" value="(\d+)"', page.text)
    assert version is not None, page.text
    return client.post(
        "/desk/state",
        data={"state": "not_ready_follow_up", "version": version.group(1)},
        headers=who.browser.htmx,
    )


def dropped_call_callback(desk: Desk, account: dict[str, Any], who: Agent) -> int:
    """A dropped call becomes a callback whose notice is sent; it is due the notice's lead
    time later, and the clock is moved there."""
    interaction = desk.dropped_call(account, who.id, who.api)
    made = desk.client.post(f"/v1/interactions/{interaction}/callback", json={}, headers=who.api)
    assert made.status_code == 201, made.text
    callback_id = int(made.json()["id"])
    scheduled = desk.notified(callback_id)
    assert scheduled["status"] == "scheduled", scheduled
    desk.clock.advance(timedelta(minutes=10))
    return callback_id


def dispatch(desk: Desk) -> list[int]:
    report = run_once(desk.db, desk.runtime, now=desk.clock.now(), worker_id="test-dispatcher")
    return list(report.offered_ids)


def offered(desk: Desk, account: dict[str, Any] | None = None) -> tuple[Agent, int]:
    """An agent in Not Ready - Follow-Up with a dropped-call callback offered to them."""
    who = agent(desk)
    assert go_follow_up(desk.client, who).status_code == 200
    callback_id = dropped_call_callback(desk, account or desk.account(), who)
    assert dispatch(desk) == [callback_id]
    return who, callback_id


def post(desk: Desk, who: Agent, path: str, **fields: str) -> Any:
    """A plain form post from the agent's browser (the CSRF token in the form)."""
    return desk.client.post(
        path, data=who.browser.form(**fields), headers=who.browser.cookie, follow_redirects=False
    )


def page(desk: Desk, who: Agent, path: str) -> str:
    answer = desk.client.get(path, headers=who.browser.cookie)
    assert answer.status_code == 200, (path, answer.status_code, answer.text[-2000:])
    assert not PROBLEM_WORDS.search(answer.text)
    return answer.text
