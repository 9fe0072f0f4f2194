"""Cross-cutting API behaviour: authentication, roles, problem documents, size limit, health."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from caredesk.db.session import Database
from caredesk.users.models import Role, User
from tests.conftest import TokenMaker

PROBLEM = "application/problem+json"


def _count_users(db: Database) -> int:
    with db.uow() as uow:
        return uow.session.scalar(select(func.count(User.id))) or 0


def test_healthz_names_the_engine(client: TestClient, db: Database) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == db.dialect


def test_metrics_are_prometheus_text(client: TestClient, auth: TokenMaker) -> None:
    client.get("/healthz")
    body = client.get("/metrics", headers=auth(Role.ADMIN)).text
    assert "caredesk_http_requests_total" in body


def test_missing_token_is_a_problem_document(client: TestClient) -> None:
    response = client.get("/v1/me")
    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["field"] == "Authorization"


def test_unknown_token_refused(client: TestClient) -> None:
    response = client.get("/v1/me", headers={"Authorization": "Bearer cd_nope"})
    assert response.status_code == 401


def test_admin_creates_user_and_agent_cannot(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    body = {"login": "dana", "display_name": "Dana", "role": "agent", "password": "s3cret-pass"}
    before = _count_users(db)
    refused = client.post("/v1/users", json=body, headers=auth(Role.AGENT))
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith(PROBLEM)
    assert _count_users(db) == before + 1  # only the agent made for the token

    created = client.post("/v1/users", json=body, headers=auth(Role.ADMIN))
    assert created.status_code == 201, created.text
    assert "password" not in created.text and "hash" not in created.text

    token = client.post("/v1/auth/token", json={"login": "dana", "password": "s3cret-pass"})
    assert token.status_code == 201
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {token.json()['token']}"})
    assert me.json()["login"] == "dana"


def test_wrong_password_refused(client: TestClient, auth: TokenMaker) -> None:
    client.post(
        "/v1/users",
        json={"login": "lee", "display_name": "Lee", "role": "agent", "password": "right-pass"},
        headers=auth(Role.ADMIN),
    )
    response = client.post("/v1/auth/token", json={"login": "lee", "password": "wrong-pass"})
    assert response.status_code == 401
    assert response.json()["field"] == "password"


def test_duplicate_login_is_conflict_naming_login(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    admin = auth(Role.ADMIN)
    body = {"login": "sam", "display_name": "Sam", "role": "leader"}
    assert client.post("/v1/users", json=body, headers=admin).status_code == 201
    count = _count_users(db)
    again = client.post("/v1/users", json=body, headers=admin)
    assert again.status_code == 409
    assert again.json()["field"] == "login"
    assert _count_users(db) == count


def test_malformed_json_names_body_and_writes_nothing(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    admin = auth(Role.ADMIN)
    count = _count_users(db)
    response = client.post(
        "/v1/users",
        content=b'{"login": "x", ',
        headers={**admin, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith(PROBLEM)
    assert response.json()["field"] == "body"
    assert _count_users(db) == count


def test_unknown_field_is_named(client: TestClient, auth: TokenMaker, db: Database) -> None:
    admin = auth(Role.ADMIN)
    count = _count_users(db)
    response = client.post(
        "/v1/users",
        json={"login": "kim", "display_name": "Kim", "role": "agent", "shoe_size": 9},
        headers=admin,
    )
    assert response.status_code == 422
    assert response.json()["field"] == "shoe_size"
    assert _count_users(db) == count


def test_body_over_one_mebibyte_is_refused(
    client: TestClient, auth: TokenMaker, db: Database
) -> None:
    admin = auth(Role.ADMIN)
    count = _count_users(db)
    huge = {"login": "big", "display_name": "x" * (1024 * 1024 + 10), "role": "agent"}
    response = client.post("/v1/users", json=huge, headers=admin)
    assert response.status_code == 413
    assert response.json()["field"] == "body"
    assert _count_users(db) == count


def test_body_over_limit_without_content_length_is_refused(
    client: TestClient, auth: TokenMaker
) -> None:
    admin = auth(Role.ADMIN)

    def chunks():  # streamed, so no Content-Length header is sent
        for _ in range(20):
            yield b"x" * 65536

    response = client.post(
        "/v1/users", content=chunks(), headers={**admin, "Content-Type": "application/json"}
    )
    assert response.status_code == 413


def test_customer_user_needs_an_account(client: TestClient, auth: TokenMaker) -> None:
    response = client.post(
        "/v1/users",
        json={"login": "cu", "display_name": "Cu", "role": "customer"},
        headers=auth(Role.ADMIN),
    )
    assert response.status_code == 422
    assert response.json()["field"] == "account_id"
