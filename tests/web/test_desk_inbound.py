"""The connected inbound call on the agent desktop, on SQLite and PostgreSQL: the home shows it
with itself (no script needed), with the caller, the queue, the time talking and the way in;
End call ends it with a disposition and the panel turns to After-Call Work with the time left
and a Ready button; Escalate sends the caller on; another agent's call is refused in the panel."""

from __future__ import annotations

from fastapi.testclient import TestClient

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.api.test_inbound_routing import BILLING, Floor
from tests.conftest import TokenMaker
from tests.web.support import signed_in


def test_the_desktop_shows_the_call_ends_it_and_times_the_wrap_up(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    floor = Floor(client, auth, db, clock)
    agent_id, _ = floor.agent(billing=5)
    browser = signed_in(db, Role.AGENT, agent_id=agent_id)
    idle = client.get("/desk/inbound", headers=browser.htmx).text
    assert "You are not on an inbound call" in idle and "every 5s" not in idle

    call_id = floor.caller(*BILLING)
    floor.later(10)
    floor.route()
    offer = floor.offer(agent_id, floor.desk.admin)
    browser_accept = client.post(
        "/desk/offer/accept",
        data=browser.form(offer_id=str(offer["offer_id"])),
        headers=browser.htmx,
    )
    assert browser_accept.status_code == 200, browser_accept.text
    floor.later(42)
    # The home renders the call with itself: a browser without scripts sees it too.
    home = client.get("/desk", headers=browser.cookie).text
    assert f'id="inbound-{call_id}"' in home
    panel = client.get("/desk/inbound", headers=browser.htmx).text
    assert 'data-inbound="caller">(415) 555-0123' in panel
    assert 'data-inbound="queue">Billing and payments<' in panel
    assert 'data-elapsed="42" data-inbound="talking"' in panel
    assert 'data-inbound="path">main: 1<' in panel
    assert 'hx-trigger="sse:agent, every 5s"' in panel
    assert 'value="supervisor" selected' in panel and 'value="billing"' not in panel

    ended = client.post(
        "/desk/inbound/end",
        data=browser.form(call_id=str(call_id), disposition="resolved"),
        headers=browser.htmx,
    )
    assert ended.status_code == 200, ended.text
    assert 'id="inbound-done">Call ended (resolved).' in ended.text
    assert f'id="wrap-up-{call_id}"' in ended.text
    assert 'data-countdown="60" data-inbound="left">1 min 00 s<' in ended.text
    assert floor.state(agent_id) == "after_call_work"
    interaction = client.get(f"/v1/interactions/{call_id}", headers=floor.desk.admin).json()
    assert interaction["disposition"] == "resolved"
    floor.later(25)
    assert 'data-countdown="35"' in client.get("/desk/inbound", headers=browser.htmx).text

    # Ready sooner than the wrap-up time: a plain form post, sent back to the desktop.
    version = client.get(f"/v1/agents/{agent_id}/state", headers=floor.desk.admin).json()
    ready = client.post(
        "/desk/inbound/ready",
        data=browser.form(version=str(version["state_version"])),
        headers=browser.cookie,
        follow_redirects=False,
    )
    assert ready.status_code == 303 and ready.headers["location"] == "/desk"
    assert floor.state(agent_id) == "ready"
    assert (
        "You are not on an inbound call" in client.get("/desk/inbound", headers=browser.htmx).text
    )


def test_escalating_from_the_desktop_and_refusals_said_in_the_panel(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    floor = Floor(client, auth, db, clock)
    agent_id, _, call_id = floor.connected()
    browser = signed_in(db, Role.AGENT, agent_id=agent_id)
    other_id, _ = floor.agent(billing=5)
    other = signed_in(db, Role.AGENT, agent_id=other_id)
    taken = client.post(
        "/desk/inbound/end",
        data=other.form(call_id=str(call_id), disposition="resolved"),
        headers=other.htmx,
    )
    assert f'id="inbound-error">Call {call_id} is another agent&#39;s<' in taken.text
    # Without scripts, the refusal comes with its status.
    plain = client.post(
        "/desk/inbound/end",
        data=other.form(call_id=str(call_id), disposition="resolved"),
        headers=other.cookie,
    )
    assert plain.status_code == 403
    blank = client.post(
        "/desk/inbound/escalate",
        data=browser.form(call_id=str(call_id), queue="supervisor", reason="  "),
        headers=browser.htmx,
    )
    assert 'id="inbound-error">Say why the call is escalated<' in blank.text
    assert '<details class="inbound-escalate" open>' in blank.text
    assert floor.state(agent_id) == "talking"

    sent = client.post(
        "/desk/inbound/escalate",
        data=browser.form(call_id=str(call_id), queue="supervisor", reason="asks for a refund"),
        headers=browser.htmx,
    )
    assert 'id="inbound-done">The caller went to' in sent.text
    assert f'id="wrap-up-{call_id}"' in sent.text
    assert floor.state(agent_id) == "after_call_work"
    again = client.post(
        "/desk/inbound/end",
        data=browser.form(call_id=str(call_id), disposition="resolved"),
        headers=browser.htmx,
    )
    assert 'id="inbound-error">No agent has this call' in again.text
