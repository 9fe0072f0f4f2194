"""Every list is one shape: `{items, next_cursor}`, paged with `limit` and `cursor`.

Generated from /openapi.json, so a list route added later cannot escape."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from caredesk.users.models import Role
from tests.conftest import TokenMaker


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def _get_operations(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    found = []
    for path, operations in spec["paths"].items():
        operation = operations.get("get")
        if operation is None:
            continue
        for code, response in operation.get("responses", {}).items():
            if not code.startswith("2"):
                continue
            schema = response.get("content", {}).get("application/json", {}).get("schema")
            if schema is not None:
                found.append((path, operation, _resolve(spec, schema)))
    return found


def _is_list(spec: dict[str, Any], schema: dict[str, Any]) -> bool:
    if schema.get("type") == "array":
        return True
    items = schema.get("properties", {}).get("items")
    return items is not None and _resolve(spec, items).get("type") == "array"


def test_no_get_operation_answers_a_bare_array(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    bare = [path for path, _, schema in _get_operations(spec) if schema.get("type") == "array"]
    assert bare == []


def test_every_list_is_a_page_taking_limit_and_cursor(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    lists = [
        (path, op, schema) for path, op, schema in _get_operations(spec) if _is_list(spec, schema)
    ]
    assert len(lists) >= 15
    wrong = []
    for path, operation, schema in lists:
        fields = set(schema.get("properties", {}))
        query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        if fields != {"items", "next_cursor"} or not {"limit", "cursor"} <= query:
            wrong.append((path, sorted(fields), sorted(query)))
    assert wrong == []


@pytest.mark.parametrize("path", ["/v1/audit-events", "/v1/users"])
def test_the_audit_trail_and_users_page_through_every_row_once(
    client: TestClient, auth: TokenMaker, path: str
) -> None:
    admin = auth(Role.ADMIN)
    for _ in range(4):
        auth(Role.AGENT)  # each new user writes an audit event
    seen: list[int] = []
    cursor: str | None = None
    while True:
        params: dict[str, Any] = {"limit": 2}
        if cursor:
            params["cursor"] = cursor
        response = client.get(path, params=params, headers=admin)
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"items", "next_cursor"} and len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) >= 5 and seen == sorted(set(seen))
    bad = client.get(path, params={"cursor": "not-a-cursor"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["field"] == "cursor"
