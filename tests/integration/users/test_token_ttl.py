"""Token lifetimes follow CAREDESK_TOKEN_TTL_DAYS unless a request names one."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from caredesk.audit.service import Actor
from caredesk.cli import app
from caredesk.config import Settings, get_settings
from caredesk.db.session import Database
from caredesk.users import service
from caredesk.users.models import ApiToken, Role
from caredesk.web.app import create_app
from tests.conftest import TokenMaker

runner = CliRunner()


@pytest.fixture
def cli_env(db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CAREDESK_DATABASE_URL", database_url)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _lifetimes(db: Database) -> list[timedelta]:
    with db.uow() as uow:
        tokens = uow.session.scalars(select(ApiToken).order_by(ApiToken.id))
        return [token.expires_at - token.created_at for token in tokens]


def _user(db: Database, login: str = "ops") -> None:
    with db.uow() as uow:
        service.create_user(
            uow, actor=Actor.system("test"), login=login, display_name=login, role=Role.AGENT
        )


@pytest.mark.parametrize("days", [7, 365])
def test_token_create_uses_the_ttl_setting(
    cli_env: None, db: Database, monkeypatch: pytest.MonkeyPatch, days: int
) -> None:
    _user(db)
    monkeypatch.setenv("CAREDESK_TOKEN_TTL_DAYS", str(days))
    get_settings.cache_clear()
    result = runner.invoke(app, ["token", "create", "ops"])
    assert result.exit_code == 0, result.output
    assert _lifetimes(db) == [timedelta(days=days)]


def test_token_create_option_overrides_the_setting(
    cli_env: None, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    _user(db)
    monkeypatch.setenv("CAREDESK_TOKEN_TTL_DAYS", "7")
    get_settings.cache_clear()
    result = runner.invoke(app, ["token", "create", "ops", "--ttl-days", "2"])
    assert result.exit_code == 0, result.output
    assert _lifetimes(db) == [timedelta(days=2)]


def test_api_token_default_uses_the_ttl_setting(
    db: Database, database_url: str, auth: TokenMaker
) -> None:
    headers = auth(Role.ADMIN)
    _user(db)
    settings = Settings(database_url=database_url, log_json=False, token_ttl_days=11)
    with TestClient(create_app(settings, database=db)) as client:
        response = client.post("/v1/users/ops/tokens", json={"name": "x"}, headers=headers)
    assert response.status_code == 201, response.text
    assert _lifetimes(db)[-1] == timedelta(days=11)
