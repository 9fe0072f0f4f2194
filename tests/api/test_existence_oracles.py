"""No existence oracles: for every operation in /openapi.json whose path names a record, a
customer asking for another account's record gets exactly the answer a missing record gets (same
status, same problem document apart from the id), so ids cannot be probed."""

from __future__ import annotations

import functools
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from tests.api.world import MISSING, PATH_PARAM, WRITES, build_world, operations
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import Desk

# Routes a customer may call on their own records: for them the answer must be the 404.
CUSTOMER_RECORD_ROUTES = {
    ("GET", "/v1/accounts/{account_id}"),
    ("GET", "/v1/tickets/{ref}"),
    ("GET", "/v1/tickets/{ref}/updates"),
    ("POST", "/v1/tickets/{ref}/resolution-check"),
    ("GET", "/v1/interactions/{interaction_id}"),
    ("GET", "/v1/callbacks/{callback_id}/status"),
    ("POST", "/v1/callbacks/{callback_id}/slot"),
}
# Bodies a customer may send, so the answer is about the record and not the body.
VALID_BODIES: dict[str, dict[str, Any]] = {
    "/v1/tickets/{ref}/resolution-check": {"held": True},
    "/v1/callbacks/{callback_id}/slot": {"slot": 1},
}


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


def _shape(response: Any, logins: tuple[str, ...]) -> tuple[int, str, Any]:
    """The answer with every id in its text made the same (digits, and the login names)."""

    def same(value: Any) -> Any:
        if isinstance(value, str):
            for login in logins:
                value = value.replace(login, "{login}")
            return re.sub(r"\d+", "#", value)
        if isinstance(value, dict):
            return {key: same(item) for key, item in value.items()}
        if isinstance(value, list):
            return [same(item) for item in value]
        return value

    body = response.json() if response.content else None
    return response.status_code, response.headers.get("content-type", ""), same(body)


def test_another_accounts_record_answers_exactly_as_a_missing_one(desk: Desk) -> None:
    mine = build_world(desk)
    theirs = build_world(desk, with_call=False)
    customer = mine.customer
    logins = (theirs.values["login"], MISSING["login"])
    spec = desk.client.get("/openapi.json").json()
    named = [op for op in operations(spec) if PATH_PARAM.search(op[1])]
    assert set(named) >= CUSTOMER_RECORD_ROUTES
    compared = 0
    for method, template in named:
        body = VALID_BODIES.get(template, {})
        json = body if method.lower() in WRITES else None

        request = functools.partial(desk.client.request, method, json=json, headers=customer)
        other = request(theirs.path(template))
        expected = _shape(other, logins)
        if (method, template) in CUSTOMER_RECORD_ROUTES:
            assert other.status_code == 404, (method, template, other.text)
        # Each id in the path, in turn, names nothing; then all of them do.
        params = PATH_PARAM.findall(template)
        variants = [{name: MISSING[name]} for name in params]
        variants.append({name: MISSING[name] for name in params})
        for ids in variants:
            missing = request(theirs.path(template, **ids))
            assert _shape(missing, logins) == expected, (
                f"{method} {template}: another account's record answers "
                f"{other.status_code} {other.text}\nbut with {ids} missing it answers "
                f"{missing.status_code} {missing.text}"
            )
            compared += 1
    assert compared >= 60
