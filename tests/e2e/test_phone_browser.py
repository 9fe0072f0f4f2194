"""The phone page in Debian's Chromium against a real ``caredesk serve`` (SQLite, clock stopped
at 14:00 in New York): a customer calls from their own number, walks the menus from the keypad
and by saying words, with htmx swapping the call panel; the walk is stored (the API reads it);
axe-core finds nothing serious; the screenshot in docs/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from caredesk.audit.service import Actor
from caredesk.config import Settings
from caredesk.db import migrate
from caredesk.users import service as users
from caredesk.users.models import Role
from caredesk.web.app import create_app
from tests.e2e.pages_harness import NOW, Site, assert_accessible, screenshot, sign_in

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"
NEW_YORK_PHONE = "+12125550147"


def _seed(site: Site) -> str:
    """A customer with a phone number on their account; returns an admin's API token."""
    migrate.upgrade(site.database_url)
    settings = Settings(
        database_url=site.database_url,
        fixed_clock=NOW,
        secret_pepper_file=site.directory / "secret-pepper",
        log_json=False,
    )
    db = site.database()
    with db.uow() as uow, uow.atomic():
        admin = users.create_user(
            uow, actor=Actor.system("test"), login="root", display_name="Root", role=Role.ADMIN
        )
        token = users.issue_token(uow, actor=Actor.system("test"), user=admin).token
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(settings, database=db)) as client:
        person = {
            "first_name": "Cora",
            "last_name": "Lindqvist",
            "role": "account_holder",
            "contact_points": [{"kind": "phone", "value": NEW_YORK_PHONE, "label": "mobile"}],
        }
        body = {
            "number": "ACC-1000001",
            "type": "consumer",
            "balance": "0.00",
            "service_address": {"country": "US", "time_zone": "America/New_York"},
            "people": [person],
        }
        made = client.post("/v1/accounts", json=body, headers=headers)
        assert made.status_code == 201, made.text
        account_id = int(made.json()["id"])
    with db.uow() as uow, uow.atomic():
        users.create_user(
            uow,
            actor=Actor.system("test"),
            login="cora",
            display_name="Cora Lindqvist",
            role=Role.CUSTOMER,
            password=PASSWORD,
            account_id=account_id,
        )
    db.engine.dispose()
    return token


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Site, str]]:
    directory = tmp_path_factory.mktemp("phone")
    served = Site(directory, f"sqlite:///{directory / 'caredesk.db'}")
    token = _seed(served)
    served.start()
    try:
        yield served, token
    finally:
        served.stop()


def test_a_customer_walks_the_menus_from_the_keypad(site: tuple[Site, str], page: Page) -> None:
    served, token = site
    sign_in(page, served, "cora", PASSWORD)
    page.goto(f"{served.base}/phone")
    expect(page.get_by_role("heading", name="Place a call")).to_be_visible()
    expect(page.get_by_label("Call from")).to_have_value(NEW_YORK_PHONE)
    assert_accessible(page)
    page.get_by_role("button", name="Call", exact=True).click()
    heard = page.locator(".phone__say")
    expect(heard).to_contain_text("For English, press 1")
    # htmx swapped the panel in place: still the same page, no reload.
    assert page.url == f"{served.base}/phone"
    page.get_by_role("button", name="1", exact=True).click()
    expect(heard).to_contain_text("For billing and payments, press 1")
    page.get_by_label("Or say").fill("I want to change my plan")
    page.get_by_role("button", name="Say it").click()
    expect(heard).to_contain_text("Please hold while we connect you.")
    result = page.locator(".phone__result")
    expect(result).to_contain_text("Account and plan changes")
    # Nobody serving the queue is logged in: the caller is told so, and offered a callback.
    expect(result).to_contain_text("No agent for this line is available right now.")
    expect(heard).to_contain_text("Instead of holding, we can call you back")
    page.get_by_role("button", name="2", exact=True).click()  # keep holding
    expect(page.get_by_role("button", name="1", exact=True)).to_have_count(0)
    expect(result).to_contain_text("queued")
    assert_accessible(page)
    screenshot(page, "phone-ivr")
    call_id = page.locator("#call-title").inner_text().split()[1]
    # The server stored the walk: its API reads every step.
    answer = httpx.get(
        f"{served.base}/v1/ivr/calls/{call_id}", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.text
    detail = answer.json()
    assert [step["kind"] for step in detail["steps"]] == ["start", "digit", "keyword", "digit"]
    assert detail["steps"][-1]["menu"] == "offer"
    assert detail["result"]["queue"] == "account"
