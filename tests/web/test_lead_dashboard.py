"""The leader's dashboard over HTTP, on SQLite and PostgreSQL: the home's figures equal the
rows counted one by one; every figure leads to exactly the records behind it; a callback's page
shows its timeline, attempts and refusals with rule IDs and sentences; a dead notice is queued
again from it; htmx gets the live part alone; bad parameters are refused naming the field."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from caredesk.callbacks.models import Callback
from caredesk.callbacks.refusals import refusal_rules
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import Desk
from tests.web.lead_world import LEADER_ZONE, Floor, build_floor, expected
from tests.web.support import signed_in

FIGURE = re.compile(r'data-figure="([a-z0-9_-]+|refused-[A-Z0-9-]+)">(\d+)<')


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


@pytest.fixture
def floor(desk: Desk) -> Floor:
    return build_floor(desk)


def figures(html: str) -> dict[str, int]:
    return {name: int(value) for name, value in FIGURE.findall(html)}


def ids_on(html: str, prefix: str) -> set[str]:
    return set(re.findall(rf'<tr id="{prefix}-([A-Za-z0-9-]+)"', html))


def test_the_home_figures_are_the_rows_counted_one_by_one(desk: Desk, floor: Floor) -> None:
    page = desk.client.get("/lead", headers=floor.leader.cookie)
    assert page.status_code == 200, page.text
    shown = figures(page.text)
    want = expected(desk)
    assert want["due"] == 5 and want["overdue"] == 2 and want["offered"] == 5
    for name in ("due", "overdue", "offered", "attention", "outbox-pending", "outbox-dead"):
        assert shown[name] == want[name], name
    assert shown["past-sla"] == want["past-sla"] == 2
    for state, count in want["agents"].items():
        assert shown[f"agents-{state}"] == count, state
    assert shown["agents-ready"] == 1 and shown["agents-not_ready_follow_up"] == 2
    for rule_id in floor.refused:
        assert shown[f"refused-{rule_id}"] == want["refused"][rule_id] == 1
    assert shown["refused-total"] == sum(want["refused"].values())
    assert f"times in {LEADER_ZONE}" in page.text
    # The live part, as htmx asks for it, is the same figures without the page around them.
    part = desk.client.get("/lead", headers=floor.leader.htmx)
    assert part.status_code == 200 and "<html" not in part.text
    assert figures(part.text) == shown
    assert figures(desk.client.get("/lead/summary", headers=floor.leader.cookie).text) == shown
    assert part.headers["vary"] == "HX-Request"


def test_every_callback_figure_lists_exactly_its_callbacks(desk: Desk, floor: Floor) -> None:
    def listed(show: str) -> set[int]:
        page = desk.client.get(f"/lead/callbacks?show={show}", headers=floor.leader.cookie)
        assert page.status_code == 200, page.text
        return {int(i) for i in ids_on(page.text, "callback")}

    assert listed("due") == set(floor.due + floor.overdue)
    assert listed("overdue") == set(floor.overdue)
    assert listed("offered") == set(floor.due + floor.overdue)  # all five were offered
    assert listed("attention") == {floor.attention}
    attention = desk.client.get("/lead/callbacks?show=attention", headers=floor.leader.cookie)
    assert "550 mailbox unavailable" in attention.text
    assert f"/lead/callbacks/{floor.attention}" in attention.text


def test_agents_outbox_and_cases_list_their_records(desk: Desk, floor: Floor) -> None:
    cookie = floor.leader.cookie
    ready = desk.client.get("/lead/agents?state=ready", headers=cookie).text
    assert len(ids_on(ready, "agent")) == 1
    assert 'data-agent-state="ready"' in ready
    everyone = desk.client.get("/lead/agents", headers=cookie).text
    assert len(ids_on(everyone, "agent")) == sum(expected(desk)["agents"].values())
    assert "Lena Okafor" in everyone
    dead = desk.client.get("/lead/outbox?show=dead", headers=cookie).text
    assert ids_on(dead, "message") == {str(floor.dead_message)}
    assert f'href="/lead/callbacks/{floor.attention}"' in dead
    pending = desk.client.get("/lead/outbox?show=pending", headers=cookie).text
    assert len(ids_on(pending, "message")) == expected(desk)["outbox-pending"]
    # A waiting message's time is when it goes: its first send as much as a retry.
    assert '<th scope="col">Goes at</th>' in pending and "Next try" not in pending
    assert '<th scope="col">Given up</th>' in dead
    cases = desk.client.get("/lead/cases", headers=cookie).text
    assert ids_on(cases, "case") == set(floor.past_sla)


def test_a_callback_page_shows_its_timeline_attempts_and_refusals(desk: Desk, floor: Floor) -> None:
    refused = floor.refused["OB-SPOKE-FIRST"]
    page = desk.client.get(f"/lead/callbacks/{refused}", headers=floor.leader.cookie)
    assert page.status_code == 200, page.text
    assert "Refusals (1)" in page.text
    with desk.db.uow() as uow:
        callback = uow.session.get(Callback, refused)
        assert callback is not None
        [rule] = refusal_rules(uow, callback)
    assert f"OB-SPOKE-FIRST</a> {escape(rule['sentence'])}<" in page.text
    assert rule["sentence"].startswith("nobody in care ever spoke with the customer")
    assert "Requested" in page.text and "Not dialled yet." in page.text
    offered = desk.client.get(f"/lead/callbacks/{floor.due[0]}", headers=floor.leader.cookie)
    assert "Offered to" in offered.text and "Offered" in offered.text
    missing = desk.client.get("/lead/callbacks/987654", headers=floor.leader.cookie)
    assert missing.status_code == 404


def test_a_dead_notice_is_queued_again_from_its_callback_page(desk: Desk, floor: Floor) -> None:
    path = f"/lead/callbacks/{floor.attention}"
    page = desk.client.get(path, headers=floor.leader.cookie)
    assert "Queue the message again" in page.text
    requeued = desk.client.post(
        f"{path}/requeue-notice",
        data=floor.leader.form(),
        headers=floor.leader.cookie,
        follow_redirects=False,
    )
    assert requeued.status_code == 303 and requeued.headers["location"] == path
    assert desk.get(floor.attention)["status"] == "awaiting_notification"
    again = desk.client.post(
        f"{path}/requeue-notice", data=floor.leader.form(), headers=floor.leader.cookie
    )
    assert again.status_code == 409  # nothing needs attention now
    unsigned = desk.client.post(f"{path}/requeue-notice", headers=floor.leader.cookie)
    assert unsigned.status_code == 403  # no CSRF token


def test_the_refusals_page_lists_each_refusal_with_its_rules_and_sentences(
    desk: Desk, floor: Floor
) -> None:
    cookie = floor.leader.cookie
    page = desk.client.get("/lead/refusals", headers=cookie)
    assert page.status_code == 200, page.text
    for rule_id, callback_id in floor.refused.items():
        assert f'data-figure="refused-{rule_id}">1<' in page.text
        assert f'href="/lead/callbacks/{callback_id}"' in page.text
    one = desk.client.get("/lead/refusals?rule=OB-NO-ACTIVATION", headers=cookie).text
    assert f'href="/lead/callbacks/{floor.refused["OB-NO-ACTIVATION"]}"' in one
    assert f'href="/lead/callbacks/{floor.refused["OB-SPOKE-FIRST"]}"' not in one


def test_an_admin_without_an_agent_profile_reads_utc_and_may_choose_a_zone(
    desk: Desk, floor: Floor
) -> None:
    admin = signed_in(desk.db, Role.ADMIN)
    assert "times in UTC" in desk.client.get("/lead", headers=admin.cookie).text
    charts = desk.client.get("/lead/charts?zone=Asia/Kolkata", headers=admin.cookie)
    assert charts.status_code == 200
    assert "in Asia/Kolkata" in charts.text
    assert "<option selected>Asia/Kolkata</option>" in charts.text


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/lead/charts?zone=Mars/Olympus", "zone"),
        ("/lead/charts?from=2026-03-10&to=2026-03-01", "to"),
        ("/lead/charts?from=2026-01-01&to=2026-03-01", "to"),
        ("/lead/refusals?rule=OB-NOPE", "rule"),
        (
            "/lead/activity?kind=requested&start=2026-03-10T10:00:00&end=2026-03-10T11:00:00",
            "start",
        ),
        ("/lead/activity?kind=requested", None),
        ("/lead/activity?kind=teleported", "kind"),
        ("/lead/callbacks?show=everything", "show"),
        ("/lead/agents?state=asleep", "state"),
        ("/lead/charts?from=yesterday", "from"),
    ],
)
def test_a_bad_parameter_is_refused_naming_it(
    client: TestClient, db: Database, path: str, field: str | None
) -> None:
    leader = signed_in(db, Role.LEADER)
    page = client.get(path, headers=leader.cookie)
    if field is None:  # a period of today: served
        assert page.status_code == 200, page.text
        return
    assert page.status_code == 422, (path, page.status_code)
    assert field in page.text
