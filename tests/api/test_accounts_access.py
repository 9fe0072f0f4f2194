"""Who may see and change accounts, secrets never leaving the service, and racing creations."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from caredesk.accounts.models import Person
from caredesk.audit.models import AuditEvent
from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.users.models import Role
from tests.api.test_accounts import account_body, create, refused
from tests.conftest import TokenMaker
from tests.integration.accounts.builders import PIN, SSN_LAST4, counts

READS = ("", "/people", "/lines", "/devices", "/bills", "/consents")


def test_customer_reads_only_their_own_account(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    agent = auth(Role.AGENT)
    mine = create(client, agent)
    theirs = create(client, agent, number="ACC-0002000", people=[], lines=[])
    customer = auth(Role.CUSTOMER, account_id=mine["id"])

    for path in READS:
        own = client.get(f"/v1/accounts/{mine['id']}{path}", headers=customer)
        assert own.status_code == 200, (path, own.text)
        other = client.get(f"/v1/accounts/{theirs['id']}{path}", headers=customer)
        refused(other, 404, "account_id")
    # Another account answers exactly as a missing one does, so ids cannot be probed.
    refused(client.get("/v1/accounts/4242", headers=customer), 404, "account_id")

    for staff_only in ("/proof-facts", "/zones"):
        for account in (mine, theirs):
            response = client.get(f"/v1/accounts/{account['id']}{staff_only}", headers=customer)
            refused(response, 403, "role")
    refused(client.get("/v1/accounts", headers=customer), 403, "role")


def test_customers_cannot_write_and_nothing_is_written(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    agent = auth(Role.AGENT)
    mine = create(client, agent)
    customer = auth(Role.CUSTOMER, account_id=mine["id"])
    base = f"/v1/accounts/{mine['id']}"
    person_id = mine["people"][0]["id"]
    start = clock.now() + timedelta(hours=2)
    writes: list[tuple[str, dict[str, Any]]] = [
        ("/v1/accounts", account_body(number="ACC-0003000", people=[], lines=[])),
        (f"{base}/status", {"status": "closed", "reason": "mine to close"}),
        (f"{base}/people", {"first_name": "Bo", "last_name": "Li"}),
        (f"{base}/people/{person_id}/contact-points", {"kind": "email", "value": "x@y.zz"}),
        (f"{base}/lines", {"msisdn": "+16502530000"}),
        (f"{base}/devices", {"make": "Google", "model": "Pixel 9"}),
        (
            f"{base}/bills",
            {"period_start": "2026-01-01", "period_end": "2026-01-31", "amount": "1.00",
             "due_date": "2026-02-20"},
        ),
        (
            f"{base}/consents",
            {"person_id": person_id, "window_start": start.isoformat(),
             "window_end": (start + timedelta(hours=1)).isoformat(), "channel": "portal"},
        ),
    ]  # fmt: skip
    before = counts(db)
    for url, body in writes:
        refused(client.post(url, json=body, headers=customer), 403, "role")
    assert counts(db) == before


def test_no_token_is_401(client: TestClient) -> None:
    for path in ("/v1/accounts", "/v1/accounts/1", "/v1/accounts/1/proof-facts"):
        refused(client.get(path), 401, "Authorization")


def test_pin_and_ssn_never_leave_the_service(
    client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock
) -> None:
    agent = auth(Role.AGENT)
    texts: list[str] = []

    def keep(response: Any) -> Any:
        texts.append(response.text)
        return response

    account = keep(client.post("/v1/accounts", json=account_body(), headers=agent)).json()
    base = f"/v1/accounts/{account['id']}"
    second = {"first_name": "Bo", "last_name": "Li", "pin": "5050", "ssn_last4": "9191"}
    keep(client.post(f"{base}/people", json=second, headers=agent))
    # Refusals must not echo the secret either.
    keep(client.post(f"{base}/people", json={**second, "pin": "50505050505"}, headers=agent))
    keep(client.post(f"{base}/people", json={**second, "ssn_last4": "123-45-6789"}, headers=agent))
    start = clock.now() + timedelta(hours=2)
    keep(
        client.post(
            f"{base}/consents",
            json={
                "person_id": account["people"][0]["id"],
                "window_start": start.isoformat(),
                "window_end": (start + timedelta(hours=1)).isoformat(),
                "channel": "voice",
            },
            headers=agent,
        )
    )
    keep(client.post(f"{base}/status", json={"status": "suspended", "reason": "x"}, headers=agent))
    customer = auth(Role.CUSTOMER, account_id=account["id"])
    for path in (*READS, "/proof-facts", "/zones"):
        keep(client.get(f"{base}{path}", headers=agent))
        keep(client.get(f"{base}{path}", headers=customer))
    keep(client.get("/v1/accounts", params={"q": "Lopez"}, headers=agent))
    keep(client.get("/v1/audit-events", headers=auth(Role.ADMIN)))

    with db.uow() as uow:
        people = list(uow.session.scalars(select(Person)))
        hashes = [h for p in people for h in (p.pin_hash, p.ssn_last4_hash) if h]
        audit_rows = json.dumps(
            [
                [e.actor, e.action, e.subject_id, e.before, e.after, e.details]
                for e in uow.session.scalars(select(AuditEvent))
            ]
        )
    assert len(hashes) == 4
    secrets = (PIN, SSN_LAST4, "5050", "9191", "50505050505", "123-45-6789", *hashes)
    everything = "\n".join(texts)
    for secret in secrets:
        assert secret not in everything, secret
        assert secret not in audit_rows, secret
    assert "verification_on_file" in audit_rows


def test_concurrent_creation_of_one_number_gives_one_201_and_one_409(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    agent = auth(Role.AGENT)
    barrier = threading.Barrier(2)
    responses: list[Any] = []

    def attempt() -> None:
        barrier.wait()
        responses.append(client.post("/v1/accounts", json=account_body(lines=[]), headers=agent))

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in responses) == [201, 409]
    conflict = next(r for r in responses if r.status_code == 409)
    assert conflict.json()["field"] == "number"
    assert counts(db)["accounts"] == 1
    assert counts(db)["people"] == 1
