"""Who may call what, for every operation in /openapi.json and every browser page: without a
token every operation but the public ones answers 401 (a page sends the browser to sign in), and
every role is served or refused exactly as the table says, through its bearer token (API) or its
session cookie (pages). A new route fails here until it is written into the table, so none can
ship unprotected."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import BaseRoute, Route

from caredesk.clock import FixedClock
from caredesk.db.session import Database
from caredesk.users.models import LEADER_ROLES, STAFF_ROLES, Role
from tests.api.world import WRITES, build_world, operations
from tests.conftest import TokenMaker
from tests.integration.callbacks.builders import Desk
from tests.web.support import signed_in

Public = Literal["public"]
PUBLIC: Public = "public"
EVERYONE = frozenset(Role)
STAFF = STAFF_ROLES
LEADERS = LEADER_ROLES
ADMIN = frozenset({Role.ADMIN})
CUSTOMERS = frozenset({Role.CUSTOMER})

# The one place that says who may call each operation. Customers are served only their own
# account's records (the world below names those); anything else of theirs is a 404.
ACCESS: dict[tuple[str, str], frozenset[Role] | Public] = {
    ("GET", "/healthz"): PUBLIC,
    ("POST", "/v1/auth/token"): PUBLIC,
    ("GET", "/v1/me"): EVERYONE,
    ("GET", "/v1/users"): ADMIN,
    ("POST", "/v1/users"): ADMIN,
    ("POST", "/v1/users/{login}/tokens"): ADMIN,
    ("POST", "/v1/accounts"): STAFF,
    ("GET", "/v1/accounts"): STAFF,
    ("GET", "/v1/accounts/{account_id}"): EVERYONE,
    ("POST", "/v1/accounts/{account_id}/status"): STAFF,
    ("POST", "/v1/accounts/{account_id}/people"): STAFF,
    ("GET", "/v1/accounts/{account_id}/people"): EVERYONE,
    ("POST", "/v1/accounts/{account_id}/people/{person_id}/contact-points"): STAFF,
    ("POST", "/v1/accounts/{account_id}/lines"): STAFF,
    ("GET", "/v1/accounts/{account_id}/lines"): EVERYONE,
    ("POST", "/v1/accounts/{account_id}/devices"): STAFF,
    ("GET", "/v1/accounts/{account_id}/devices"): EVERYONE,
    ("POST", "/v1/accounts/{account_id}/bills"): STAFF,
    ("GET", "/v1/accounts/{account_id}/bills"): EVERYONE,
    ("POST", "/v1/accounts/{account_id}/consents"): STAFF,
    ("GET", "/v1/accounts/{account_id}/consents"): EVERYONE,
    ("POST", "/v1/accounts/{account_id}/consents/{consent_id}/close"): STAFF,
    ("GET", "/v1/accounts/{account_id}/proof-facts"): STAFF,
    ("GET", "/v1/accounts/{account_id}/zones"): STAFF,
    ("POST", "/v1/accounts/{account_id}/zone-confirmations"): STAFF,
    ("GET", "/v1/accounts/{account_id}/zone-confirmations"): STAFF,
    ("POST", "/v1/accounts/{account_id}/memos"): STAFF,
    ("GET", "/v1/accounts/{account_id}/memos"): STAFF,  # memos are internal
    ("GET", "/v1/memos/{memo_id}"): STAFF,
    ("GET", "/v1/accounts/{account_id}/callbacks"): EVERYONE,
    ("POST", "/v1/agents"): LEADERS,
    ("GET", "/v1/agents"): STAFF,
    ("GET", "/v1/agents/{agent_id}"): STAFF,
    ("PATCH", "/v1/agents/{agent_id}"): LEADERS,
    ("GET", "/v1/agents/{agent_id}/shifts"): STAFF,
    ("PUT", "/v1/agents/{agent_id}/shifts"): LEADERS,
    ("GET", "/v1/agents/{agent_id}/state"): STAFF,
    ("POST", "/v1/agents/{agent_id}/state"): STAFF,
    ("GET", "/v1/agents/{agent_id}/state/history"): STAFF,
    ("GET", "/v1/agents/{agent_id}/offer"): STAFF,
    ("POST", "/v1/agents/{agent_id}/offer/accept"): STAFF,
    ("POST", "/v1/agents/{agent_id}/offer/decline"): STAFF,
    ("GET", "/v1/queues/wait-accuracy"): LEADERS,
    ("POST", "/v1/tickets"): EVERYONE,
    ("GET", "/v1/tickets"): EVERYONE,
    ("GET", "/v1/tickets/{ref}"): EVERYONE,
    ("PATCH", "/v1/tickets/{ref}"): STAFF,
    ("POST", "/v1/tickets/{ref}/status"): STAFF,
    ("POST", "/v1/tickets/{ref}/escalate"): STAFF,
    ("POST", "/v1/tickets/{ref}/reopen"): STAFF,
    ("POST", "/v1/tickets/{ref}/resolve"): STAFF,
    ("POST", "/v1/tickets/{ref}/resolution-check"): EVERYONE,
    ("GET", "/v1/tickets/{ref}/updates"): EVERYONE,
    ("POST", "/v1/tickets/{ref}/updates"): STAFF,
    ("POST", "/v1/interactions"): STAFF,
    ("GET", "/v1/interactions"): EVERYONE,
    ("GET", "/v1/interactions/{interaction_id}"): EVERYONE,
    ("PATCH", "/v1/interactions/{interaction_id}"): STAFF,
    ("POST", "/v1/interactions/{interaction_id}/callback"): STAFF,
    # The phone adapter calls with a staff token; a customer's call is on their own account.
    ("POST", "/v1/ivr/calls"): EVERYONE,
    ("GET", "/v1/ivr/calls/{call_id}"): EVERYONE,
    ("POST", "/v1/ivr/calls/{call_id}/input"): EVERYONE,
    ("GET", "/v1/ivr/calls/{call_id}/wait"): EVERYONE,
    ("POST", "/v1/ivr/calls/{call_id}/hangup"): EVERYONE,
    ("POST", "/v1/ivr/calls/{call_id}/escalate"): STAFF,
    # The agent who has the call, or a leader (the use case refuses any other agent).
    ("POST", "/v1/ivr/calls/{call_id}/end"): STAFF,
    ("GET", "/v1/audit-events"): LEADERS,
    ("POST", "/v1/policy/evaluate"): STAFF,
    # Arithmetic on a forecast, no customer data: staff plan their day with it.
    ("POST", "/v1/staffing/plan"): STAFF,
    ("POST", "/v1/callbacks"): STAFF,
    ("GET", "/v1/callbacks"): STAFF,
    ("GET", "/v1/callbacks/due"): STAFF,
    ("GET", "/v1/callbacks/needs-attention"): LEADERS,
    ("POST", "/v1/callbacks/{callback_id}/requeue-notice"): LEADERS,
    ("GET", "/v1/callbacks/{callback_id}"): STAFF,
    ("GET", "/v1/callbacks/{callback_id}/status"): EVERYONE,
    ("POST", "/v1/callbacks/{callback_id}/slot"): EVERYONE,
    ("GET", "/v1/callbacks/{callback_id}/why-not-now"): STAFF,
    ("GET", "/v1/callbacks/{callback_id}/events"): STAFF,
    ("GET", "/v1/callbacks/{callback_id}/attempts"): STAFF,
    ("POST", "/v1/callbacks/{callback_id}/cancel"): STAFF,
    ("POST", "/v1/callbacks/{callback_id}/start"): STAFF,
    ("POST", "/v1/callbacks/{callback_id}/attempts/{attempt_id}/result"): STAFF,
    ("POST", "/v1/callbacks/{callback_id}/attempts/{attempt_id}/poll"): STAFF,
    ("POST", "/v1/callbacks/{callback_id}/hangup"): STAFF,
    ("POST", "/v1/callbacks/{callback_id}/steps"): STAFF,
    ("GET", "/v1/callbacks/{callback_id}/proof-facts"): STAFF,
    ("POST", "/v1/callbacks/{callback_id}/voicemail"): STAFF,
    ("POST", "/v1/callbacks/{callback_id}/wrap-up"): STAFF,
    # The browser pages (HTML, kept out of /openapi.json), guarded by the same role checks
    # through the session cookie.
    ("GET", "/"): PUBLIC,
    ("GET", "/signin"): PUBLIC,
    ("POST", "/signin"): PUBLIC,
    ("POST", "/signout"): PUBLIC,
    ("GET", "/live"): EVERYONE,
    ("GET", "/desk"): STAFF,
    ("GET", "/desk/worklist"): STAFF,
    ("GET", "/desk/state"): STAFF,
    ("GET", "/desk/offer"): STAFF,
    ("POST", "/desk/offer/accept"): STAFF,
    ("POST", "/desk/offer/decline"): STAFF,
    ("GET", "/desk/inbound"): STAFF,
    ("POST", "/desk/inbound/end"): STAFF,
    ("POST", "/desk/inbound/escalate"): STAFF,
    ("POST", "/desk/inbound/ready"): STAFF,
    ("POST", "/desk/state"): STAFF,
    ("GET", "/desk/customers"): STAFF,
    ("GET", "/desk/customers/{account_id}"): STAFF,
    ("GET", "/desk/callbacks/{callback_id}"): STAFF,
    ("GET", "/desk/callbacks/{callback_id}/workspace"): STAFF,
    ("POST", "/desk/callbacks/{callback_id}/dial"): STAFF,
    ("POST", "/desk/callbacks/{callback_id}/result"): STAFF,
    ("POST", "/desk/callbacks/{callback_id}/steps"): STAFF,
    ("POST", "/desk/callbacks/{callback_id}/hangup"): STAFF,
    ("POST", "/desk/callbacks/{callback_id}/voicemail"): STAFF,
    ("POST", "/desk/callbacks/{callback_id}/memo-check"): STAFF,
    ("POST", "/desk/callbacks/{callback_id}/wrap-up"): STAFF,
    ("GET", "/desk/cases/{ref}"): STAFF,
    ("GET", "/desk/cases/{ref}/timeline"): STAFF,
    ("POST", "/desk/cases/{ref}/updates"): STAFF,
    ("POST", "/desk/cases/{ref}/status"): STAFF,
    ("POST", "/desk/cases/{ref}/escalate"): STAFF,
    ("POST", "/desk/cases/{ref}/resolve"): STAFF,
    ("POST", "/desk/cases/{ref}/reopen"): STAFF,
    ("GET", "/lead"): LEADERS,
    ("GET", "/lead/summary"): LEADERS,
    ("GET", "/lead/figures.csv"): LEADERS,
    ("GET", "/lead/queues"): LEADERS,
    ("GET", "/lead/queues.csv"): LEADERS,
    ("GET", "/lead/agents"): LEADERS,
    ("GET", "/lead/agents.csv"): LEADERS,
    ("GET", "/lead/callbacks"): LEADERS,
    ("GET", "/lead/callbacks.csv"): LEADERS,
    ("GET", "/lead/callbacks/{callback_id}"): LEADERS,
    ("POST", "/lead/callbacks/{callback_id}/requeue-notice"): LEADERS,
    ("GET", "/lead/outbox"): LEADERS,
    ("GET", "/lead/outbox.csv"): LEADERS,
    ("GET", "/lead/cases"): LEADERS,
    ("GET", "/lead/cases.csv"): LEADERS,
    ("GET", "/lead/refusals"): LEADERS,
    ("GET", "/lead/refusals.csv"): LEADERS,
    ("GET", "/lead/charts"): LEADERS,
    ("GET", "/lead/charts/hours.csv"): LEADERS,
    ("GET", "/lead/charts/rules.csv"): LEADERS,
    ("GET", "/lead/activity"): LEADERS,
    ("GET", "/lead/activity.csv"): LEADERS,
    ("GET", "/phone"): EVERYONE,
    ("POST", "/phone/calls"): EVERYONE,
    ("POST", "/phone/calls/{call_id}/input"): EVERYONE,
    ("POST", "/phone/calls/{call_id}/hangup"): EVERYONE,
    ("GET", "/phone/calls/{call_id}/wait"): EVERYONE,
    ("GET", "/portal"): CUSTOMERS,
    ("GET", "/portal/cases"): CUSTOMERS,
    ("GET", "/portal/cases/{ref}"): CUSTOMERS,
    ("GET", "/portal/cases/{ref}/timeline"): CUSTOMERS,
    ("POST", "/portal/cases/{ref}/comments"): CUSTOMERS,
    ("GET", "/portal/callbacks"): CUSTOMERS,
    ("GET", "/portal/callbacks/new"): CUSTOMERS,
    ("POST", "/portal/callbacks"): CUSTOMERS,
    ("POST", "/portal/callbacks/{callback_id}/cancel"): CUSTOMERS,
}
# Served but kept out of the OpenAPI document; each has its own guard or is public by nature.
NOT_IN_SCHEMA = {
    "/openapi.json": "public: the API description",
    "/docs": "public: the API reference page",
    "/docs/oauth2-redirect": "public: part of the reference page",
    "/redoc": "public: the API reference page",
    "/metrics": "operator-only, handled elsewhere (tests of the metrics endpoint)",
    "/favicon.ico": "public: caredesk's icon",
}
PAGES = "caredesk.web.pages."
REFUSED = (403, 404)
UNSERVED = (401, *REFUSED)


@pytest.fixture
def desk(client: TestClient, auth: TokenMaker, db: Database, clock: FixedClock) -> Desk:
    return Desk(client, auth, db, clock)


def served_routes(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, Route]]:
    """Every route the app serves with its full path, included routers walked into."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            inner = prefix + route.include_context.prefix  # type: ignore[attr-defined]
            yield from served_routes(included.routes, inner)
        elif isinstance(route, Route):
            yield prefix + route.path, route


def page_routes(client: TestClient) -> set[tuple[str, str]]:
    """Every (METHOD, path) of the browser pages (caredesk.web.pages)."""
    return {
        (method, path)
        for path, route in served_routes(client.app.routes)  # type: ignore[attr-defined]
        if isinstance(route, APIRoute) and route.endpoint.__module__.startswith(PAGES)
        for method in route.methods or ()
        if method != "HEAD"
    }


def test_the_table_names_every_operation_and_no_other(client: TestClient) -> None:
    documented = set(operations(client.get("/openapi.json").json())) | page_routes(client)
    missing = sorted(documented - ACCESS.keys())
    stale = sorted(ACCESS.keys() - documented)
    assert not missing, f"write who may call these into ACCESS: {missing}"
    assert not stale, f"these are no longer in /openapi.json; remove them from ACCESS: {stale}"


def test_every_route_is_in_the_openapi_document_or_listed_as_kept_out(
    client: TestClient,
) -> None:
    documented = set(client.get("/openapi.json").json()["paths"])
    served = {path for path, _route in served_routes(client.app.routes)}  # type: ignore[attr-defined]
    pages = {path for _method, path in page_routes(client)}
    hidden = sorted(served - documented - pages - NOT_IN_SCHEMA.keys())
    assert not hidden, f"routes outside /openapi.json escape the access table: {hidden}"


def test_without_a_token_only_the_public_operations_answer(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for method, template in operations(spec):
        path = template.replace("{ref}", "CS-000001").replace("{login}", "someone")
        path = path.replace("{", "").replace("}", "")
        for name in ("account_id", "person_id", "consent_id", "memo_id", "interaction_id"):
            path = path.replace(name, "1")
        for name in ("callback_id", "attempt_id", "agent_id", "call_id"):
            path = path.replace(name, "1")
        body = {} if method.lower() in WRITES else None
        response = client.request(method, path, json=body)
        if ACCESS[(method, template)] == PUBLIC:
            assert response.status_code != 401, (method, template, response.text)
            continue
        assert response.status_code == 401, (method, template, response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["field"] == "Authorization"
        bad = client.request(method, path, json=body, headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401, (method, template, bad.text)


def test_every_role_is_served_or_refused_as_the_table_says(desk: Desk) -> None:
    world = build_world(desk)
    own_agent = {Role.AGENT: world.agent_id}
    specialist_id, specialist = desk.agent(role="specialist", lob="sa_bts")
    own_agent[Role.SPECIALIST] = specialist_id
    headers = {
        Role.CUSTOMER: world.customer,
        Role.AGENT: world.agent,
        Role.SPECIALIST: specialist,
        Role.LEADER: desk.auth(Role.LEADER),
        Role.ADMIN: desk.admin,
    }
    spec = desk.client.get("/openapi.json").json()
    # Reads first, so the writes (mostly refused as incomplete: 422) cannot hide a record.
    ops = sorted(operations(spec), key=lambda op: (op[0] != "GET", op))
    wrong: list[str] = []
    for method, template in ops:
        allowed = ACCESS[(method, template)]
        for role, role_headers in headers.items():
            agent_id = str(own_agent.get(role, world.agent_id))
            path = world.path(template, agent_id=agent_id)
            body = {} if method.lower() in WRITES else None
            response = desk.client.request(method, path, json=body, headers=role_headers)
            served = allowed == PUBLIC or role in allowed
            status = response.status_code
            if served and status in UNSERVED:
                wrong.append(f"{method} {template} refused {role.value}: {status} {response.text}")
            if not served and status not in REFUSED:
                wrong.append(f"{method} {template} served {role.value}: {status} {response.text}")
    assert not wrong, "\n".join(wrong)


def test_signed_out_a_page_sends_the_browser_to_sign_in(client: TestClient) -> None:
    for method, template in sorted(page_routes(client)):
        if ACCESS[(method, template)] == PUBLIC or template == "/live":
            continue
        path = template.replace("{ref}", "CS-000001").replace("{callback_id}", "1")
        path = path.replace("{account_id}", "1").replace("{call_id}", "1")
        response = client.request(method, path, follow_redirects=False)
        if method == "GET":
            assert response.status_code == 303, (template, response.status_code)
            assert response.headers["location"].startswith("/signin?next="), template
        else:
            # A post with no session has no CSRF token either.
            assert response.status_code == 403, (template, response.status_code)
    stream = client.get("/live")
    assert stream.status_code == 200
    assert "session.ended" in stream.text


def test_every_role_is_served_or_refused_each_page_as_the_table_says(desk: Desk) -> None:
    world = build_world(desk, with_call=False)
    account_id = int(world.values["account_id"])
    specialist_id, _ = desk.agent(role="specialist", lob="sa_bts")
    browsers = {
        Role.CUSTOMER: signed_in(desk.db, Role.CUSTOMER, account_id=account_id),
        Role.AGENT: signed_in(desk.db, Role.AGENT, agent_id=world.agent_id),
        Role.SPECIALIST: signed_in(desk.db, Role.SPECIALIST, agent_id=specialist_id),
        Role.LEADER: signed_in(desk.db, Role.LEADER),
        Role.ADMIN: signed_in(desk.db, Role.ADMIN),
    }
    wrong: list[str] = []
    for method, template in sorted(page_routes(desk.client), key=lambda op: (op[0] != "GET", op)):
        allowed = ACCESS[(method, template)]
        if template in ("/live", "/signin", "/signout"):
            continue  # a stream, and the sign-in pages (their own tests)
        for role, browser in browsers.items():
            path = world.path(template)
            headers = {**browser.htmx} if method != "GET" else browser.cookie
            response = desk.client.request(method, path, headers=headers, follow_redirects=False)
            served = allowed == PUBLIC or role in allowed
            status = response.status_code
            if served and status in UNSERVED:
                wrong.append(f"{method} {template} refused {role.value}: {status}")
            if not served and status not in REFUSED:
                wrong.append(f"{method} {template} served {role.value}: {status}")
    assert not wrong, "\n".join(wrong)
