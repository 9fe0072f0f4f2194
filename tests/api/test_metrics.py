"""/metrics: the operator's, behind an admin token; every label bounded; the business figures
read from the database, the same whichever server process answers."""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from caredesk.agents.models import Agent
from caredesk.callbacks.dispatch.worker import run_once
from caredesk.callbacks.models import Callback, CallbackEvent, CallbackStatus
from caredesk.channels.models import OutboxMessage
from caredesk.clock import FixedClock
from caredesk.config import Settings
from caredesk.db.session import Database
from caredesk.policy import AgentState
from caredesk.tickets.models import SLA_STOPPED, Ticket
from caredesk.users.models import Role
from caredesk.web.app import create_app
from caredesk.web.middleware import KNOWN_METHODS
from tests.api.test_route_access import served_routes
from tests.conftest import TokenMaker
from tests.integration.callbacks.dispatch_support import (
    force_agent,
    make_account,
    make_agent,
    make_callbacks,
    make_runtime,
)
from tests.integration.tickets.factories import insert_row, make_ticket

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
STATUS_CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"}


def scrape(client: TestClient, headers: dict[str, str]) -> Samples:
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_metrics_need_an_admin_token(client: TestClient, auth: TokenMaker) -> None:
    anonymous = client.get("/metrics")
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    assert anonymous.json()["field"] == "Authorization"
    wrong = client.get("/metrics", headers={"Authorization": "Bearer not-a-token"})
    assert wrong.status_code == 401
    for role in (Role.AGENT, Role.SPECIALIST, Role.LEADER):
        assert client.get("/metrics", headers=auth(role)).status_code == 403
    assert client.get("/metrics", headers=auth(Role.ADMIN)).status_code == 200


def _http_label_values(samples: Samples) -> set[tuple[tuple[str, str], ...]]:
    return {labels for (name, labels) in samples if name == "caredesk_http_requests_total"}


def test_odd_methods_and_paths_add_no_label_value(client: TestClient, auth: TokenMaker) -> None:
    admin = auth(Role.ADMIN)

    def odd_requests() -> None:
        token = uuid.uuid4().hex
        for method in ("FOO", f"X{token[:8].upper()}", "GET", "PROPFIND"):
            client.request(method, f"/v1/accounts/{token}")
            client.request(method, f"/no/such/{token}")
            client.request(method, "/v1/accounts")

    odd_requests()
    scrape(client, admin)  # the scrape itself is counted once it is answered
    before = _http_label_values(scrape(client, admin))
    odd_requests()  # new methods and new paths, same labels
    samples = scrape(client, admin)
    after = _http_label_values(samples)
    assert after == before
    # Every route the app serves (the API, the pages, /docs, the vendored assets), whichever
    # test asked: an earlier test in this process may have opened any of them.
    templates = set(client.get("/openapi.json").json()["paths"]) | {"/metrics"}
    templates |= {getattr(route, "path", "") for route in client.app.routes}  # type: ignore[attr-defined]
    templates |= {path for path, _ in served_routes(client.app.routes)}  # type: ignore[attr-defined]
    for labels in after:
        shown = dict(labels)
        assert shown["method"] in KNOWN_METHODS | {"other"}
        assert shown["route"] in templates | {"unmatched"}
        assert shown["status_class"] in STATUS_CLASSES
    for name, labels in samples:
        if name.startswith("caredesk_http_"):
            assert "FOO" not in str(labels) and "/no/such" not in str(labels)
    assert any(dict(labels)["method"] == "other" for labels in after)
    assert any(dict(labels)["route"] == "unmatched" for labels in after)


# --- business figures ---------------------------------------------------------------------


@pytest.fixture
def two_servers(db: Database, settings: Settings) -> Iterator[tuple[TestClient, TestClient]]:
    """Two app instances on one database, as two server processes would be."""
    with (
        TestClient(create_app(settings, database=db), raise_server_exceptions=False) as one,
        TestClient(create_app(settings, database=db), raise_server_exceptions=False) as two,
    ):
        yield one, two


def _refusal(db: Database, callback_id: int, kind: str, rule_ids: list[str] | None) -> None:
    with db.uow() as uow:
        uow.session.add(
            CallbackEvent(
                callback_id=callback_id,
                kind=kind,
                rule_ids=rule_ids,
                actor="system:test",
                at=uow.clock.now(),
            )
        )
        uow.commit()


def _scenario(db: Database, clock: FixedClock) -> dict[str, Any]:
    """Agents, callbacks due and overdue, two dispatchers, refusals, outbox and cases."""
    account = make_account(db)
    for _ in range(2):
        make_ticket(db, account)
    clock.advance(timedelta(hours=49))  # those two are past the normal SLA of 48 hours
    make_ticket(db, account)  # just opened
    now = clock.now()
    for _ in range(2):
        make_agent(db)  # in Not Ready - Follow-Up
    make_agent(db, state=AgentState.READY)
    make_agent(db, state=AgentState.NOT_READY_BREAK)
    gone = make_agent(db, state=AgentState.READY)
    force_agent(db, gone, active=False)  # not counted: inactive
    make_callbacks(db, account_id=account, due_at=now - timedelta(minutes=5), count=3)
    make_callbacks(db, account_id=account, due_at=now - timedelta(hours=2), count=2)
    make_callbacks(db, account_id=account, due_at=now + timedelta(hours=3), count=1)
    make_callbacks(
        db, account_id=account, due_at=now - timedelta(days=1), status=CallbackStatus.COMPLETED
    )
    [refused] = make_callbacks(db, account_id=account, due_at=now, status=CallbackStatus.REFUSED)
    # Two dispatcher processes: two workers offer what is due to the two agents in Follow-Up.
    runtime = make_runtime(db)
    reports = [
        run_once(db, runtime, now=now, worker_id=worker)
        for worker in ("host-a-101", "host-b-202", "host-a-101")
    ]
    assert sum(report.offered for report in reports) == 5  # every due one, to the followers
    _refusal(db, refused, "refused", ["OB-WINDOW", "OB-NOTIFY"])
    _refusal(db, refused, "refused", ["OB-WINDOW"])
    _refusal(db, refused, "refused", None)
    _refusal(db, refused, "requested", ["OB-WINDOW"])  # not a refusal
    for n, status in enumerate(["pending", "pending", "dead", "sent", "sending"]):
        insert_row(
            db,
            "outbox_messages",
            idempotency_key=f"metrics-{n}",
            channel="email",
            payload={"to": "ana@example.com"},
            status=status,
            available_at=now,
        )
    return {
        "rounds": len(reports),
        "offers": sum(report.offered for report in reports),
        "lag": sum(sum(report.lateness_seconds) for report in reports),
        "failed_steps": sum(len(report.failed_steps) for report in reports),
    }


def _expected(db: Database, script: dict[str, Any]) -> Samples:
    """The figures counted row by row in Python, independently of the collector's SQL."""
    with db.uow() as uow:
        now = uow.clock.now()
        callbacks = list(uow.session.scalars(select(Callback)))
        events = list(uow.session.scalars(select(CallbackEvent)))
        outbox = list(uow.session.scalars(select(OutboxMessage)))
        agents = list(uow.session.scalars(select(Agent)))
        tickets = list(uow.session.scalars(select(Ticket)))
        uow.session.expunge_all()  # keeps the values read past the closing rollback
    waiting = [c for c in callbacks if c.status in ("scheduled", "offered") and c.due_at]
    refusals: Counter[str] = Counter()
    for event in events:
        if event.kind == "refused":
            refusals.update(event.rule_ids or [])
    expected: Samples = {
        ("caredesk_callbacks_due", ()): sum(c.due_at <= now for c in waiting),
        ("caredesk_callbacks_overdue", ()): sum(
            c.due_at <= now - timedelta(minutes=30) for c in waiting
        ),
        ("caredesk_tickets_past_sla", ()): sum(
            t.sla_due_at <= now and t.status not in SLA_STOPPED for t in tickets
        ),
        ("caredesk_dispatcher_rounds_total", ()): script["rounds"],
        ("caredesk_dispatcher_offers_total", ()): script["offers"],
        ("caredesk_dispatcher_failed_steps_total", ()): script["failed_steps"],
    }
    for status, count in Counter(c.status for c in callbacks).items():
        expected[("caredesk_callbacks", (("status", status),))] = count
    for rule, count in refusals.items():
        expected[("caredesk_policy_refusals_total", (("rule", rule),))] = count
    for status, count in Counter(m.status for m in outbox).items():
        expected[("caredesk_outbox_messages", (("status", status),))] = count
    for state, count in Counter(a.state for a in agents if a.active).items():
        expected[("caredesk_agents", (("state", state),))] = count
    return expected


def test_business_figures_match_the_database_on_every_server(
    db: Database, clock: FixedClock, auth: TokenMaker, two_servers: tuple[TestClient, TestClient]
) -> None:
    script = _scenario(db, clock)
    admin = auth(Role.ADMIN)
    one, two = (scrape(client, admin) for client in two_servers)
    business = {key: value for key, value in one.items() if not key[0].startswith("caredesk_http")}
    business = {k: v for k, v in business.items() if k[0].startswith("caredesk_")}
    assert business == {k: v for k, v in two.items() if k in business}
    assert set(business) == {k for k in two if k[0].startswith("caredesk_") and "http" not in k[0]}

    expected = _expected(db, script)
    for key, value in expected.items():
        assert business[key] == value, key
    # Every other labelled value is zero: no figure counts rows the database does not have.
    for key, value in business.items():
        if key not in expected and key[1]:
            assert value == 0, key
    # The scenario itself: 3 + 2 due callbacks, 2 of them overdue, all offered.
    assert business[("caredesk_callbacks_due", ())] == 5
    assert business[("caredesk_callbacks_overdue", ())] == 2
    assert business[("caredesk_policy_refusals_total", (("rule", "OB-WINDOW"),))] == 2
    assert business[("caredesk_policy_refusals_total", (("rule", "OB-NOTIFY"),))] == 1
    assert business[("caredesk_outbox_messages", (("status", "dead"),))] == 1
    assert business[("caredesk_outbox_messages", (("status", "pending"),))] == 2
    assert business[("caredesk_agents", (("state", "not_ready_follow_up"),))] == 2
    assert business[("caredesk_tickets_past_sla", ())] == 2
    assert business[("caredesk_dispatcher_rounds_total", ())] == 3
    lag = business[("caredesk_dispatcher_offer_lag_seconds_total", ())]
    assert lag == pytest.approx(script["lag"])
    assert business[("caredesk_dispatcher_last_round_timestamp_seconds", ())] > 0
