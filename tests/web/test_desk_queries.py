"""What the pages the agents open all day cost in SQL statements: the customer panel and the
desktop (whole, and the work list and state fragments htmx refreshes) each run a small, fixed
number of statements, however many people, lines, memos, cases and callbacks there are; so does
the leader's Queues page, however many callers wait and callbacks hold their place. Every
statement costs the server driver and ORM time whichever database answers it, and at a floor's
load that time is the page's latency; these bounds keep a read added to a page, or a list read
row by row, from creeping back in unnoticed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.api.test_inbound_routing import TECHNICAL, Floor
from tests.api.test_ivr_calls import CALLER
from tests.api.test_ivr_waits import serving, to_queue
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import Desk
from tests.web.desk_support import (
    Agent,
    dropped_call_callback,
    offered,
    page,
    signed_in_again,
)
from tests.web.lead_queues_support import answered, takes_callback
from tests.web.statements import statements
from tests.web.support import signed_in

# The panel: the session (with the agent's zone); the account with its lines, then its people
# with their contact points; its devices, bills, memos, cases and callbacks; where the page's
# live stream starts. An account without a service-address zone also reads the zones people
# confirmed.
PANEL_STATEMENTS = 9
PANEL_STATEMENTS_NO_ADDRESS_ZONE = PANEL_STATEMENTS + 1
# The desktop: the session; the agent; the open cases with their count; the callbacks offered,
# on a call and due; the customers' names and account numbers for them; the live stream's start.
DESK_STATEMENTS = 8
# The fragments htmx refreshes have no live-stream start of their own.
WORKLIST_STATEMENTS = DESK_STATEMENTS - 1
STATE_STATEMENTS = 2
# The leader's Queues page: the session; the callers waiting, the agents by skill and state;
# today's answered, abandoned and callback outcomes; the estimates' accuracy (every queue's
# predictors side by side among it: no statement of their own); the "keep my
# place" callbacks held now and today's (two statements for every queue at once); the estimate a
# caller joining each queue now would hear (the callers in line by queue, the agents serving by
# skill, their recent Talking and After-Call Work spells, and the recent callers who left each
# line, whose abandonments give QL_m its give-up rate and whose last answered gives LES: four for
# every queue at once); the last callers answered in every queue, whose logged estimates choose
# each queue's predictor (one for them all); the live stream's start.
QUEUES_STATEMENTS = 15


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


def _post(desk: Desk, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = desk.client.post(path, json=body, headers=desk.admin)
    assert answer.status_code == 201, answer.text
    made: dict[str, Any] = answer.json()
    return made


def _customer(desk: Desk, size: int, *, zone: str | None) -> dict[str, Any]:
    """An account with ``size`` of everything the panel lists: people (two contact points
    each), lines (a device on each), bills, memos and cases."""
    n = desk.client.get("/v1/accounts", headers=desk.admin).json()["items"]
    people = [
        {
            "first_name": f"Person{i}",
            "last_name": "Quintero",
            "role": "account_holder" if i == 0 else "authorised_user",
            "contact_points": [
                {"kind": "phone", "value": f"+1303555{len(n):02d}{i:02d}", "label": "mobile"},
                {"kind": "email", "value": f"p{len(n)}-{i}@example.com"},
            ],
        }
        for i in range(size)
    ]
    account = _post(
        desk,
        "/v1/accounts",
        {
            "number": f"ACC-{4242000 + len(n)}",
            "type": "consumer",
            "balance": "0.00",
            "service_address": {"country": "US", "time_zone": zone} if zone else {},
            "people": people,
            "lines": [{"msisdn": f"+1720555{len(n):02d}{i:02d}"} for i in range(size)],
        },
    )
    base = f"/v1/accounts/{account['id']}"
    for i, line in enumerate(account["lines"]):
        _post(desk, f"{base}/devices", {"make": "Pixel", "model": f"{i}", "line_id": line["id"]})
        _post(
            desk,
            f"{base}/bills",
            {
                "period_start": f"2026-0{i + 1}-01",
                "period_end": f"2026-0{i + 1}-28",
                "amount": "10.00",
                "due_date": f"2026-0{i + 1}-28",
            },
        )
        _post(
            desk,
            f"{base}/memos",
            {"kind": "care_call", "reason": "Question", "summary": "Answered.",
             "customer_response": "Thanks."},
        )  # fmt: skip
        desk.ticket(account)
    return account


def _count(desk: Desk, who: Agent, path: str, **headers: str) -> int:
    page(desk, who, path)  # first, so that a one-off (a session's activity) is not counted
    with statements(desk.db.engine) as seen:
        answer = desk.client.get(
            path, headers={**who.browser.cookie, **headers}, follow_redirects=False
        )
        assert answer.status_code == 200, answer.text
    return len(seen)


def test_the_customer_panel_reads_in_a_fixed_few_statements(desk: Desk) -> None:
    who, _ = offered(desk)
    small = _customer(desk, 1, zone="America/Denver")
    large = _customer(desk, 3, zone="America/Denver")
    for account in (small, large):
        dropped_call_callback(desk, account, who)
    who = signed_in_again(desk, who)  # the clock moved past the first session's idle limit
    counts = [_count(desk, who, f"/desk/customers/{a['id']}") for a in (small, large)]
    assert counts == [PANEL_STATEMENTS, PANEL_STATEMENTS]


def test_a_panel_without_an_address_zone_reads_the_confirmed_zones_once_more(desk: Desk) -> None:
    who, _ = offered(desk)
    small = _customer(desk, 1, zone=None)
    large = _customer(desk, 3, zone=None)
    counts = [_count(desk, who, f"/desk/customers/{a['id']}") for a in (small, large)]
    assert counts == [PANEL_STATEMENTS_NO_ADDRESS_ZONE, PANEL_STATEMENTS_NO_ADDRESS_ZONE]


def test_the_desktop_and_its_fragments_read_in_a_fixed_few_statements(desk: Desk) -> None:
    who, _ = offered(desk)
    account = desk.account()
    desk.ticket(account)

    def counts() -> list[int]:
        return [
            _count(desk, who, "/desk"),
            _count(desk, who, "/desk/worklist", **{"HX-Request": "true"}),
            _count(desk, who, "/desk/state", **{"HX-Request": "true"}),
        ]

    one_due = counts()
    for _ in range(3):  # more callbacks due, on more accounts: the same statements
        dropped_call_callback(desk, desk.account(), who)
    who = signed_in_again(desk, who)
    worklist = page(desk, who, "/desk/worklist")
    assert worklist.count("the callback for Ana Lopez") == 3  # each row with its customer
    assert one_due == counts() == [DESK_STATEMENTS, WORKLIST_STATEMENTS, STATE_STATEMENTS]


def test_the_leaders_queues_page_reads_in_a_fixed_few_statements(
    client: TestClient, auth: TokenMaker, desk: Desk
) -> None:
    floor = Floor(client, auth, desk.db, desk.clock)
    numbers = [f"+1303555014{i}" for i in range(4)]
    for number in numbers:
        floor.desk.account(phone=number)
    serving(floor.desk, "technical", talk=5, wrap=2, busy=True)
    serving(floor.desk, "billing", talk=3, wrap=1, busy=True)
    leader = Agent(0, {}, signed_in(desk.db, Role.LEADER))
    empty = _count(desk, leader, "/lead/queues")
    # Callers holding, callbacks held in line, one cancelled: the same statements.
    held = [takes_callback(floor, number) for number in numbers]
    for _ in range(3):
        assert to_queue(client, floor.phone, CALLER, *TECHNICAL)["result"]["outcome"] == "queued"
    cancelled = client.post(
        f"/v1/callbacks/{held[0]}/cancel", json={"reason": "sorted it online"}, headers=desk.admin
    )
    assert cancelled.status_code == 200, cancelled.text
    # Answered callers with every predictor's estimate logged, in two queues.
    with desk.db.uow() as uow:
        for queue in ("billing", "technical"):
            answered(uow, desk.clock, queue, ql=200, hol=270, waited=300, n=3)
        uow.commit()
    busy = _count(desk, leader, "/lead/queues")
    html = page(desk, leader, "/lead/queues")
    assert html.count('data-figure="callbacks-held"') == 1
    assert 'id="predictors-billing"' in html and 'id="predictors-technical"' in html
    assert empty == busy == QUEUES_STATEMENTS
