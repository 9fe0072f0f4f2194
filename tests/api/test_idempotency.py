"""Idempotency-Key on every create, generated from /openapi.json: each POST that answers 201 is
in the table below (a new one fails the test until it is added), and for each, 50 concurrent
requests with one key make one record and write exactly what one request writes, on SQLite and
PostgreSQL. The same key with another body is a 409 naming the header; a request that failed
leaves the key free for its retry."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from caredesk.clock import FixedClock
from caredesk.db.registry import load_all_models
from caredesk.db.session import Database
from caredesk.users.models import Role
from caredesk.web.idempotency import SECRET_ANSWERS
from tests.api.openapi_walk import operations
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import Desk

CONCURRENT = 50
_n = itertools.count(1)
# (url, body, headers) for one more create of the kind; prerequisites are made before it returns.
Request = tuple[str, dict[str, Any], dict[str, str]]
Factory = Callable[[Desk], Request]


def _account(desk: Desk) -> dict[str, Any]:
    return desk.account()


def _users(desk: Desk) -> Request:
    body = {"login": f"user-{uuid.uuid4().hex[:10]}", "display_name": "Bo", "role": "agent"}
    return "/v1/users", body, desk.admin


def _accounts(desk: Desk) -> Request:
    body = {"number": f"ACC-{8000000 + next(_n)}", "type": "consumer", "balance": "0.00"}
    return "/v1/accounts", body, desk.admin


def _people(desk: Desk) -> Request:
    account = _account(desk)
    body = {"first_name": "Bo", "last_name": "Diaz", "role": "authorised_user"}
    return f"/v1/accounts/{account['id']}/people", body, desk.admin


def _contact_points(desk: Desk) -> Request:
    account = _account(desk)
    person = account["people"][0]["id"]
    body = {"kind": "email", "value": f"bo{next(_n)}@example.com"}
    return f"/v1/accounts/{account['id']}/people/{person}/contact-points", body, desk.admin


def _lines(desk: Desk) -> Request:
    account = _account(desk)
    msisdn = f"(303) 555-01{next(_n) % 100:02d}"
    return f"/v1/accounts/{account['id']}/lines", {"msisdn": msisdn}, desk.admin


def _devices(desk: Desk) -> Request:
    account = _account(desk)
    body = {"make": "Acme", "model": "Phone 9"}
    return f"/v1/accounts/{account['id']}/devices", body, desk.admin


def _bills(desk: Desk) -> Request:
    account = _account(desk)
    body = {
        "period_start": "2026-01-01",
        "period_end": "2026-01-31",
        "amount": "42.50",
        "due_date": "2026-02-15",
    }
    return f"/v1/accounts/{account['id']}/bills", body, desk.admin


def _consents(desk: Desk) -> Request:
    account = _account(desk)
    start = desk.clock.now() + timedelta(days=1)
    body = {
        "person_id": account["people"][0]["id"],
        "window_start": start.isoformat(),
        "window_end": (start + timedelta(hours=2)).isoformat(),
        "channel": "voice",
    }
    return f"/v1/accounts/{account['id']}/consents", body, desk.admin


def _zone_confirmations(desk: Desk) -> Request:
    # Only an account whose service address gives no zone takes a confirmed one.
    account = desk.account(zone=None)
    body = {"zone": "America/Denver", "note": "Customer confirmed on the call."}
    return f"/v1/accounts/{account['id']}/zone-confirmations", body, desk.admin


def _agents(desk: Desk) -> Request:
    n = next(_n)
    body = {
        "login": f"agent-idem-{n}",
        "name": f"Agent {n}",
        "time_zone": "UTC",
        "platform_line": "+13035550100",
    }
    return "/v1/agents", body, desk.admin


def _tickets(desk: Desk) -> Request:
    account = _account(desk)
    body = {"account_id": account["id"], "subject": "No data", "description": "Since Monday."}
    return "/v1/tickets", body, desk.admin


def _ticket_updates(desk: Desk) -> Request:
    case = desk.ticket(_account(desk))
    return f"/v1/tickets/{case}/updates", {"body": "Customer rebooted the phone."}, desk.admin


def _memos(desk: Desk) -> Request:
    account = _account(desk)
    body = {
        "kind": "note",
        "reason": "Billing question",
        "summary": "Explained the proration on the last bill; customer satisfied.",
    }
    return f"/v1/accounts/{account['id']}/memos", body, desk.admin


def _interactions(desk: Desk) -> Request:
    account = _account(desk)
    body = {"channel": "chat", "direction": "inbound", "account_id": account["id"]}
    return "/v1/interactions", body, desk.admin


def _ivr_calls(desk: Desk) -> Request:
    return "/v1/ivr/calls", {"number": "+14155550123", "language": "en"}, desk.admin


def _callbacks(desk: Desk) -> Request:
    account = _account(desk)
    _, agent = desk.agent()
    body = {
        "account_id": account["id"],
        "origin": "follow_up",
        "reason": "device_troubleshooting",
        "line_of_business": "care",
    }
    return "/v1/callbacks", body, agent


def _dropped_call_callbacks(desk: Desk) -> Request:
    account = _account(desk)
    agent_id, agent = desk.agent()
    interaction = desk.dropped_call(account, agent_id, agent)
    return f"/v1/interactions/{interaction}/callback", {"line_of_business": "care"}, agent


CREATES: dict[str, Factory] = {
    "/v1/users": _users,
    "/v1/accounts": _accounts,
    "/v1/accounts/{account_id}/people": _people,
    "/v1/accounts/{account_id}/people/{person_id}/contact-points": _contact_points,
    "/v1/accounts/{account_id}/lines": _lines,
    "/v1/accounts/{account_id}/devices": _devices,
    "/v1/accounts/{account_id}/bills": _bills,
    "/v1/accounts/{account_id}/consents": _consents,
    "/v1/accounts/{account_id}/zone-confirmations": _zone_confirmations,
    "/v1/agents": _agents,
    "/v1/tickets": _tickets,
    "/v1/tickets/{ref}/updates": _ticket_updates,
    "/v1/accounts/{account_id}/memos": _memos,
    "/v1/interactions": _interactions,
    "/v1/ivr/calls": _ivr_calls,
    "/v1/callbacks": _callbacks,
    "/v1/interactions/{interaction_id}/callback": _dropped_call_callbacks,
}


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


def _creates(client: TestClient) -> set[str]:
    document = client.get("/openapi.json").json()
    return {
        o.path for o in operations(document) if o.method == "post" and "201" in o.spec["responses"]
    }


def _rows(db: Database) -> dict[str, int]:
    with db.uow() as uow:
        return {
            table.name: uow.session.scalar(select(func.count()).select_from(table)) or 0
            for table in load_all_models().sorted_tables
        }


def _delta(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {name: after[name] - before[name] for name in after if after[name] != before[name]}


def test_every_create_is_in_the_table_or_answers_a_secret(client: TestClient) -> None:
    creates = _creates(client)
    assert creates == set(CREATES) | SECRET_ANSWERS
    document = client.get("/openapi.json").json()
    for operation in operations(document):
        if operation.method == "post" and operation.path in CREATES:
            names = {p["name"] for p in operation.parameters("header")}
            assert "Idempotency-Key" in names, operation.name


@pytest.mark.parametrize("path", sorted(CREATES))
def test_concurrent_creates_with_one_key_make_one_record(desk: Desk, path: str) -> None:
    factory = CREATES[path]
    # What one create writes, table by table.
    url, body, headers = factory(desk)
    before = _rows(desk.db)
    single = desk.client.post(url, json=body, headers={**headers, "Idempotency-Key": "single"})
    assert single.status_code == 201, single.text
    one = _delta(before, _rows(desk.db))

    url, body, headers = factory(desk)
    keyed = {**headers, "Idempotency-Key": f"burst-{uuid.uuid4().hex}"}
    before = _rows(desk.db)
    with ThreadPoolExecutor(max_workers=CONCURRENT) as pool:
        responses = list(
            pool.map(lambda _: desk.client.post(url, json=body, headers=keyed), range(CONCURRENT))
        )
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * (CONCURRENT - 1) + [201], [r.text for r in responses if r.is_error]
    assert len({r.json()["id"] for r in responses}) == 1
    assert len({r.content for r in responses}) == 1  # the same answer, byte for byte
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == CONCURRENT - 1
    assert _delta(before, _rows(desk.db)) == one  # exactly what one request writes


def test_the_same_key_with_another_body_is_a_conflict_naming_the_header(desk: Desk) -> None:
    url, body, headers = _tickets(desk)
    keyed = {**headers, "Idempotency-Key": "case-1"}
    assert desk.client.post(url, json=body, headers=keyed).status_code == 201
    before = _rows(desk.db)
    other = desk.client.post(url, json={**body, "subject": "Other"}, headers=keyed)
    assert other.status_code == 409, other.text
    assert other.headers["content-type"].startswith("application/problem+json")
    assert other.json()["field"] == "Idempotency-Key"
    elsewhere = desk.client.post("/v1/interactions", json={"channel": "chat"}, headers=keyed)
    assert elsewhere.status_code in (409, 422) and elsewhere.json()["field"] == "Idempotency-Key"
    assert _rows(desk.db) == before


def test_a_refused_create_leaves_the_key_free_for_its_retry(desk: Desk) -> None:
    url, body, headers = _tickets(desk)
    keyed = {**headers, "Idempotency-Key": "retry-after-fix"}
    refused = desk.client.post(url, json={**body, "account_id": 999_999}, headers=keyed)
    assert refused.status_code == 404, refused.text
    fixed = desk.client.post(url, json=body, headers=keyed)
    assert fixed.status_code == 201, fixed.text


def test_keys_belong_to_the_client_that_sent_them(desk: Desk, auth: TokenMaker) -> None:
    url, body, headers = _tickets(desk)
    first = desk.client.post(url, json=body, headers={**headers, "Idempotency-Key": "mine"})
    assert first.status_code == 201
    other_admin = auth(Role.ADMIN)
    second = desk.client.post(url, json=body, headers={**other_admin, "Idempotency-Key": "mine"})
    assert second.status_code == 201 and second.json()["id"] != first.json()["id"]


@pytest.mark.parametrize("key", ["", "k" * 201, "tab\there"])
def test_a_malformed_key_is_refused_naming_the_header(desk: Desk, key: str) -> None:
    url, body, headers = _tickets(desk)
    before = _rows(desk.db)
    response = desk.client.post(url, json=body, headers={**headers, "Idempotency-Key": key})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "Idempotency-Key"
    assert _rows(desk.db) == before
