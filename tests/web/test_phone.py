"""The phone page: a signed-in person places a call and walks the menus from a keypad, with
and without htmx; the walk is the same stored walk as the API's; a customer calls only from
their own numbers and reaches only their own calls."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient
from markupsafe import escape

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import DENVER_PHONE, Desk
from tests.web.support import signed_in

CALL_ID = re.compile(r"/phone\?call=(\d+)")


def test_a_call_walked_from_the_keypad_without_scripts(client: TestClient, db: Database) -> None:
    staff = signed_in(db, Role.AGENT)
    page = client.get("/phone", headers=staff.cookie)
    assert page.status_code == 200
    assert "Place a call" in page.text and 'href="/phone"' in page.text
    placed = client.post(
        "/phone/calls",
        data=staff.form(number="+14155550123", language="en"),
        headers=staff.cookie,
        follow_redirects=False,
    )
    assert placed.status_code == 303, placed.text
    found = CALL_ID.search(placed.headers["location"])
    assert found is not None
    call_id = int(found.group(1))
    shown = client.get(f"/phone?call={call_id}", headers=staff.cookie).text
    assert str(escape("For billing and payments, press 1")) in shown
    assert 'name="digit" value="#"' in shown and "Billing and payments" in shown
    pressed = client.post(
        f"/phone/calls/{call_id}/input",
        data=staff.form(digit="1"),
        headers=staff.cookie,
        follow_redirects=False,
    )
    assert pressed.status_code == 303
    ended = client.get(pressed.headers["location"], headers=staff.cookie).text
    assert "Please hold while we connect you." in ended
    # Out of the menus and waiting in line: the call goes on.
    assert "(in line)" in ended and "(ended)" not in ended and 'name="digit"' not in ended
    # The API reads the same walk.
    detail = client.get(f"/v1/ivr/calls/{call_id}", headers=staff.cookie)
    assert detail.status_code == 401  # the API takes a token, not the page's cookie


def test_htmx_swaps_the_call_panel_and_words_and_silence_count(
    client: TestClient, db: Database, auth: TokenMaker
) -> None:
    staff = signed_in(db, Role.AGENT)
    started = client.post("/phone/calls", data={"number": "+14155550123"}, headers=staff.htmx)
    assert started.status_code == 200
    assert started.text.lstrip().startswith('<section id="call"')
    assert "<html" not in started.text
    call_id = int(re.search(r"Call (\d+)", started.text).group(1))  # type: ignore[union-attr]
    silent = client.post(
        f"/phone/calls/{call_id}/input", data={"event": "no_input"}, headers=staff.htmx
    )
    assert str(escape("Sorry, I didn't hear anything.")) in silent.text
    spoken = client.post(
        f"/phone/calls/{call_id}/input", data={"words": "English"}, headers=staff.htmx
    )
    assert "For billing and payments" in spoken.text
    # htmx shows only a 2xx answer: the panel comes back with the error in it.
    bad = client.post(f"/phone/calls/{call_id}/input", data={"digit": "x"}, headers=staff.htmx)
    assert bad.status_code == 200 and 'role="alert">Must be one of 0-9' in bad.text
    plain = client.post(
        f"/phone/calls/{call_id}/input", data=staff.form(digit="x"), headers=staff.cookie
    )
    assert plain.status_code == 422 and "Must be one of 0-9" in plain.text
    token = auth(Role.AGENT)
    steps = client.get(f"/v1/ivr/calls/{call_id}", headers=token).json()["steps"]
    assert [s["kind"] for s in steps] == ["start", "no_input", "keyword"]


def test_a_customer_calls_from_their_own_numbers_about_their_own_account(
    client: TestClient, db: Database, auth: TokenMaker, clock: FixedClock
) -> None:
    desk = Desk(client, auth, db, clock)
    account = desk.account()
    customer = signed_in(db, Role.CUSTOMER, account_id=account["id"])
    page = client.get("/phone", headers=customer.cookie).text
    assert f'<option value="{DENVER_PHONE}" selected>' in page
    refused = client.post("/phone/calls", data={"number": "+14155550123"}, headers=customer.htmx)
    assert refused.status_code == 403
    placed = client.post("/phone/calls", data={"number": DENVER_PHONE}, headers=customer.htmx)
    call_id = int(re.search(r"Call (\d+)", placed.text).group(1))  # type: ignore[union-attr]
    detail = client.get(f"/v1/ivr/calls/{call_id}", headers=auth(Role.AGENT)).json()
    assert detail["account_id"] == account["id"]
    other = signed_in(db, Role.CUSTOMER, account_id=desk.account(phone="+13035550199")["id"])
    assert client.get(f"/phone?call={call_id}", headers=other.cookie).status_code == 404
    pressed = client.post(f"/phone/calls/{call_id}/input", data={"digit": "1"}, headers=other.htmx)
    assert pressed.status_code == 404


def test_a_waiting_caller_asks_how_long_now_then_hangs_up(
    client: TestClient, db: Database, auth: TokenMaker, clock: FixedClock
) -> None:
    staff = signed_in(db, Role.AGENT)
    placed = client.post(
        "/phone/calls", data={"number": "+14155550123", "language": "en"}, headers=staff.htmx
    )
    call_id = int(re.search(r"Call (\d+)", placed.text).group(1))  # type: ignore[union-attr]
    queued = client.post(f"/phone/calls/{call_id}/input", data={"digit": "1"}, headers=staff.htmx)
    assert "How long now?" in queued.text and "Hang up" in queued.text
    clock.advance(timedelta(seconds=75))
    told = client.get(f"/phone/calls/{call_id}/wait", headers=staff.htmx)
    assert told.status_code == 200
    assert "No agent for this line is available right now." in told.text
    assert "0 callers ahead; waiting 1 min 15 s." in told.text
    gone = client.post(f"/phone/calls/{call_id}/hangup", data={}, headers=staff.htmx)
    assert "The call ended (abandoned)." in gone.text and "How long now?" not in gone.text
    assert "(ended)" in gone.text and "(in line)" not in gone.text
    token = auth(Role.AGENT)
    assert client.get(f"/v1/interactions/{call_id}", headers=token).json()["disposition"] == (
        "abandoned"
    )
    # Asked again after the call ended: refused, as the API refuses it.
    assert client.get(f"/phone/calls/{call_id}/wait", headers=staff.cookie).status_code == 409
