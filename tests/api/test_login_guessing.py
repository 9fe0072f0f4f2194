"""Guessing logins and passwords: every attempt costs one argon2 verification whether or not the
login exists, and failed attempts are throttled per login and per client address with a 429
problem document and Retry-After, counted in the database (so across processes), on both
engines."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import sessionmaker

from caredesk import security
from caredesk.audit.service import Actor
from caredesk.clock import FixedClock
from caredesk.config import Settings
from caredesk.db.session import Database, make_engine
from caredesk.errors import TooManyAttempts, Unauthenticated
from caredesk.users import service
from caredesk.users.models import Role, User
from caredesk.users.throttle import LoginLimits
from caredesk.web.app import create_app

PASSWORD = "right-password-1"
LOCKOUT = 300


class CountingHasher(PasswordHasher):
    def __init__(self) -> None:
        super().__init__(time_cost=2, memory_cost=19456, parallelism=1)
        self.verifications = 0

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        self.verifications += 1
        return super().verify(hash, password)


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    counting = CountingHasher()
    monkeypatch.setattr(security, "_passwords", lambda: counting)
    return counting


def _settings(database_url: str, **limits: Any) -> Settings:
    values: dict[str, Any] = {
        "login_max_failures": 3,
        "login_max_failures_per_address": 100,
        "login_failure_window_seconds": 600,
        "login_lockout_seconds": LOCKOUT,
    } | limits
    return Settings(database_url=database_url, log_json=False, **values)


def _client(db: Database, settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, database=db), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def client(db: Database, database_url: str) -> Iterator[TestClient]:
    yield from _client(db, _settings(database_url))


def _user(db: Database, login: str, *, password: str | None = PASSWORD) -> None:
    with db.uow() as uow:
        service.create_user(
            uow,
            actor=Actor.system("test"),
            login=login,
            display_name=login,
            role=Role.AGENT,
            password=password,
        )


def _login(client: TestClient, login: str, password: str = "wrong-password") -> Any:
    return client.post("/v1/auth/token", json={"login": login, "password": password})


def test_every_attempt_costs_one_verification_whether_the_login_exists(
    client: TestClient, db: Database, hasher: CountingHasher
) -> None:
    _user(db, "known")
    _user(db, "no-password", password=None)
    _user(db, "gone")
    with db.uow() as uow:
        uow.session.execute(update(User).where(User.login == "gone").values(active=False))
        uow.commit()
    attempts = [
        ("known", "wrong-password", 401),
        ("known", PASSWORD, 201),
        ("nobody-by-this-name", "wrong-password", 401),
        ("no-password", "wrong-password", 401),
        ("gone", PASSWORD, 401),
    ]
    for login, password, status in attempts:
        before = hasher.verifications
        response = _login(client, login, password)
        assert response.status_code == status, (login, response.text)
        assert hasher.verifications - before == 1, login
        if status == 401:
            assert response.json()["detail"] == "login or password is wrong"


@pytest.mark.parametrize("exists", [True, False], ids=["known-login", "unknown-login"])
def test_failed_logins_are_throttled_per_login(
    client: TestClient, db: Database, clock: FixedClock, hasher: CountingHasher, exists: bool
) -> None:
    if exists:
        _user(db, "dana")
    for _ in range(3):
        assert _login(client, "dana").status_code == 401
    verified = hasher.verifications
    refused = _login(client, "dana", PASSWORD)
    assert refused.status_code == 429
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.headers["Retry-After"] == str(LOCKOUT)
    body = refused.json()
    assert body["type"] == "/problems/too-many-attempts" and body["status"] == 429
    assert body["field"] == "login" and body["retry_after_seconds"] == LOCKOUT
    assert f"try again in {LOCKOUT} seconds" in body["detail"]
    assert hasher.verifications == verified  # a refused attempt is not even checked
    # Another login from the same address is not locked by dana's count.
    _user(db, "lee")
    assert _login(client, "lee", PASSWORD).status_code == 201

    clock.advance(timedelta(seconds=LOCKOUT - 1))
    assert _login(client, "dana", PASSWORD).headers["Retry-After"] == "1"
    clock.advance(timedelta(seconds=1))
    assert _login(client, "dana", PASSWORD).status_code == (201 if exists else 401)


def test_a_success_clears_the_login_count(client: TestClient, db: Database) -> None:
    _user(db, "sam")
    for _ in range(2):
        assert _login(client, "sam").status_code == 401
    assert _login(client, "sam", PASSWORD).status_code == 201
    for _ in range(3):
        assert _login(client, "sam").status_code == 401
    assert _login(client, "sam").status_code == 429


def test_failed_logins_are_throttled_per_client_address(
    db: Database, database_url: str, clock: FixedClock
) -> None:
    settings = _settings(database_url, login_max_failures=100, login_max_failures_per_address=4)
    for client in _client(db, settings):
        _user(db, "kim")
        for index in range(4):
            assert _login(client, f"guess-{index}").status_code == 401
        refused = _login(client, "kim", PASSWORD)
        assert refused.status_code == 429 and refused.headers["Retry-After"] == str(LOCKOUT)
        clock.advance(timedelta(seconds=LOCKOUT))
        assert _login(client, "kim", PASSWORD).status_code == 201


def test_the_count_is_shared_by_processes(db: Database, database_url: str) -> None:
    """Two apps with their own engines, as two workers have: failures counted by one are
    refused by the other."""
    _user(db, "ray")
    other_engine = make_engine(database_url)
    other = Database(other_engine, sessionmaker(other_engine, expire_on_commit=False), db.clock)
    try:
        for first in _client(db, _settings(database_url)):
            for second in _client(other, _settings(database_url)):
                assert _login(first, "ray").status_code == 401
                assert _login(second, "ray").status_code == 401
                assert _login(first, "ray").status_code == 401
                assert _login(second, "ray", PASSWORD).status_code == 429
    finally:
        other_engine.dispose()


def test_concurrent_attempts_verify_no_more_than_the_limit(
    db: Database, hasher: CountingHasher
) -> None:
    _user(db, "max")
    verified_before = hasher.verifications
    limits = LoginLimits(per_login=3, per_address=100)
    outcomes: list[str] = []
    start = threading.Barrier(8)

    def attempt() -> None:
        start.wait()
        with db.uow() as uow:
            try:
                service.login_with_password(
                    uow, login="max", password="wrong-password", address="10.0.0.1", limits=limits
                )
                outcomes.append("token")
            except Unauthenticated:
                outcomes.append("401")
            except TooManyAttempts:
                outcomes.append("429")

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(outcomes) == ["401"] * 3 + ["429"] * 5
    assert hasher.verifications - verified_before == 3
