"""The OpenAPI document describes every answer a client can get: each operation lists the
problem documents (RFC 9457, ``application/problem+json``) it may answer with, and each create
its ``Idempotency-Key`` header and the 200 a replay answers. Done once here, from the routes'
own facts (method, body, authentication), so a new route is described like the others."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from caredesk.db.idempotency import HEADER, MAX_KEY
from caredesk.web.idempotency import REPLAYED_HEADER, honours_key
from caredesk.web.problems import PROBLEM_MEDIA_TYPE

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem document; `field` names the input at fault.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "field": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"type": "string"},
                    "location": {"type": "string"},
                    "message": {"type": "string"},
                    "type": {"type": "string"},
                },
            },
        },
    },
    "additionalProperties": True,
}

WHY = {
    400: "Malformed request (e.g. a body that is not JSON).",
    401: "No valid bearer token (or, when logging in, a wrong login or password).",
    403: "The token's role may not do this.",
    404: "A record named in the path or body does not exist (or is out of reach).",
    409: "Conflicts with the record's state, the policy, or an earlier Idempotency-Key.",
    413: "The request body is too large.",
    422: "An input is invalid; `field` names it.",
    429: "Too many attempts; wait before trying again.",
    500: "Unexpected error; nothing was stored.",
    503: "The database is unavailable; nothing was stored. Retry after `Retry-After` seconds.",
}
_WRITES = frozenset({"post", "put", "patch", "delete"})
# Answers an operation gives beyond what its method, body and authentication imply.
EXTRA_PROBLEMS: dict[tuple[str, str], tuple[int, ...]] = {
    ("post", "/v1/auth/token"): (401, 429),  # wrong login or password; too many tries
}


def _problem(status: int) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": WHY[status],
        "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status == 503:
        answer["headers"] = {
            "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer"}}
        }
    return answer


def problem_statuses(path: str, method: str, operation: dict[str, Any]) -> list[int]:
    statuses = [400, 404, 422, 500, 503, *EXTRA_PROBLEMS.get((method, path), ())]
    # Error answers a route declares itself are problem documents too.
    statuses += [int(code) for code in operation.get("responses", {}) if code[0] in "45"]
    if operation.get("security"):
        statuses += [401, 403]
    if method in _WRITES:
        statuses.append(409)
    if "requestBody" in operation:
        statuses.append(413)
    return sorted(set(statuses) & set(WHY))


def describe(document: dict[str, Any]) -> dict[str, Any]:
    document.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            for status in problem_statuses(path, method, operation):
                responses[str(status)] = _problem(status)
            if honours_key(method.upper(), path, 201 if "201" in responses else None):
                _describe_key(operation, responses)
    return document


def _describe_key(operation: dict[str, Any], responses: dict[str, Any]) -> None:
    parameters = operation.setdefault("parameters", [])
    if not any(p.get("in") == "header" and p.get("name") == HEADER for p in parameters):
        parameters.append(
            {
                "name": HEADER,
                "in": "header",
                "required": False,
                "description": "Send the same key again to get the first answer back instead "
                "of a second record; another request with the same key is refused (409).",
                "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY},
            }
        )
    created = responses["201"]
    responses["200"] = {
        "description": "The answer an earlier request with this Idempotency-Key got.",
        "content": created.get("content", {}),
        "headers": {REPLAYED_HEADER: {"schema": {"type": "string", "enum": ["true"]}}},
    }


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
