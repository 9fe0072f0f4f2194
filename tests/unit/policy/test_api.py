"""POST /v1/policy/evaluate through a small app that mounts only the policy router (the caller is
an agent; who may call it is tested over every route in tests/api/test_route_access.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from caredesk.callbacks.policy_api import policy_config, router
from caredesk.policy import PolicyConfig, parse_policy_config
from caredesk.users.models import Role
from caredesk.web.deps import Principal, current_principal
from caredesk.web.problems import install_problem_handlers

EXAMPLE = Path(__file__).parents[3] / "config" / "examples" / "policy-case-dial.json"


def _client(config: PolicyConfig | None = None) -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(router)
    app.dependency_overrides[policy_config] = lambda: config or PolicyConfig()
    app.dependency_overrides[current_principal] = lambda: Principal(1, "ana", Role.AGENT, None, 1)
    return TestClient(app)


def _case() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    return document


def test_evaluate_returns_the_decision() -> None:
    response = _client().post("/v1/policy/evaluate", json=_case())
    assert response.status_code == 200
    body = response.json()
    assert body["allowed"] is False
    assert body["failed"][0]["rule_id"] == "OB-WINDOW"
    assert body["failed"][0]["sentence"].startswith("20:14 America/Denver is outside 09:00-20:00")
    assert body["next_allowed_at"] == "2026-03-11T15:00:00+00:00"


def test_evaluate_uses_the_policy_in_force() -> None:
    late = parse_policy_config({"defaults": {"window_end": "21:00"}})
    body = _client(late).post("/v1/policy/evaluate", json=_case()).json()
    assert body["allowed"] is True


def test_a_bad_case_is_a_problem_document_naming_the_field() -> None:
    case = _case()
    case["callback"]["attempts"][0]["result"] = "hung_up"
    response = _client().post("/v1/policy/evaluate", json=case)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["field"] == "callback.attempts[0].result"
    assert "'hung_up' is not one of contact" in problem["detail"]
