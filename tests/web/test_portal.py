"""The customer portal: a customer reads their own cases and callbacks and nothing else, asks
for a callback in their own zone (recorded as their consent, OB-WINDOW), cancels it, comments
on a case; a refusal names its rules."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select

from caredesk.accounts.models import ConsentWindow
from caredesk.callbacks.models import Callback
from caredesk.callbacks.refusals import refusal_rules
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.live.models import LiveEvent
from caredesk.tickets.models import TicketUpdate
from caredesk.users.models import Role
from tests.api.world import (
    AGENT_NAME,
    CONTACT_NOTE,
    ESCALATION_NOTE,
    INTERNAL_NOTE,
    MEMO_TEXT,
    WRAP_UP_SUMMARY,
    build_world,
)
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import Desk
from tests.web.support import Browser, signed_in

NEW_YORK_PHONE = "+12125550147"


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


def _customer(desk: Desk, account: dict[str, object]) -> Browser:
    return signed_in(desk.db, Role.CUSTOMER, account_id=int(str(account["id"])))


def test_a_customer_reads_no_internal_data_on_any_portal_page(desk: Desk) -> None:
    world = build_world(desk)
    customer = _customer(desk, world.account)
    case = world.values["ref"]
    reply = desk.client.post(
        f"/v1/tickets/{case}/updates",
        json={"body": "We are looking at the network near you."},
        headers=world.agent,
    )
    assert reply.status_code == 201, reply.text
    pages = [
        "/portal",
        "/portal/cases",
        "/portal/callbacks",
        f"/portal/cases/{case}",
        f"/portal/cases/{case}/timeline",
        "/portal/callbacks/new",
    ]
    seen = ""
    for path in pages:
        page = desk.client.get(path, headers=customer.cookie)
        assert page.status_code == 200, (path, page.text)
        seen += page.text
    for internal in (MEMO_TEXT, INTERNAL_NOTE, ESCALATION_NOTE, WRAP_UP_SUMMARY, AGENT_NAME):
        assert internal not in seen, internal
    assert CONTACT_NOTE not in seen
    assert f"agent:{world.agent_id}" not in seen and "user:" not in seen
    assert case in seen  # their own case is there, by its number
    timeline = desk.client.get(f"/portal/cases/{case}", headers=customer.cookie).text
    assert "We are looking at the network near you." in timeline
    assert "Customer Care agent" in timeline  # staff appear by role, not by name


def test_another_accounts_case_is_not_found_like_a_missing_one(desk: Desk) -> None:
    mine, theirs = desk.account(), desk.account()
    other_case = desk.ticket(theirs)
    customer = _customer(desk, mine)
    for path in (f"/portal/cases/{other_case}", f"/portal/cases/{other_case}/timeline"):
        other = desk.client.get(path, headers=customer.cookie)
        missing = desk.client.get(path.replace(other_case, "CS-987651"), headers=customer.cookie)
        assert other.status_code == missing.status_code == 404
        assert other.text.replace(other_case, "X") == missing.text.replace("CS-987651", "X")
    comment = desk.client.post(
        f"/portal/cases/{other_case}/comments",
        data=customer.form(body="Let me in"),
        headers=customer.cookie,
    )
    assert comment.status_code == 404
    with desk.db.uow() as uow:
        assert uow.session.scalar(select(TicketUpdate.id)) is None


def test_a_customer_comments_on_their_case_and_it_goes_live(desk: Desk) -> None:
    account = desk.account()
    case = desk.ticket(account)
    customer = _customer(desk, account)
    answer = desk.client.post(
        f"/portal/cases/{case}/comments",
        data=customer.form(body="It stopped again this morning."),
        headers=customer.cookie,
        follow_redirects=False,
    )
    assert answer.status_code == 303
    page = desk.client.get(f"/portal/cases/{case}", headers=customer.cookie).text
    assert "It stopped again this morning." in page and "You" in page
    with desk.db.uow() as uow:
        kinds = list(
            uow.session.scalars(
                select(LiveEvent.kind).where(LiveEvent.account_id == int(str(account["id"])))
            )
        )
    assert "ticket.comment" in kinds
    secret = desk.client.post(
        f"/portal/cases/{case}/comments",
        data=customer.form(body="my card is 4111 1111 1111 1111"),
        headers=customer.cookie,
    )
    assert secret.status_code == 422
    assert 'id="error-body"' in secret.text  # said by the form...
    assert "4111" not in secret.text  # ...which does not hand it back
    page = desk.client.get(f"/portal/cases/{case}", headers=customer.cookie).text
    assert "4111" not in page


def test_a_callback_for_2030_to_2100_local_carries_that_consent(
    desk: Desk, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 3, 10, 18, 0, tzinfo=UTC))  # 14:00 in New York
    account = desk.account(zone="America/New_York", phone=NEW_YORK_PHONE)
    customer = _customer(desk, account)
    form = desk.client.get("/portal/callbacks/new", headers=customer.cookie)
    assert "America/New York" in form.text
    answer = desk.client.post(
        "/portal/callbacks",
        data=customer.form(day="2026-03-10", start="20:30", end="21:00", key="k1"),
        headers=customer.cookie,
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    with desk.db.uow() as uow:
        callback = uow.session.scalars(select(Callback)).one()
        consent = uow.session.scalars(select(ConsentWindow)).one()
        uow.session.expunge_all()
    assert consent.callback_id == callback.id
    assert consent.channel == "portal"
    assert consent.time_zone == "America/New_York"
    # 20:30-21:00 EDT (the clocks went forward on 8 March) is 00:30-01:00 UTC the next day.
    assert consent.window_start == datetime(2026, 3, 11, 0, 30, tzinfo=UTC)
    assert consent.window_end == datetime(2026, 3, 11, 1, 0, tzinfo=UTC)
    assert callback.due_at is not None
    assert consent.window_start <= callback.due_at < consent.window_end
    home = desk.client.get("/portal", headers=customer.cookie).text
    assert "Tue 10 Mar, 20:30 EDT to 21:00 EDT" in home
    # The same form sent twice (a double click) makes one callback.
    again = desk.client.post(
        "/portal/callbacks",
        data=customer.form(day="2026-03-10", start="20:30", end="21:00", key="k1"),
        headers=customer.cookie,
        follow_redirects=False,
    )
    assert again.status_code == 303
    with desk.db.uow() as uow:
        assert len(list(uow.session.scalars(select(Callback.id)))) == 1
    cancelled = desk.client.post(
        f"/portal/callbacks/{callback.id}/cancel",
        data=customer.form(),
        headers=customer.cookie,
        follow_redirects=False,
    )
    assert cancelled.status_code == 303
    with desk.db.uow() as uow:
        assert uow.session.get(Callback, callback.id).status == "cancelled"  # type: ignore[union-attr]
        assert uow.session.scalars(select(ConsentWindow)).one().closed_at is not None


def test_a_window_already_past_or_backwards_is_refused_by_field(
    desk: Desk, clock: FixedClock
) -> None:
    clock.set(datetime(2026, 3, 10, 18, 0, tzinfo=UTC))
    account = desk.account(zone="America/New_York", phone=NEW_YORK_PHONE)
    customer = _customer(desk, account)
    for start, end, field, words in (
        ("09:00", "10:00", "start", "already passed"),
        ("21:00", "20:30", "end", "after the start"),
    ):
        answer = desk.client.post(
            "/portal/callbacks",
            data=customer.form(day="2026-03-10", start=start, end=end),
            headers=customer.cookie,
        )
        assert answer.status_code == 422
        assert f'id="error-{field}"' in answer.text and words in answer.text
    with desk.db.uow() as uow:
        assert uow.session.scalar(select(Callback.id)) is None


def test_a_refused_request_names_the_rule_and_its_sentence(desk: Desk) -> None:
    account = desk.account(zone=None, phone="+442071838750")  # a London number
    customer = _customer(desk, account)
    answer = desk.client.post(
        "/portal/callbacks",
        data=customer.form(day=desk.clock.now().date().isoformat(), start="22:00", end="23:00"),
        headers=customer.cookie,
    )
    assert answer.status_code == 409, answer.text
    assert "OB-INTL" in answer.text
    with desk.db.uow() as uow:
        stored = uow.session.scalars(select(Callback)).one()
        rules = refusal_rules(uow, stored)
        uow.session.expunge_all()
    assert stored.status == "refused" and stored.refused_rules == ["OB-INTL"]
    assert str(escape(rules[0]["sentence"])) in answer.text


def test_another_accounts_callback_cannot_be_cancelled(desk: Desk) -> None:
    mine, theirs = desk.account(), desk.account()
    _agent_id, agent = desk.agent()
    callback = desk.request(
        agent,
        account_id=theirs["id"],
        origin="follow_up",
        reason="device_troubleshooting",
        line_of_business="care",
    )
    customer = _customer(desk, mine)
    answer = desk.client.post(
        f"/portal/callbacks/{callback['id']}/cancel", data=customer.form(), headers=customer.cookie
    )
    assert answer.status_code == 404
    assert desk.get(callback["id"])["status"] != "cancelled"
