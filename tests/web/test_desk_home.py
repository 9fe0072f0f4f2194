"""The desktop home: the agent's state with the time in it and the moves the state machine
allows, a stale change reported instead of applied, the work list (offers with the time left,
callbacks due, open cases), a leader without an agent record, the CSRF token."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import Desk
from tests.web.desk_support import agent, dispatch, dropped_call_callback, go_follow_up, page
from tests.web.support import signed_in


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


def _choices(html: str) -> list[str]:
    select = html[html.index('id="state-choice"') :]
    return re.findall(r'<option value="([a-z_]+)"', select[: select.index("</select>")])


def test_the_state_selector_moves_the_agent_and_shows_the_time_in_state(desk: Desk) -> None:
    who = agent(desk)
    home = page(desk, who, "/desk")
    assert 'id="agent-state">Offline<' in home
    assert 'data-elapsed="0"' in home
    assert _choices(home) == [
        "ready",
        "not_ready_follow_up",
        "not_ready_break",
        "not_ready_training",
        "not_ready_meeting",
    ]
    moved = go_follow_up(desk.client, who)
    assert moved.status_code == 200
    assert 'id="agent-state">Not Ready - Follow-Up<' in moved.text
    assert "ready" in _choices(moved.text) and "not_ready_follow_up" not in _choices(moved.text)
    desk.clock.advance(timedelta(minutes=3, seconds=5))
    later = page(desk, who, "/desk/state")
    assert 'data-elapsed="185"' in later and "3 min 05 s" in later

    # A change made meanwhile (by a call, a leader) is reported, not overwritten.
    stale = desk.client.post(
        "/desk/state", data={"state": "ready", "version": "0"}, headers=who.browser.htmx
    )
    assert stale.status_code == 200
    assert "changed since version 0" in stale.text and 'role="alert"' in stale.text
    assert 'id="agent-state">Not Ready - Follow-Up<' in stale.text
    plain = desk.client.post(
        "/desk/state",
        data=who.browser.form(state="talking"),
        headers=who.browser.cookie,
        follow_redirects=False,
    )
    assert plain.status_code == 422 and "Talking follows your calls" in plain.text
    machine = desk.client.post("/desk/state", data={"state": "offline"}, headers=who.browser.htmx)
    assert 'id="agent-state">Offline<' in machine.text
    again = desk.client.post("/desk/state", data={"state": "offline"}, headers=who.browser.htmx)
    assert "cannot move to offline" in again.text


def test_a_state_change_without_the_csrf_token_is_refused(desk: Desk) -> None:
    who = agent(desk)
    refused = desk.client.post(
        "/desk/state", data={"state": "ready"}, headers=who.browser.cookie, follow_redirects=False
    )
    assert refused.status_code == 403
    assert 'id="agent-state">Offline<' in page(desk, who, "/desk")


def test_the_work_list_shows_offers_due_callbacks_and_cases(desk: Desk) -> None:
    who = agent(desk)
    account = desk.account()
    case = desk.ticket(account)
    assigned = desk.client.patch(
        f"/v1/tickets/{case}", json={"assignee_id": who.id}, headers=desk.admin
    )
    assert assigned.status_code == 200, assigned.text
    empty = page(desk, who, "/desk/worklist")
    assert "No offer right now" in empty and "No callback is due" in empty
    assert f'href="/desk/cases/{case}"' in empty

    # Due but not offered (the agent is offline): listed as due for their team.
    callback_id = dropped_call_callback(desk, account, who)
    due = page(desk, who, "/desk/worklist")
    assert 'Callbacks due <span class="count">(1)</span>' in due
    assert f'href="/desk/callbacks/{callback_id}"' in due

    assert go_follow_up(desk.client, who).status_code == 200
    assert dispatch(desk) == [callback_id]
    desk.clock.advance(timedelta(seconds=45))
    offer = page(desk, who, "/desk/worklist")
    assert 'Callbacks offered to you <span class="count">(1)</span>' in offer
    assert 'data-countdown="75"' in offer and "1 min 15 s" in offer
    assert "No callback is due" in offer


def test_a_leader_without_an_agent_record_sees_the_desk_without_a_state(desk: Desk) -> None:
    leader = signed_in(desk.db, Role.LEADER)
    home = desk.client.get("/desk", headers=leader.cookie)
    assert home.status_code == 200
    assert "not tied to an agent" in home.text and "state-choice" not in home.text
