"""The guided call on the desktop over HTTP: an offered dropped-call callback dialled twice
without an answer, the voicemail and the memo; the memo checked as it is typed (a card number,
a missing response) and refused when posted anyway; the agent's state following the call."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.memos.models import Memo
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import Desk
from tests.web.desk_support import offered, page, post

CARD = "4111 1111 1111 1111"
SUMMARY = "Called back after the dropped call; no answer on either attempt."
RESPONSE = "No answer; the voicemail asks the customer to call Care back."


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


def _dial_button(html: str) -> str:
    found = re.search(r'<button[^>]*id="dial-button"[^>]*>', html)
    assert found is not None, html
    return found.group(0)


def test_no_answer_twice_then_the_voicemail_and_the_memo(desk: Desk) -> None:
    who, callback_id = offered(desk)
    worklist = page(desk, who, "/desk/worklist")
    assert f'href="/desk/callbacks/{callback_id}"' in worklist
    assert 'data-countdown="120"' in worklist and "Review and dial" in worklist

    call = f"/desk/callbacks/{callback_id}"
    before = page(desk, who, call)
    assert "Pre-call checklist" in before and "OB-WINDOW" in before
    assert "disabled" not in _dial_button(before)
    assert "Accept and dial (303) 555-0123" in before

    dialled = post(desk, who, f"{call}/dial")
    assert dialled.status_code == 303, dialled.text
    dialling = page(desk, who, call)
    assert "Calling (303) 555-0123" in dialling
    assert ">Talking<" in dialling
    assert post(desk, who, f"{call}/result", result="no_answer").status_code == 303

    # The second attempt waits for the spacing OB-ATTEMPTS asks for: said, and not dialled.
    waiting = page(desk, who, call)
    assert ">Not Ready - Follow-Up<" in waiting
    assert "1 of 2" in waiting
    assert "disabled" in _dial_button(waiting)
    assert 'id="why-not-now"' in waiting and "OB-ATTEMPTS" in waiting
    refused = post(desk, who, f"{call}/dial")
    assert refused.status_code == 409
    assert "OB-ATTEMPTS" in refused.text and 'role="alert"' in refused.text

    desk.clock.advance(timedelta(minutes=15))
    assert "disabled" not in _dial_button(page(desk, who, call))
    assert post(desk, who, f"{call}/dial").status_code == 303
    assert post(desk, who, f"{call}/result", result="no_answer").status_code == 303

    after = page(desk, who, call)
    assert "Leave a voicemail" in after and ">After-Call Work<" in after
    assert re.search(r'id="memo-submit"[^>]*disabled', after)

    # The memo is checked as it is typed: a card number, then a missing response.
    check = desk.client.post(
        f"{call}/memo-check",
        data={"outcome": "voicemail_left", "reason": "Dropped call callback", "summary": CARD},
        headers=who.browser.htmx,
    )
    assert check.status_code == 200, check.text
    assert re.search(r'id="memo-submit"[^>]*disabled', check.text)
    assert "card number in summary" in check.text and "OB-MEMO" in check.text
    assert "4111" not in check.text
    missing = desk.client.post(
        f"{call}/memo-check",
        data={"outcome": "voicemail_left", "reason": "Dropped call callback", "summary": SUMMARY},
        headers=who.browser.htmx,
    )
    assert "customer_response is missing" in missing.text
    assert re.search(r'id="memo-submit"[^>]*disabled', missing.text)

    # Posted anyway, the wrap-up refuses it, and the card number is not shown back.
    memo = {
        "outcome": "voicemail_left",
        "reason": "Dropped call callback",
        "summary": f"{SUMMARY} Card {CARD}",
        "customer_response": RESPONSE,
    }
    posted = post(desk, who, f"{call}/wrap-up", **memo)
    assert posted.status_code in (409, 422), posted.text
    assert "4111" not in posted.text and 'role="alert"' in posted.text
    assert RESPONSE in posted.text  # what held no secret is kept

    assert post(desk, who, f"{call}/voicemail").status_code == 303
    ready = desk.client.post(
        f"{call}/memo-check", data={**memo, "summary": SUMMARY}, headers=who.browser.htmx
    )
    assert "disabled" not in re.search(r'<button[^>]*id="memo-submit"[^>]*>', ready.text).group(0)
    done = post(desk, who, f"{call}/wrap-up", **{**memo, "summary": SUMMARY})
    assert done.status_code == 303, done.text
    closed = page(desk, who, call)
    assert "closed unreachable" in closed and "voicemail left" in closed
    assert ">Not Ready - Follow-Up<" in closed
    with desk.db.uow() as uow:
        memos = [
            (m.kind, m.summary, m.customer_response) for m in uow.session.scalars(select(Memo))
        ]
    assert memos == [("voicemail", SUMMARY, RESPONSE)]
