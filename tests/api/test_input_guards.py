"""Class tests over /openapi.json: every string input refuses NUL and control characters, every
integer parameter refuses ids such as ``1.0`` and `` 1``, every timestamp refuses instants
outside the sane range, each with a problem document naming the field, on both engines."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from caredesk.users.models import Role
from tests.api.openapi_walk import body_schema, leaves, operations, place, variants
from tests.conftest import TokenMaker

CONTROL_VALUES = ["a\x00b", "line\x1bend", "bell\x07", "del\x7f"]
NOT_DIGITS = ["1.0", " 1", "1 ", "+1", "1e0", "0x1", "\u0661", "\uff11", "true"]
EXTREME_INSTANTS = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59Z", "1800-01-01T00:00:00Z"]


def _problem(response: Any) -> dict[str, Any]:
    assert response.headers["content-type"].startswith("application/problem+json"), response.text
    body: dict[str, Any] = response.json()
    return body


def _fields(problem: dict[str, Any]) -> set[str]:
    return {problem.get("field", "")} | {e.get("field", "") for e in problem.get("errors", [])}


def _send(client: TestClient, method: str, url: str, headers: dict[str, str], **kw: Any) -> Any:
    return client.request(method.upper(), url, headers=headers, **kw)


def _string_leaves(document: dict[str, Any], schema: dict[str, Any]) -> list[str]:
    found = []
    for field, _, leaf in leaves(document, schema):
        if leaf.get("type") == "string" and "enum" not in leaf and "format" not in leaf:
            found.append(field)
    return found


def test_control_characters_are_refused_in_every_string_input(
    client: TestClient, auth: TokenMaker
) -> None:
    headers = auth(Role.ADMIN)
    document = client.get("/openapi.json").json()
    checked = 0
    for operation in operations(document):
        for parameter in operation.parameters("query"):
            kinds = [v.get("type") for v in variants(document, parameter.get("schema", {}))]
            if "string" not in kinds:
                continue
            name = parameter["name"]
            for bad in CONTROL_VALUES:
                url = f"{operation.url()}?{name}={quote(bad)}"
                response = _send(client, operation.method, url, headers, json={})
                assert response.status_code == 422, (operation.name, name, response.text)
                assert _problem(response)["field"] == name, (operation.name, response.text)
                checked += 1
        for parameter in operation.parameters("path"):
            kinds = [v.get("type") for v in variants(document, parameter.get("schema", {}))]
            if "string" not in kinds:
                continue
            name = parameter["name"]
            url = operation.url(**{name: quote("CS\x00000001")})
            response = _send(client, operation.method, url, headers, json={})
            assert response.status_code == 422, (operation.name, name, response.text)
            assert _problem(response)["field"] == name
            checked += 1
        schema = body_schema(document, operation)
        if schema is None:
            continue
        for field in _string_leaves(document, schema):
            for bad in CONTROL_VALUES:
                response = _send(
                    client, operation.method, operation.url(), headers, json=place(field, bad)
                )
                assert response.status_code == 422, (operation.name, field, response.text)
                assert _problem(response)["field"] == field, (operation.name, response.text)
                checked += 1
    assert checked > 50


def test_a_nul_in_the_search_text_finds_nothing_instead_of_everything(
    client: TestClient, auth: TokenMaker
) -> None:
    response = client.get("/v1/tickets?q=%00", headers=auth(Role.ADMIN))
    assert response.status_code == 422
    assert _problem(response)["field"] == "q"


def test_tab_newline_and_carriage_return_stay_allowed_in_free_text(
    client: TestClient, auth: TokenMaker
) -> None:
    response = client.get("/v1/tickets?q=" + quote("a\tb\r\nc"), headers=auth(Role.ADMIN))
    assert response.status_code == 200, response.text


def test_every_integer_parameter_takes_digits_only(client: TestClient, auth: TokenMaker) -> None:
    headers = auth(Role.ADMIN)
    document = client.get("/openapi.json").json()
    checked = 0
    for operation in operations(document):
        for where in ("path", "query"):
            for parameter in operation.parameters(where):
                kinds = [v.get("type") for v in variants(document, parameter.get("schema", {}))]
                if "integer" not in kinds:
                    continue
                name = parameter["name"]
                for bad in NOT_DIGITS:
                    if where == "path":
                        url = operation.url(**{name: quote(bad)})
                    else:
                        url = f"{operation.url()}?{name}={quote(bad)}"
                    response = _send(client, operation.method, url, headers, json={})
                    assert response.status_code == 422, (operation.name, name, bad, response.text)
                    assert _problem(response)["field"] == name, (operation.name, response.text)
                    checked += 1
    assert checked > 100


def test_ids_in_bodies_are_whole_numbers(client: TestClient, auth: TokenMaker) -> None:
    headers = auth(Role.ADMIN)
    for bad in (1.0, " 1", "1.0", True):
        response = client.post(
            "/v1/tickets", headers=headers, json={"account_id": bad, "subject": "Router"}
        )
        assert response.status_code == 422, response.text
        assert "account_id" in _fields(_problem(response))


@pytest.mark.parametrize("instant", EXTREME_INSTANTS)
def test_every_timestamp_input_refuses_instants_out_of_range(
    client: TestClient, auth: TokenMaker, instant: str
) -> None:
    headers = auth(Role.ADMIN)
    document = client.get("/openapi.json").json()
    checked = 0
    for operation in operations(document):
        for parameter in operation.parameters("query"):
            formats = [v.get("format") for v in variants(document, parameter.get("schema", {}))]
            if "date-time" not in formats:
                continue
            name = parameter["name"]
            url = f"{operation.url()}?{name}={quote(instant)}"
            response = _send(client, operation.method, url, headers)
            assert response.status_code == 422, (operation.name, name, response.text)
            assert name in _fields(_problem(response)), (operation.name, response.text)
            checked += 1
        schema = body_schema(document, operation)
        if schema is None:
            continue
        for field, _, leaf in leaves(document, schema):
            if leaf.get("format") != "date-time":
                continue
            body = place(field, instant)
            response = _send(client, operation.method, operation.url(), headers, json=body)
            assert response.status_code == 422, (operation.name, field, response.text)
            assert field in _fields(_problem(response)), (operation.name, response.text)
            checked += 1
    assert checked >= 3
