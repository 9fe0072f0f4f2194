"""On the line, the desktop follows the handbook's order: first and last name, then the
recording disclosure, then what the customer needs (proof only when asked, a payment they
raise, the alternate number to troubleshoot the device being called); what is never done is
shown with its rule. Outside the calling window the dial is disabled, with the next allowed
time in the customer's zone."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import Desk
from tests.web.desk_support import offered, page, post, signed_in_again

MEMO = {
    "reason": "Dropped call callback",
    "summary": "Reached the customer; the phone needs troubleshooting on another line.",
    "customer_response": "Agreed to be called on the work number in a few minutes.",
}


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


def _button(html: str, text: str) -> str:
    found = re.search(rf"<button[^>]*>{re.escape(text)}", html)
    assert found is not None, text
    return found.group(0)


def test_the_conversation_goes_in_the_handbooks_order(desk: Desk) -> None:
    who, callback_id = offered(desk)
    call = f"/desk/callbacks/{callback_id}"
    assert post(desk, who, f"{call}/dial").status_code == 303
    assert post(desk, who, f"{call}/result", result="contact").status_code == 303

    line = page(desk, who, call)
    assert "On the line with Ana Lopez" in line and ">Talking<" in line
    assert "disabled" in _button(line, "I read it to the customer")
    assert "OB-VERIFY-NAME" in line
    never = line[line.index("Never on an outbound call") :]
    assert "OB-NO-SSN-PIN" in never and "Social Security numbers are never verified" in never
    assert "OB-NO-PAYMENT" in never
    assert "What the customer needs" in line and "The customer asks for proof" not in line

    early = post(desk, who, f"{call}/steps", step="disclosure")
    assert early.status_code == 409 and "OB-VERIFY-NAME" in early.text

    assert post(desk, who, f"{call}/steps", step="verify_name").status_code == 303
    assert "disabled" not in _button(page(desk, who, call), "I read it to the customer")
    assert post(desk, who, f"{call}/steps", step="disclosure").status_code == 303
    talking = page(desk, who, call)
    assert "The customer asks for proof" in talking and 'id="proof-facts"' not in talking
    assert "OB-PROOF" in talking[talking.index("Never on an outbound call") :]

    assert post(desk, who, f"{call}/steps", step="proof").status_code == 303
    proof = page(desk, who, call)
    assert 'id="proof-facts"' in proof and "Last bill" in proof and "Device in use" in proof
    assert post(desk, who, f"{call}/steps", step="payment").status_code == 303
    assert "Recorded as raised by the customer" in page(desk, who, call)

    no_otp = post(desk, who, f"{call}/steps", step="otp")
    assert no_otp.status_code == 409 and "OB-OTP" in no_otp.text
    otp = post(desk, who, f"{call}/steps", step="otp", otp_guidelines_followed="true")
    assert otp.status_code == 303
    assert "One-time PIN process recorded" in page(desk, who, call)

    # Troubleshooting the very device being called is refused: ask for another number.
    same_line = post(desk, who, f"{call}/steps", step="troubleshoot", device_being_called="true")
    assert same_line.status_code == 409
    assert "OB-ALT-NUMBER" in same_line.text and "ask for another number" in same_line.text
    assert post(desk, who, f"{call}/steps", step="troubleshoot").status_code == 303
    workspace = page(desk, who, f"{call}/workspace")
    assert workspace.lstrip().startswith("<div") and 'id="call-workspace"' in workspace
    assert "Troubleshooting on record" in workspace

    given = post(
        desk, who, f"{call}/steps", step="alternate_number", alternate_number="720.555.0199"
    )
    assert given.status_code == 303
    assert "The customer gave (720) 555-0199" in page(desk, who, call)

    assert post(desk, who, f"{call}/hangup").status_code == 303
    after = page(desk, who, call)
    assert ">After-Call Work<" in after
    outcomes = re.findall(r'<option value="([a-z_]+)"', after[after.index("memo-outcome") :])
    assert outcomes[:3] == ["resolved", "follow_up_scheduled", "handed_off"]
    done = post(desk, who, f"{call}/wrap-up", outcome="follow_up_scheduled", **MEMO)
    assert done.status_code == 303, done.text

    # The alternate-number path: from After-Call Work, dial the number the customer gave.
    again = page(desk, who, call)
    assert ">After-Call Work<" in again
    dial = _button(again, "Dial the alternate number (720) 555-0199")
    assert "disabled" not in dial
    assert post(desk, who, f"{call}/dial", number="+17205550199").status_code == 303
    assert "Calling (720) 555-0199" in page(desk, who, call)


def test_outside_the_window_the_dial_is_disabled_until_the_next_allowed_time(desk: Desk) -> None:
    who, callback_id = offered(desk)
    # 20:30 in Denver: half an hour after the window closed.
    desk.clock.set(desk.clock.now().replace(hour=2, minute=30) + timedelta(days=1))
    who = signed_in_again(desk, who)  # the session ended while the clock moved on
    call = f"/desk/callbacks/{callback_id}"
    late = page(desk, who, call)
    assert "20:30 America/Denver is outside 09:00-20:00" in late
    assert 'id="why-not-now"' in late
    assert "Wed 11 Mar, 09:00 MDT in America/Denver" in late
    dial = re.search(r'<button[^>]*id="dial-button"[^>]*>', late)
    assert dial is not None and "disabled" in dial.group(0)
    blockers = late[late.index('id="dial-blockers"') :]
    assert "OB-WINDOW" in blockers[: blockers.index("</p>")]
    refused = post(desk, who, f"{call}/dial")
    assert refused.status_code == 409 and "OB-WINDOW" in refused.text
