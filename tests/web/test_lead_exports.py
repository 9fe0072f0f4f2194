"""Every dashboard figure exports to CSV: a header row, one row per record behind the figure
(the same records as the page lists, all of them, not a page), values quoted so commas, quotes
and line breaks survive, text that a spreadsheet would run as a formula defused, and no secret,
address or message text in any file."""

from __future__ import annotations

import csv
import io

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.privacy import REDACTED
from caredesk.tickets.models import Ticket
from caredesk.users.models import Role
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import Desk
from tests.web.lead_world import Floor, build_floor, expected
from tests.web.support import signed_in

EXPORTS = [
    "/lead/figures.csv",
    "/lead/agents.csv",
    "/lead/agents.csv?state=ready",
    "/lead/callbacks.csv?show=due",
    "/lead/callbacks.csv?show=overdue",
    "/lead/callbacks.csv?show=offered",
    "/lead/callbacks.csv?show=attention",
    "/lead/outbox.csv?show=pending",
    "/lead/outbox.csv?show=dead",
    "/lead/cases.csv",
    "/lead/refusals.csv",
    "/lead/charts/hours.csv",
    "/lead/charts/rules.csv",
    "/lead/activity.csv?kind=requested",
]
TRICKY = 'Router "reset", again\n=HYPERLINK("http://evil.example")'
CARD = "4111 1111 1111 1111"


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


@pytest.fixture
def floor(desk: Desk) -> Floor:
    return build_floor(desk)


def sheet(desk: Desk, floor: Floor, path: str) -> list[dict[str, str]]:
    answer = desk.client.get(path, headers=floor.leader.cookie)
    assert answer.status_code == 200, (path, answer.text)
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"].startswith('attachment; filename="caredesk-')
    return list(csv.DictReader(io.StringIO(answer.text)))


def test_each_export_has_the_records_behind_its_figure(desk: Desk, floor: Floor) -> None:
    want = expected(desk)
    due = sheet(desk, floor, "/lead/callbacks.csv?show=due")
    assert {int(r["callback_id"]) for r in due} == set(floor.due + floor.overdue)
    assert all(r["page"] == f"/lead/callbacks/{r['callback_id']}" for r in due)
    assert {int(r["seconds_late"]) for r in due} == {300, 7200}
    overdue = sheet(desk, floor, "/lead/callbacks.csv?show=overdue")
    assert {int(r["callback_id"]) for r in overdue} == set(floor.overdue)
    attention = sheet(desk, floor, "/lead/callbacks.csv?show=attention")
    assert [int(r["callback_id"]) for r in attention] == [floor.attention]
    agents = sheet(desk, floor, "/lead/agents.csv")
    assert len(agents) == sum(want["agents"].values())
    assert {r["state"] for r in sheet(desk, floor, "/lead/agents.csv?state=ready")} == {"ready"}
    dead = sheet(desk, floor, "/lead/outbox.csv?show=dead")
    assert [(int(r["message_id"]), r["last_error"]) for r in dead] == [
        (floor.dead_message, "550 mailbox unavailable")
    ]
    refusals = sheet(desk, floor, "/lead/refusals.csv")
    assert {int(r["callback_id"]): r["rule_ids"] for r in refusals} == {
        callback_id: rule_id for rule_id, callback_id in floor.refused.items()
    }
    assert all(r["step"] == "request" and r["sentences"].startswith("OB-") for r in refusals)
    rules = {r["rule_id"]: int(r["refusals"]) for r in sheet(desk, floor, "/lead/charts/rules.csv")}
    assert rules["OB-SPOKE-FIRST"] == rules["OB-NO-ACTIVATION"] == 1
    assert sum(rules.values()) == 2
    figures = {(r["figure"], r["key"]): r for r in sheet(desk, floor, "/lead/figures.csv")}
    assert int(figures[("callbacks", "due")]["value"]) == want["due"]
    assert figures[("callbacks", "due")]["records"] == "/lead/callbacks?show=due"
    assert int(figures[("cases", "past_sla")]["value"]) == want["past-sla"]
    assert int(figures[("agents", "ready")]["value"]) == want["agents"]["ready"]
    hours = sheet(desk, floor, "/lead/charts/hours.csv")
    assert sum(int(r["requested"]) for r in hours) == len(
        sheet(desk, floor, "/lead/activity.csv?kind=requested")
    )


def test_exports_quote_defuse_and_hold_no_secret_or_address(desk: Desk, floor: Floor) -> None:
    # A case written before the secret check existed, holding a card number and a formula.
    with desk.db.uow() as uow:
        uow.session.execute(
            update(Ticket)
            .where(Ticket.case_number == floor.past_sla[0])
            .values(subject=f"{TRICKY} card {CARD}")
        )
        uow.commit()
    cases = sheet(desk, floor, "/lead/cases.csv")
    subject = next(r["subject"] for r in cases if r["case_number"] == floor.past_sla[0])
    assert subject.startswith("'Router") is False  # only a leading formula character is defused
    assert subject.startswith('Router "reset", again\n=HYPERLINK("http://evil.example")')
    assert CARD not in subject and REDACTED in subject
    everything = "".join(
        desk.client.get(path, headers=floor.leader.cookie).text for path in EXPORTS
    )
    assert CARD not in everything and "4111" not in everything
    assert "ana@example.com" not in everything  # the outbox's payloads stay in the outbox
    assert "+1303" not in everything and "+1206" not in everything  # no customer numbers


def test_a_formula_at_the_start_of_a_value_is_written_as_text(desk: Desk, floor: Floor) -> None:
    with desk.db.uow() as uow:
        uow.session.execute(
            update(Ticket)
            .where(Ticket.case_number == floor.past_sla[1])
            .values(subject='=HYPERLINK("http://evil.example","open")')
        )
        uow.commit()
    cases = sheet(desk, floor, "/lead/cases.csv")
    subject = next(r["subject"] for r in cases if r["case_number"] == floor.past_sla[1])
    assert subject == '\'=HYPERLINK("http://evil.example","open")'


def test_exports_are_for_leaders_only(desk: Desk, floor: Floor) -> None:
    agent = signed_in(desk.db, Role.AGENT)
    for path in EXPORTS:
        assert desk.client.get(path, headers=agent.cookie).status_code == 403, path
        signed_out = desk.client.get(path, follow_redirects=False)
        assert signed_out.status_code == 303, path
