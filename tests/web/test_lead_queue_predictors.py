"""The wait predictors on the leader's Queues page, on SQLite and PostgreSQL: the predictor each
queue's callers are told by now, named as a leader reads it, and every predictor's figures on
today's same answered callers with the one told marked; the CSV names it too."""

from __future__ import annotations

import csv
import io
import re

from fastapi.testclient import TestClient

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.api.test_inbound_routing import BILLING, Floor
from tests.api.test_ivr_waits import serving
from tests.conftest import TokenMaker
from tests.web.lead_queues_support import answered
from tests.web.support import signed_in
from tests.web.test_lead_queues import FIGURE, row_of


def predictors_of(html: str, queue: str) -> dict[str, dict[str, str]]:
    """Predictor code -> its figures in `queue`'s part of the Wait predictors table."""
    found = re.search(rf'<tbody id="predictors-{queue}">(.*?)</tbody>', html, re.S)
    assert found is not None, queue
    row = rf'<tr id="predictor-{queue}-([a-z_]+)"[^>]*>(.*?)</tr>'
    rows = re.findall(row, found.group(1), re.S)
    return {code: dict(FIGURE.findall(row)) for code, row in rows}


def test_the_page_names_head_of_line_where_it_proved_closer(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    # Sixty billing callers today, all told by queue length: it said 200 s, head of line 270 s,
    # and each waited 300 s.
    with db.uow() as uow:
        answered(uow, clock, "billing", ql=200, hol=270, waited=300, n=60)
        uow.commit()
    # Now one caller holds for billing's busy agent: head of line has something to say.
    floor = Floor(client, auth, db, clock)
    serving(floor.desk, "billing", talk=2, wrap=1, busy=True)
    floor.caller(*BILLING)
    floor.later(30)

    leader = signed_in(db, Role.LEADER)
    page = client.get("/lead/queues", headers=leader.cookie)
    assert page.status_code == 200, page.text
    assert row_of(page.text, "billing")["predictor"] == "head of line"
    assert "Wait predictors" in page.text
    billing = predictors_of(page.text, "billing")
    assert sorted(billing) == ["hol", "ql", "ql_m"]
    # Head of line 30 s short of 300 s: RASE 30² / 300² = 0.01, within 20% (60 s) every time;
    # queue length 100 s short: 100² / 300² = 0.11, never within.
    assert billing["hol"] == {
        "chosen": "told now",
        "count": "60",
        "rase": "0.01",
        "bias": "-30",
        "within": "100%",
    }
    assert billing["ql"] == {"count": "60", "rase": "0.11", "bias": "-100", "within": "0%"}
    assert billing["ql_m"] == billing["ql"]
    # Technical has no answered caller today: named among the queues not measured.
    assert 'id="predictors-technical"' not in page.text
    unmeasured = re.search(r'<p id="predictors-unmeasured">(.*?)</p>', page.text, re.S)
    assert unmeasured is not None
    assert "in the other queues" in unmeasured.group(1)
    assert "Technical and device support" in unmeasured.group(1)
    assert "Billing and payments" not in unmeasured.group(1)

    exported = client.get("/lead/queues.csv", headers=leader.cookie)
    assert exported.status_code == 200
    rows = {row["queue"]: row for row in csv.DictReader(io.StringIO(exported.text))}
    assert (rows["billing"]["predictor"], rows["billing"]["predictor_name"]) == (
        "hol",
        "head of line",
    )
    assert rows["billing"]["estimates_measured"] == "60"


def test_with_no_history_callers_are_told_by_queue_length(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    floor = Floor(client, auth, db, clock)
    serving(floor.desk, "billing", talk=2, wrap=1, busy=True)
    floor.caller(*BILLING)
    floor.later(30)
    leader = signed_in(db, Role.LEADER)
    page = client.get("/lead/queues", headers=leader.cookie)
    assert row_of(page.text, "billing")["predictor"] == "queue length"
    assert 'id="predictors-billing"' not in page.text
    assert "No answered caller measured today:" in page.text
    exported = client.get("/lead/queues.csv", headers=leader.cookie)
    rows = {row["queue"]: row for row in csv.DictReader(io.StringIO(exported.text))}
    assert rows["billing"]["predictor"] == "ql"
    assert rows["account"]["predictor"] == ""
