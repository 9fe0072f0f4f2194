"""The offered call on the agent desktop, on SQLite and PostgreSQL: the home loads it, it shows
the queue, the caller, the time waited, what they pressed and the time left; Accept takes the
call (the agent is Talking), Decline hands it on, and a stale answer is said in the panel."""

from __future__ import annotations

from fastapi.testclient import TestClient

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.api.test_inbound_routing import BILLING, Floor
from tests.conftest import TokenMaker
from tests.web.support import signed_in


def test_the_desktop_shows_the_offered_call_and_takes_it(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    floor = Floor(client, auth, db, clock)
    agent_id, _ = floor.agent(billing=5)
    browser = signed_in(db, Role.AGENT, agent_id=agent_id)
    home = client.get("/desk", headers=browser.cookie)
    assert 'hx-get="/desk/offer" hx-trigger="load"' in home.text
    empty = client.get("/desk/offer", headers=browser.htmx)
    assert "No call is offered to you now" in empty.text

    call_id = floor.caller(*BILLING)
    floor.later(25)
    floor.route()
    floor.later(4)
    panel = client.get("/desk/offer", headers=browser.htmx).text
    assert 'data-offer="queue">Billing and payments<' in panel
    assert 'data-offer="caller">(415) 555-0123<' in panel
    assert 'data-elapsed="29"' in panel
    assert 'data-offer="path">main: 1<' in panel
    assert 'data-offer="left">16 s<' in panel
    offer_id = floor.offer(agent_id, floor.desk.admin)["offer_id"]

    taken = client.post(
        "/desk/offer/accept", data=browser.form(offer_id=str(offer_id)), headers=browser.htmx
    )
    assert taken.status_code == 200, taken.text
    assert 'id="offer-done">You took the call from (415) 555-0123.' in taken.text
    assert floor.state(agent_id) == "talking"
    interaction = client.get(f"/v1/interactions/{call_id}", headers=floor.desk.admin).json()
    assert interaction["agent_id"] == agent_id
    again = client.post(
        "/desk/offer/accept", data=browser.form(offer_id=str(offer_id)), headers=browser.htmx
    )
    assert 'id="offer-error">The offer is no longer open (it was accepted)<' in again.text


def test_declining_on_the_desktop_hands_the_caller_on(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    floor = Floor(client, auth, db, clock)
    agent_id, _ = floor.agent(billing=5)
    browser = signed_in(db, Role.AGENT, agent_id=agent_id)
    floor.caller(*BILLING)
    floor.route()
    offer_id = floor.offer(agent_id, floor.desk.admin)["offer_id"]
    # A plain form post (no htmx) is sent back to the desktop.
    declined = client.post(
        "/desk/offer/decline",
        data=browser.form(offer_id=str(offer_id)),
        headers=browser.cookie,
        follow_redirects=False,
    )
    assert declined.status_code == 303 and declined.headers["location"] == "/desk"
    assert floor.state(agent_id) == "ready"
    assert floor.offer(agent_id, floor.desk.admin) is None


def test_the_caller_sees_the_call_answered_and_how_long_it_took(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    floor = Floor(client, auth, db, clock)
    agent_id, headers = floor.agent(billing=5)
    call_id = floor.caller(*BILLING)
    floor.later(75)
    floor.route()
    assert floor.answer(agent_id, headers, floor.offer(agent_id, headers), "accept").is_success
    call = client.get(f"/v1/ivr/calls/{call_id}", headers=floor.phone).json()
    assert (call["result"]["answered_at"], call["result"]["waited_seconds"]) == (
        "2026-03-10T18:01:15Z",
        75.0,
    )
    wait = client.get(f"/v1/ivr/calls/{call_id}/wait", headers=floor.phone)
    assert wait.status_code == 409
    # The phone page says so and no longer asks how long; hanging up on the agent ends the call
    # and puts the agent in After-Call Work.
    browser = signed_in(db, Role.AGENT)
    page = client.get(f"/phone?call={call_id}", headers=browser.cookie)
    assert page.status_code == 200, page.text
    assert 'id="answered">by an agent after 1 min 15 s<' in page.text
    assert "How long now?" not in page.text and "Hang up" in page.text
    gone = client.post(f"/phone/calls/{call_id}/hangup", data=browser.form(), headers=browser.htmx)
    assert "The call ended (customer disconnected)." in gone.text and "Hang up" not in gone.text
    assert floor.state(agent_id) == "after_call_work"
