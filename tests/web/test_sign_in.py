"""Signing in to the pages: the cookie's attributes, the CSRF token on the sign-in form and on
every later form, idle expiry on the fixed clock, sign-out, the API's login throttle, and one
session store for every server process."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from caredesk.clock import FixedClock
from caredesk.config import Settings
from caredesk.db.session import Database
from caredesk.users.models import Role, WebSession
from caredesk.web.app import create_app
from caredesk.web.sessions import CSRF_HEADER, PRESIGN_COOKIE, SESSION_COOKIE
from tests.web.support import csrf_of, signed_in

PASSWORD = "correct horse battery"


def _sign_in(client: TestClient, login: str, password: str = PASSWORD, **extra: str) -> object:
    page = client.get("/signin")
    assert page.status_code == 200
    form = {"login": login, "password": password, "csrf_token": csrf_of(page.text), **extra}
    return client.post("/signin", data=form, follow_redirects=False)


def test_each_role_lands_on_its_home_and_the_cookie_is_guarded(
    client: TestClient, db: Database
) -> None:
    signed_in(db, Role.LEADER, login="lena", password=PASSWORD)
    answer = _sign_in(client, "lena")
    assert answer.status_code == 303  # type: ignore[attr-defined]
    assert answer.headers["location"] == "/lead"  # type: ignore[attr-defined]
    cookie = answer.headers["set-cookie"].lower()  # type: ignore[attr-defined]
    assert f"{SESSION_COOKIE}=" in cookie
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert "secure" not in cookie  # plain http here; see the https test
    token = answer.cookies[SESSION_COOKIE]  # type: ignore[attr-defined]
    with db.uow() as uow:
        digests = list(uow.session.scalars(select(WebSession.digest)))
    assert token not in digests  # only its digest is stored
    assert client.get("/lead").status_code == 200
    assert client.get("/", follow_redirects=False).headers["location"] == "/lead"


def test_over_https_the_cookie_is_secure(db: Database, settings: Settings) -> None:
    signed_in(db, Role.AGENT, login="ari", password=PASSWORD)
    app = create_app(settings, database=db)
    with TestClient(app, base_url="https://testserver") as client:
        answer = _sign_in(client, "ari")
    assert "secure" in answer.headers["set-cookie"].lower()  # type: ignore[attr-defined]


def test_the_sign_in_form_without_its_token_is_refused(client: TestClient, db: Database) -> None:
    signed_in(db, Role.AGENT, login="ari", password=PASSWORD)
    client.get("/signin")
    answer = client.post("/signin", data={"login": "ari", "password": PASSWORD})
    assert answer.status_code == 403
    assert "security token" in answer.text
    assert SESSION_COOKIE not in answer.cookies
    # A token of another browser (not the one in this browser's cookie) is refused too.
    client.cookies.set(PRESIGN_COOKIE, "mine")
    other = client.post("/signin", data={"login": "ari", "password": PASSWORD, "csrf_token": "x"})
    assert other.status_code == 403


def test_a_form_without_the_sessions_token_is_refused(client: TestClient, db: Database) -> None:
    browser = signed_in(db, Role.AGENT)
    refused = client.post("/signout", headers=browser.cookie, follow_redirects=False)
    assert refused.status_code == 403
    wrong = client.post(
        "/signout", data={"csrf_token": "stale"}, headers=browser.cookie, follow_redirects=False
    )
    assert wrong.status_code == 403
    assert client.get("/desk", headers=browser.cookie).status_code == 200  # still signed in
    by_header = client.post(
        "/signout", headers={**browser.cookie, CSRF_HEADER: browser.csrf}, follow_redirects=False
    )
    assert by_header.status_code == 303


def test_sign_out_ends_the_session_everywhere(client: TestClient, db: Database) -> None:
    browser = signed_in(db, Role.AGENT)
    out = client.post(
        "/signout", data=browser.form(), headers=browser.cookie, follow_redirects=False
    )
    assert out.status_code == 303
    assert out.headers["location"] == "/signin?signed_out=true"
    assert "Max-Age=0" in out.headers["set-cookie"]
    again = client.get("/desk", headers=browser.cookie, follow_redirects=False)
    assert again.status_code == 303
    assert again.headers["location"] == "/signin?next=/desk"


def test_a_wrong_password_is_counted_like_the_apis(db: Database, settings: Settings) -> None:
    signed_in(db, Role.LEADER, login="lena", password=PASSWORD)
    strict = settings.model_copy(update={"login_max_failures": 2})
    with TestClient(create_app(strict, database=db), follow_redirects=False) as client:
        for _ in range(2):
            wrong = _sign_in(client, "lena", "not it")
            assert wrong.status_code == 401  # type: ignore[attr-defined]
            assert "wrong" in wrong.text  # type: ignore[attr-defined]
        blocked = _sign_in(client, "lena")
        assert blocked.status_code == 429  # type: ignore[attr-defined]
        assert SESSION_COOKIE not in blocked.cookies  # type: ignore[attr-defined]
        # One count for the pages and the API.
        token = client.post("/v1/auth/token", json={"login": "lena", "password": PASSWORD})
        assert token.status_code == 429


def test_idle_sessions_end_and_activity_keeps_them(
    client: TestClient, db: Database, clock: FixedClock, settings: Settings
) -> None:
    idle = timedelta(minutes=settings.session_idle_minutes)
    browser = signed_in(db, Role.AGENT)
    for _ in range(3):
        clock.advance(idle - timedelta(minutes=1))
        assert client.get("/desk", headers=browser.cookie).status_code == 200
    clock.advance(idle)
    gone = client.get("/desk", headers=browser.cookie, follow_redirects=False)
    assert gone.status_code == 303
    assert gone.headers["location"].startswith("/signin")


def test_no_session_outlives_its_lifetime(
    client: TestClient, db: Database, clock: FixedClock, settings: Settings
) -> None:
    browser = signed_in(db, Role.AGENT)
    step = timedelta(minutes=settings.session_idle_minutes - 1)
    lifetime = timedelta(hours=settings.session_max_hours)
    used = timedelta()
    while used + step < lifetime:
        clock.advance(step)
        used += step
        assert client.get("/desk", headers=browser.cookie).status_code == 200
    clock.advance(step)
    assert client.get("/desk", headers=browser.cookie, follow_redirects=False).status_code == 303


def test_every_server_process_knows_every_session(db: Database, settings: Settings) -> None:
    """Two apps on one database stand for two processes: a session started by one is
    accepted by the other, and signing out on one ends it for both."""
    first = TestClient(create_app(settings, database=db), follow_redirects=False)
    second = TestClient(create_app(settings, database=db), follow_redirects=False)
    signed_in(db, Role.LEADER, login="lena", password=PASSWORD)
    token = _sign_in(first, "lena").cookies[SESSION_COOKIE]  # type: ignore[attr-defined]
    cookie = {"Cookie": f"{SESSION_COOKIE}={token}"}
    page = second.get("/lead", headers=cookie)
    assert page.status_code == 200
    out = second.post("/signout", data={"csrf_token": csrf_of(page.text)}, headers=cookie)
    assert out.status_code == 303
    assert first.get("/lead", headers=cookie).status_code == 303


def test_after_sign_in_the_browser_returns_where_it_was_going(
    client: TestClient, db: Database
) -> None:
    signed_in(db, Role.LEADER, login="lena", password=PASSWORD)
    going = client.get("/lead/summary", follow_redirects=False)
    assert going.headers["location"] == "/signin?next=/lead/summary"
    answer = _sign_in(client, "lena", next="/lead/summary")
    assert answer.headers["location"] == "/lead/summary"  # type: ignore[attr-defined]


def test_sign_in_never_sends_the_browser_to_another_site(client: TestClient, db: Database) -> None:
    signed_in(db, Role.LEADER, login="lena", password=PASSWORD)
    for target in ("https://evil.example/", "//evil.example/x", "/\\\\evil.example"):
        client.cookies.clear()
        answer = _sign_in(client, "lena", next=target)
        assert answer.headers["location"] == "/lead", target  # type: ignore[attr-defined]
