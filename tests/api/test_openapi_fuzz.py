"""A bounded schemathesis run over /openapi.json: no generated request may cause a 5xx, and every
answer must be one the document describes: a documented status code, the documented content
type, a body matching the documented schema (problem documents included) and headers."""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from caredesk.users.models import Role
from tests.conftest import TokenMaker

EXAMPLES_PER_OPERATION = 8
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def fuzz(app: Any, headers: dict[str, str], checks: list[Any] = CHECKS) -> tuple[int, list[str]]:
    """Runs every operation of the app's schema; returns how many ran and which failed."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES_PER_OPERATION,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def exercise(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=checks)

        try:
            exercise()
        # schemathesis raises its failures as a BaseExceptionGroup: collect every failing
        # operation, then report them all.
        except (Exception, BaseExceptionGroup) as exc:
            failures.append(f"{operation.method.upper()} {operation.path}: {exc}"[:2000])
    return operations, failures


def test_no_generated_request_causes_a_server_error(client: TestClient, auth: TokenMaker) -> None:
    operations, failures = fuzz(client.app, auth(Role.ADMIN))
    assert operations > 5
    assert not failures, "\n\n".join(failures)


def test_the_fuzzer_finds_a_server_error_when_there_is_one() -> None:
    broken = FastAPI()

    @broken.get("/items/{n}")
    def item(n: int) -> dict[str, int]:
        # A lookup table that only knows small numbers: most generated values break it.
        return {"value": list(range(1000))[n]}

    operations, failures = fuzz(broken, {})
    assert operations == 1
    assert failures and "/items/{n}" in failures[0]


def test_the_fuzzer_finds_an_answer_the_document_does_not_describe() -> None:
    loose = FastAPI()

    @loose.get("/items/{n}", response_model=dict[str, int])
    def item(n: int) -> JSONResponse:
        # Documents an object, answers a list: only the schema checks can tell.
        return JSONResponse([n])

    operations, failures = fuzz(loose, {})
    assert operations == 1
    assert failures and "/items/{n}" in failures[0]
