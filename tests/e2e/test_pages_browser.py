"""The pages in Debian's Chromium against a real ``caredesk serve`` (SQLite, clock stopped at
14:00 in New York): signing in and out, the CSRF refusal, the customer's callback for 20:30 to
21:00 their time carrying that consent, another account's case out of reach, the live stream
surviving a server restart with the events written meanwhile, axe-core on every page, and the
screenshots in docs/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from caredesk.accounts.models import ConsentWindow
from caredesk.audit.service import Actor
from caredesk.callbacks.models import Callback
from caredesk.config import Settings
from caredesk.db import migrate
from caredesk.live import Audience, publish
from caredesk.tickets.service import create_ticket, get_ticket
from caredesk.tickets.timeline import add_update
from caredesk.users import service as users
from caredesk.users.models import Role
from caredesk.web.app import create_app
from tests.e2e.pages_harness import (
    NOW,
    Site,
    assert_accessible,
    phone,
    screenshot,
    sign_in,
)

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"
NEW_YORK_PHONE = "+12125550147"


@dataclass(frozen=True)
class World:
    account_id: int
    case: str
    other_case: str
    agent_id: int
    agent_user_id: int


def _seed(site: Site) -> World:
    """Through the API in this process (the same database file and pepper as the server)."""
    migrate.upgrade(site.database_url)
    settings = Settings(
        database_url=site.database_url,
        fixed_clock=NOW,
        secret_pepper_file=site.directory / "secret-pepper",
        log_json=False,
    )
    db = site.database()
    with db.uow() as uow:
        admin = users.create_user(
            uow, actor=Actor.system("test"), login="root", display_name="Root", role=Role.ADMIN
        )
        token = users.issue_token(uow, actor=Actor.system("test"), user=admin).token
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(settings, database=db)) as client:

        def made(method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
            answer = client.request(method, path, json=body, headers=headers)
            assert answer.status_code in (200, 201), answer.text
            result: dict[str, Any] = answer.json()
            return result

        def account(number: str, first: str, zone: str, phone: str) -> int:
            person = {
                "first_name": first,
                "last_name": "Lindqvist",
                "role": "account_holder",
                "contact_points": [
                    {"kind": "phone", "value": phone, "label": "mobile"},
                    {"kind": "email", "value": f"{first.lower()}@example.com"},
                ],
            }
            body = {
                "number": number,
                "type": "consumer",
                "balance": "0.00",
                "service_address": {"country": "US", "time_zone": zone},
                "people": [person],
            }
            return int(made("POST", "/v1/accounts", body)["id"])

        mine = account("ACC-1000001", "Cora", "America/New_York", NEW_YORK_PHONE)
        theirs = account("ACC-1000002", "Otto", "America/Chicago", "+13125550188")
        agent = made(
            "POST",
            "/v1/agents",
            {
                "login": "ari",
                "name": "Ari Mendel",
                "role": "agent",
                "line_of_business": "care",
                "time_zone": "America/New_York",
                "platform_line": "+12065550100",
            },
        )
        case = made(
            "POST",
            "/v1/tickets",
            {
                "account_id": mine,
                "subject": "No mobile data since Monday",
                "description": "Calls work, but no data at home or at work.",
                "assignee_id": agent["id"],
            },
        )["case_number"]
        other = made(
            "POST",
            "/v1/tickets",
            {"account_id": theirs, "subject": "Bill question", "description": "Line 2 fee."},
        )["case_number"]
    with db.uow() as uow, uow.atomic():
        agent_user = users.create_user(
            uow,
            actor=Actor.system("test"),
            login="ari",
            display_name="Ari Mendel",
            role=Role.AGENT,
            password=PASSWORD,
            agent_id=int(agent["id"]),
        )
        users.create_user(
            uow,
            actor=Actor.system("test"),
            login="lena",
            display_name="Lena Ortiz",
            role=Role.LEADER,
            password=PASSWORD,
        )
        users.create_user(
            uow,
            actor=Actor.system("test"),
            login="cora",
            display_name="Cora Lindqvist",
            role=Role.CUSTOMER,
            password=PASSWORD,
            account_id=mine,
        )
        ticket = get_ticket(uow, ref=case)
        add_update(
            uow,
            actor=Actor.user(agent_user.id),
            ticket=ticket,
            body="We reset the network settings for your line; please restart the phone.",
        )
        add_update(
            uow,
            actor=Actor.user(agent_user.id),
            ticket=ticket,
            body="Internal: tower 4471 had an outage.",
            internal=True,
        )
        world = World(mine, case, other, int(agent["id"]), agent_user.id)
    db.engine.dispose()
    return world


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, World]]:
    directory = tmp_path_factory.mktemp("pages")
    served = Site(directory, f"sqlite:///{directory / 'caredesk.db'}")
    world = _seed(served)
    served.start()
    try:
        yield served, world
    finally:
        served.stop()


@pytest.fixture
def phone_page(browser: Browser) -> Iterator[Page]:
    context = phone(browser)
    try:
        yield context.new_page()
    finally:
        context.close()


def test_signed_out_a_page_goes_to_sign_in_and_sign_out_ends_it(
    site: tuple[Site, World], desk_page: Page
) -> None:
    served, _ = site
    page = desk_page
    page.goto(f"{served.base}/desk")
    assert page.url == f"{served.base}/signin?next=/desk"
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "sign-in")
    page.get_by_label("Login").fill("ari")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("wrong")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{served.base}/desk")
    expect(page.get_by_role("heading", name="Desktop", exact=True)).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You have signed out.")
    page.goto(f"{served.base}/desk")
    assert page.url.startswith(f"{served.base}/signin")


def test_a_form_posted_without_its_csrf_token_is_refused(
    site: tuple[Site, World], desk_page: Page
) -> None:
    served, world = site
    page = desk_page
    sign_in(page, served, "cora", PASSWORD)
    page.goto(f"{served.base}/portal/cases/{world.case}")
    page.locator("form.form input[name=csrf_token]").evaluate("input => input.remove()")
    page.get_by_label("Your comment").fill("Posted without the token")
    page.get_by_role("button", name="Add comment").click()
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    direct = page.request.post(
        f"{served.base}/portal/callbacks",
        form={"day": "2026-03-10", "start": "20:30", "end": "21:00"},
    )
    assert direct.status == 403
    page.goto(f"{served.base}/portal/cases/{world.case}")
    expect(page.get_by_text("Posted without the token")).to_have_count(0)


def test_a_customer_requests_a_callback_for_2030_to_2100_their_time(
    site: tuple[Site, World], phone_page: Page
) -> None:
    served, world = site
    page = phone_page
    sign_in(page, served, "cora", PASSWORD)
    expect(page).to_have_url(f"{served.base}/portal")
    page.get_by_role("link", name="Request a callback").first.click()
    expect(page.get_by_role("heading", name="Request a callback")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "portal-request-callback-phone")
    page.get_by_label("Day").select_option("2026-03-10")
    page.get_by_label("From").select_option("20:30")
    page.get_by_label("Until").select_option("21:00")
    page.get_by_role("button", name="Request the callback").click()
    expect(page.get_by_text("Your callback request is in.")).to_be_visible()
    expect(page.locator("#portal-callbacks")).to_contain_text("Tue 10 Mar, 20:30 EDT to 21:00 EDT")
    db = served.database()
    with db.uow() as uow:
        callback = uow.session.scalars(
            select(Callback).where(Callback.account_id == world.account_id)
        ).one()
        consent = uow.session.scalars(
            select(ConsentWindow).where(ConsentWindow.callback_id == callback.id)
        ).one()
        assert consent.channel == "portal"
        assert consent.time_zone == "America/New_York"
        assert consent.window_start == datetime(2026, 3, 11, 0, 30, tzinfo=UTC)
        assert consent.window_end == datetime(2026, 3, 11, 1, 0, tzinfo=UTC)
        assert callback.due_at is not None
        assert consent.window_start <= callback.due_at < consent.window_end
    db.engine.dispose()
    assert_accessible(page)
    screenshot(page, "portal-home-phone")


def test_the_customer_cannot_open_another_accounts_case(
    site: tuple[Site, World], phone_page: Page
) -> None:
    served, world = site
    page = phone_page
    sign_in(page, served, "cora", PASSWORD)
    mine = page.goto(f"{served.base}/portal/cases/{world.case}")
    assert mine is not None and mine.status == 200
    expect(page.get_by_text("please restart the phone")).to_be_visible()
    expect(page.get_by_text("tower 4471")).to_have_count(0)
    expect(page.get_by_text("Ari Mendel")).to_have_count(0)
    assert_accessible(page)
    screenshot(page, "portal-case-phone")
    theirs = page.goto(f"{served.base}/portal/cases/{world.other_case}")
    assert theirs is not None and theirs.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    assert_accessible(page)


def test_staff_homes_are_accessible(site: tuple[Site, World], desk_page: Page) -> None:
    served, _ = site
    page = desk_page
    sign_in(page, served, "ari", PASSWORD)
    expect(page.locator("#live-status")).to_have_text("Live")
    assert_accessible(page)
    screenshot(page, "desk-home")
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, served, "lena", PASSWORD)
    expect(page).to_have_url(f"{served.base}/lead")
    expect(page.locator("#live-status")).to_have_text("Live")
    assert_accessible(page)
    screenshot(page, "lead-home")


def test_a_new_offer_puts_a_badge_in_the_title(site: tuple[Site, World], desk_page: Page) -> None:
    served, world = site
    page = desk_page
    sign_in(page, served, "ari", PASSWORD)
    expect(page.locator("#live-status")).to_have_text("Live")
    title = page.title()
    db = served.database()
    with db.uow() as uow:
        publish(
            uow,
            "callback.offered",
            audience=Audience(agent_id=world.agent_id, leaders=True),
            payload={"callback_id": 1, "agent_id": world.agent_id},
        )
        uow.commit()
    db.engine.dispose()
    expect(page).to_have_title(f"(1) {title}")


def test_the_live_stream_comes_back_after_a_restart_with_what_was_missed(
    site: tuple[Site, World], desk_page: Page, tmp_path: Path
) -> None:
    served, world = site
    page = desk_page
    sign_in(page, served, "cora", PASSWORD)
    expect(page.locator("#live-status")).to_have_text("Live")
    served.stop()
    expect(page.locator("#live-status")).to_have_text("Reconnecting…")
    # Written while no server runs: a new case and a reply on the old one.
    db = served.database()
    with db.uow() as uow:
        create_ticket(
            uow,
            actor=Actor.system("test"),
            account_id=world.account_id,
            subject="Voicemail greeting lost",
            description="The greeting went after the update.",
        )
        add_update(
            uow,
            actor=Actor.user(world.agent_user_id),
            ticket=get_ticket(uow, ref=world.case),
            body="The data problem is fixed at the tower.",
        )
    db.engine.dispose()
    served.start()
    expect(page.locator("#live-status")).to_have_text("Live", timeout=30_000)
    expect(page.locator("#portal-cases")).to_contain_text("Voicemail greeting lost")


def test_the_pages_run_under_their_content_security_policy(
    site: tuple[Site, World], browser: Browser
) -> None:
    """Without the tests' CSP bypass: htmx, its SSE extension and live.js load and work, and
    the browser reports no error (no blocked script or style, no script failure)."""
    served, world = site
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        sign_in(page, served, "cora", PASSWORD)
        page.goto(f"{served.base}/portal/cases/{world.case}")
        expect(page.locator("#live-status")).to_have_text("Live")
        assert page.evaluate("() => typeof htmx") == "object"
        assert errors == []
    finally:
        context.close()
