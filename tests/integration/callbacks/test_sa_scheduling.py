"""Service Assurance email requests: the scheduling email (with one calendar invitation per
offered time) reaches a real SMTP server on loopback, the customer picks a time, and the call is
allowed at that time and refused a minute before (OB-SA-EMAIL-FIRST, OB-WINDOW with consent)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from caredesk.channels.email.smtp import SmtpSender, SmtpSettings
from caredesk.channels.ports import CallEventKind
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import Desk, ScriptedGateway, instant, refused
from tests.integration.channels.conftest import SmtpServer, free_port

PIN_READY = "please have your account PIN/passcode ready"
# T0 is 12:00 in Denver (MDT); the first time offered is two hours ahead or more, on the hour,
# then one time on each of the next days at the window's opening (09:00 MDT).
OFFERED = [
    (datetime(2026, 3, 10, 21, 0, tzinfo=UTC), datetime(2026, 3, 10, 22, 0, tzinfo=UTC)),
    (datetime(2026, 3, 11, 15, 0, tzinfo=UTC), datetime(2026, 3, 11, 16, 0, tzinfo=UTC)),
    (datetime(2026, 3, 12, 15, 0, tzinfo=UTC), datetime(2026, 3, 12, 16, 0, tzinfo=UTC)),
]


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    server = SmtpServer(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def smtp_sender(port: int, clock: FixedClock) -> SmtpSender:
    settings = SmtpSettings(host="127.0.0.1", port=port, timeout_seconds=5.0)
    return SmtpSender(settings, clock)


def test_sa_email_request_is_scheduled_by_email_and_called_at_the_chosen_time(
    desk: Desk, smtp_server: SmtpServer
) -> None:
    account = desk.account()
    specialist_id, specialist = desk.agent(lob="sa_bts", role="specialist")
    callback = desk.request(
        specialist,
        account_id=account["id"],
        origin="sa_email_request",
        reason="email_request",
        line_of_business="sa_bts",
        customer_spoken_to=False,
    )
    callback_id = callback["id"]
    assert callback["status"] == "awaiting_schedule"
    assert callback["notification_template"] is None
    assert [(instant(s["start"]), instant(s["end"])) for s in callback["offered_slots"]] == OFFERED
    desk.follow_up(specialist_id, specialist)
    refused(desk.start(callback_id, specialist), "OB-SA-EMAIL-FIRST")

    sender = smtp_sender(smtp_server.port, desk.clock)
    assert desk.deliver(sender).sent == 1
    [received] = smtp_server.inbox.received
    assert received.rcpt_tos == ["ana@example.com"]
    mail = received.parsed()
    assert mail["Subject"] == "Let's schedule your callback: the request you emailed us"
    text_part = mail.get_body(preferencelist=("plain",))
    assert text_part is not None
    text = " ".join(text_part.get_content().split())
    assert "like to call you about the request you emailed us" in text  # the purpose
    assert "1. Tuesday, March 10, 3:00 PM MDT to 4:00 PM MDT" in text
    assert "2. Wednesday, March 11, 9:00 AM MDT to 10:00 AM MDT" in text
    assert "3. Thursday, March 12, 9:00 AM MDT to 10:00 AM MDT" in text
    assert PIN_READY in text
    assert "call support directly at 1-800-937-8997" in text
    assert "Troubleshooting can be done during the call" in text
    invitations = [p for p in mail.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(invitations) == 3
    for part, (start, end) in zip(invitations, OFFERED, strict=True):
        [event] = Calendar.from_ical(part.get_content()).walk("VEVENT")
        assert (event.decoded("dtstart"), event.decoded("dtend")) == (start, end)
        assert f"DTSTART:{start:%Y%m%dT%H%M%S}Z" in event.to_ical().decode()  # in UTC

    assert desk.advance() == 1
    waiting = desk.get(callback_id)
    assert waiting["status"] == "awaiting_schedule"
    assert instant(waiting["scheduling_email_sent_at"]) == desk.clock.now()

    # Only the account's own customer may pick, and only a time that was offered.
    stranger = desk.auth(Role.CUSTOMER, account_id=desk.account()["id"])
    assert (
        desk.client.post(
            f"/v1/callbacks/{callback_id}/slot", json={"slot": 2}, headers=stranger
        ).status_code
        == 404
    )
    customer = desk.auth(Role.CUSTOMER, account_id=account["id"])
    too_far = desk.client.post(
        f"/v1/callbacks/{callback_id}/slot", json={"slot": 4}, headers=customer
    )
    assert too_far.status_code == 422 and too_far.json()["field"] == "slot"
    picked = desk.client.post(
        f"/v1/callbacks/{callback_id}/slot", json={"slot": 2}, headers=customer
    )
    assert picked.status_code == 200, picked.text
    assert picked.json()["status"] == "scheduled"
    # Due the notice's lead time into the chosen hour (the notice goes at its start).
    assert instant(picked.json()["due_at"]) == OFFERED[1][0] + timedelta(minutes=10)
    assert "refused_rules" not in picked.json()  # a customer sees the status, not the internals
    seen = desk.client.get(f"/v1/callbacks/{callback_id}/status", headers=customer)
    assert seen.status_code == 200 and seen.json()["status"] == "scheduled"
    assert desk.client.get(f"/v1/callbacks/{callback_id}", headers=customer).status_code == 403
    consents = desk.client.get(f"/v1/accounts/{account['id']}/consents", headers=desk.admin)
    assert consents.status_code == 200, consents.text
    [consent] = consents.json()["items"]  # the chosen time is the customer's consent window
    assert (consent["callback_id"], consent["channel"]) == (callback_id, "portal")
    assert instant(consent["window_start"]) == OFFERED[1][0]

    # The "Customer Callback" notice goes when the chosen time starts, not before.
    assert desk.deliver(sender).sent == 0
    start, _end = OFFERED[1]
    desk.clock.set(start - timedelta(minutes=1))
    early = desk.why(callback_id, agent_id=specialist_id)
    assert early["allowed"] is False
    assert [r["rule_id"] for r in early["failed"]] == ["OB-WINDOW", "OB-NOTIFY"]
    assert instant(early["next_allowed_at"]) == start
    refused(desk.start(callback_id, specialist), "OB-WINDOW")

    desk.clock.set(start)
    assert desk.deliver(sender).sent == 1
    confirmation = smtp_server.inbox.received[1].parsed()
    assert "we'll call you back Wednesday, March 11 around 9:10 AM MDT" in confirmation["Subject"]
    desk.advance()
    assert desk.get(callback_id)["notification_template"] == "Customer Callback"
    on_time = desk.why(callback_id, agent_id=specialist_id)
    assert on_time["allowed"] is True, on_time["explanation"]
    assert {"zone": "America/Denver", "source": "consent"} in on_time["zones"]
    desk.use_gateway(ScriptedGateway([CallEventKind.ANSWERED]))
    dialled = desk.start(callback_id, specialist)
    assert dialled.status_code == 200, dialled.text
    refusals = [e for e in desk.events(callback_id) if e["kind"] == "refused"]
    assert "OB-SA-EMAIL-FIRST" in refusals[0]["rule_ids"]
    assert [e["rule_ids"] for e in refusals[1:]] == [["OB-WINDOW", "OB-NOTIFY"]]


def test_an_email_request_without_an_email_address_is_refused_and_nothing_is_stored(
    desk: Desk,
) -> None:
    account = desk.account(email=None)
    _, specialist = desk.agent(lob="sa_ats", role="specialist")
    before = desk.counts()
    response = desk.client.post(
        "/v1/callbacks",
        json={
            "account_id": account["id"],
            "origin": "sa_email_request",
            "reason": "email_request",
            "line_of_business": "sa_ats",
        },
        headers=specialist,
    )
    assert response.status_code == 422 and response.json()["field"] == "person_id"
    assert desk.counts() == before
