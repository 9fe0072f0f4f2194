"""The call page from a live inbound call: an agent Talking on a caller they accepted sees the
dial as a Consult tied to that call (OB-STATE's exception, no Not Ready - Follow-Up), then on
the line the Consult path in the handbook's order: Consult with the 10-digit number, end line
one, reconnect."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.api.test_consult_from_inbound import connect
from tests.api.test_inbound_routing import Floor
from tests.conftest import TokenMaker
from tests.web.desk_support import Agent, page, post
from tests.web.support import signed_in


@pytest.fixture
def floor(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Floor:
    return Floor(client, auth, db, clock)


def _button(html: str, button_id: str) -> str:
    found = re.search(rf'<button[^>]*id="{button_id}"[^>]*>[^<]*', html)
    assert found is not None, html
    return found.group(0)


def test_consult_from_the_live_inbound_call_on_the_call_page(floor: Floor) -> None:
    desk = floor.desk
    agent_id, api = floor.agent(billing=5)
    who = Agent(agent_id, api, signed_in(desk.db, Role.AGENT, agent_id=agent_id))
    callback_id = int(
        desk.request(
            api,
            account_id=desk.account()["id"],
            origin="follow_up",
            reason="device_troubleshooting",
            line_of_business="care",
            owner_agent_id=agent_id,
        )["id"]
    )
    assert desk.notified(callback_id)["status"] == "scheduled"
    call = f"/desk/callbacks/{callback_id}"

    # Ready, with no inbound call: the ordinary dial, held back by OB-STATE.
    ready = page(desk, who, call)
    assert 'id="consult-from"' not in ready and "Consult" not in _button(ready, "dial-button")
    assert "disabled" in _button(ready, "dial-button") and "OB-STATE" in ready

    call_id = connect(floor, agent_id, api)
    talking = page(desk, who, call)
    dial = _button(talking, "dial-button")
    assert "disabled" not in dial and "Consult: dial (303) 555-0123" in dial
    assert f'name="inbound_call_id" value="{call_id}"' in talking
    assert f"You are Talking on inbound call {call_id}" in talking

    dialled = post(desk, who, f"{call}/dial", inbound_call_id=str(call_id))
    assert dialled.status_code == 303, dialled.text
    assert post(desk, who, f"{call}/result", result="contact").status_code == 303
    for step in ("verify_name", "disclosure"):
        assert post(desk, who, f"{call}/steps", step=step).status_code == 303

    on_the_line = page(desk, who, call)
    assert f"Consult from inbound call {call_id}" in on_the_line
    assert "Consult" in _button(on_the_line, "consult-button")
    # Out of order: the refusal comes back on the page with its rule.
    early = post(desk, who, f"{call}/steps", step="end_line_one")
    assert early.status_code == 409 and "OB-ALT-NUMBER" in early.text
    wrong = post(desk, who, f"{call}/steps", step="consult", alternate_number="555-0188")
    assert wrong.status_code == 422 and "10-digit" in wrong.text

    consulted = post(desk, who, f"{call}/steps", step="consult", alternate_number="3035550188")
    assert consulted.status_code == 303, consulted.text
    after_consult = page(desk, who, call)
    assert "Consult to (303) 555-0188." in after_consult
    assert f"tied to inbound call {call_id}: take the Consult path below" in after_consult
    assert "stay in After-Call Work" not in after_consult
    assert f"End line one (inbound call {call_id})" in _button(after_consult, "end-line-one-button")
    assert post(desk, who, f"{call}/steps", step="end_line_one").status_code == 303
    line_one_ended = page(desk, who, call)
    assert f"Line one (inbound call {call_id}) ended." in line_one_ended
    assert "Reconnect" in _button(line_one_ended, "reconnect-button")
    assert post(desk, who, f"{call}/steps", step="reconnect").status_code == 303
    done = page(desk, who, call)
    assert "Reconnected to the outbound call." in done and 'id="reconnect-button"' not in done
    assert ">Talking<" in done
