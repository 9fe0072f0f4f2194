"""The agent desktop in Debian's Chromium against a real ``caredesk serve`` (SQLite, the clock
stopped at 12:00 in Denver): an agent signs in, goes to Not Ready - Follow-Up, receives a
dropped-call callback offer without reloading when a dispatcher round runs (``caredesk
dispatcher run --once``, its own process), and completes the guided call: no answer twice, the
voicemail, the memo (which cannot be submitted while it holds a card number or lacks the
customer's response). A dial outside the calling window shows OB-WINDOW with the next allowed
time in the customer's zone and the dial button disabled. The customer panel and the case view.
axe-core on every desktop page; screenshots in docs/screenshots/.

With the clock stopped, the second attempt could never be spaced from the first, so this site's
policy file sets ``min_minutes_between_attempts = 0`` (an operator's number; the spacing itself
is tested over HTTP with a moving clock in tests/web/test_desk_calls.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from caredesk.audit.service import Actor
from caredesk.callbacks.dispatch.worker import run_once
from caredesk.callbacks.models import Callback
from caredesk.callbacks.wrapup import cancel_callback
from caredesk.clock import FixedClock
from caredesk.config import Settings
from caredesk.db import migrate
from caredesk.db.session import Database
from caredesk.memos.models import Memo
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
DENVER_PHONE = "+13035550123"
HONOLULU_PHONE = "+18085550142"
CARD = "4111 1111 1111 1111"
# The dropped call and its notice happened a quarter of an hour before the stopped clock.
EARLIER = NOW - timedelta(minutes=15)


@dataclass
class DeskSite(Site):
    @property
    def policy_file(self) -> str:
        return str(self.directory / "policy.toml")

    @property
    def env(self) -> dict[str, str]:
        return super().env | {"CAREDESK_POLICY_FILE": self.policy_file}

    def settings(self, at: Any) -> Settings:
        return Settings(
            database_url=self.database_url,
            fixed_clock=at,
            secret_pepper_file=self.directory / "secret-pepper",
            policy_file=self.policy_file,
            log_json=False,
        )

    def dispatch(self) -> dict[str, Any]:
        """One round of the dispatcher, as the operator runs it: its own process."""
        done = subprocess.run(
            [sys.executable, "-m", "caredesk.cli", "dispatcher", "run", "--once"],
            cwd=self.directory,
            env=self.env,
            capture_output=True,
            timeout=120,
            check=True,
        )
        report: dict[str, Any] = json.loads(done.stdout.decode().strip().splitlines()[-1])
        return report


@dataclass(frozen=True)
class World:
    dropped: int
    honolulu: int
    account_id: int
    case: str


def _seed(site: DeskSite) -> World:
    """Through the API in this process, on the site's database and pepper: the customers, the
    agent, and the dropped call, whose notice went out before the clock stopped."""
    migrate.upgrade(site.database_url)
    (site.directory / "policy.toml").write_text("[defaults]\nmin_minutes_between_attempts = 0\n")
    earlier = Database.connect(site.database_url, FixedClock(EARLIER))
    with earlier.uow() as uow:
        admin = users.create_user(
            uow, actor=Actor.system("test"), login="root", display_name="Root", role=Role.ADMIN
        )
        token = users.issue_token(uow, actor=Actor.system("test"), user=admin).token
    headers = {"Authorization": f"Bearer {token}"}

    def client_at(db: Database, at: Any) -> TestClient:
        return TestClient(create_app(site.settings(at), database=db))

    with client_at(earlier, EARLIER) as client:

        def made(path: str, body: dict[str, Any]) -> dict[str, Any]:
            answer = client.post(path, json=body, headers=headers)
            assert answer.status_code in (200, 201), answer.text
            result: dict[str, Any] = answer.json()
            return result

        def account(number: str, first: str, last: str, zone: str, phone: str) -> int:
            person = {
                "first_name": first,
                "last_name": last,
                "role": "account_holder",
                "contact_points": [{"kind": "phone", "value": phone, "label": "mobile"}],
            }
            body = {
                "number": number,
                "type": "consumer",
                "balance": "0.00",
                "plan_name": "Unlimited Plus",
                "service_address": {"country": "US", "time_zone": zone},
                "people": [person],
                "lines": [{"msisdn": phone}],
            }
            return int(made("/v1/accounts", body)["id"])

        denver = account("ACC-2000001", "Ana", "Lopez", "America/Denver", DENVER_PHONE)
        honolulu = account("ACC-2000002", "Kai", "Akana", "Pacific/Honolulu", HONOLULU_PHONE)
        agent = made(
            "/v1/agents",
            {
                "login": "ari",
                "name": "Ari Mendel",
                "role": "agent",
                "line_of_business": "care",
                "time_zone": "America/Denver",
                "platform_line": "+12065550100",
            },
        )
        case = made(
            "/v1/tickets",
            {
                "account_id": denver,
                "subject": "No mobile data since Monday",
                "description": "Calls work, but no data at home or at work.",
                "assignee_id": agent["id"],
            },
        )["case_number"]
        made(
            f"/v1/accounts/{denver}/bills",
            {
                "period_start": "2026-02-01",
                "period_end": "2026-02-28",
                "amount": "64.99",
                "due_date": "2026-03-20",
            },
        )

        def dropped_call(account_id: int, phone: str, at: Any, **body: Any) -> int:
            interaction = made(
                "/v1/interactions",
                {
                    "channel": "voice",
                    "direction": "inbound",
                    "account_id": account_id,
                    "agent_id": agent["id"],
                    "from_address": phone,
                    "started_at": (at - timedelta(minutes=8)).isoformat(),
                    "ended_at": (at - timedelta(minutes=4)).isoformat(),
                    "disposition": "dropped",
                },
            )
            path = f"/v1/interactions/{interaction['id']}/callback"
            return int(made(path, body)["id"])

        dropped = dropped_call(denver, DENVER_PHONE, EARLIER)
        # The round that sends its "Dropped Call" notice (nobody is in Follow-Up yet).
        run_once(earlier, client.app.state.callbacks, worker_id="seed")  # type: ignore[attr-defined]
        # Kept by the agent who took the dropped call, so its changes reach their pages live.
        honolulu_callback = dropped_call(
            honolulu, HONOLULU_PHONE, EARLIER, owner_agent_id=agent["id"]
        )
    with earlier.uow() as uow:
        users.create_user(
            uow,
            actor=Actor.system("test"),
            login="ari",
            display_name="Ari Mendel",
            role=Role.AGENT,
            password=PASSWORD,
            agent_id=int(agent["id"]),
        )
        status = uow.session.get(Callback, dropped)
        assert status is not None and status.status == "scheduled", status
    earlier.engine.dispose()
    return World(dropped, honolulu_callback, denver, case)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[DeskSite, World]]:
    directory = tmp_path_factory.mktemp("desk")
    served = DeskSite(directory, f"sqlite:///{directory / 'caredesk.db'}")
    world = _seed(served)
    served.start()
    try:
        yield served, world
    finally:
        served.stop()


def _memo_submit(page: Page) -> Any:
    return page.get_by_role("button", name="Submit the memo and close the call")


def test_an_offer_arrives_live_and_the_guided_call_ends_with_a_voicemail_and_a_memo(
    site: tuple[DeskSite, World], desk_page: Page
) -> None:
    served, world = site
    page = desk_page
    sign_in(page, served, "ari", PASSWORD)
    expect(page).to_have_url(f"{served.base}/desk")
    expect(page.locator("#live-status")).to_have_text("Live")
    page.get_by_label("Change to").select_option(label="Not Ready - Follow-Up")
    page.get_by_role("button", name="Change state").click()
    expect(page.locator("#agent-state")).to_have_text("Not Ready - Follow-Up")
    expect(page.locator("#offers")).to_contain_text("No offer right now")
    title = page.title()

    report = served.dispatch()
    assert report["offered_ids"] == [world.dropped], report
    # No reload: the work list and the title follow the offer.
    offer = page.locator(f"#offer-{world.dropped}")
    expect(offer).to_contain_text("Ana Lopez")
    expect(offer.get_by_role("timer")).to_contain_text("min")
    expect(page).to_have_title(f"(1) {title}")
    assert_accessible(page)
    screenshot(page, "desk-offer")

    offer.get_by_role("link", name="Review and dial").click()
    expect(page.get_by_role("heading", name="Pre-call checklist")).to_be_visible()
    expect(page.locator("#pre-call")).to_contain_text("OB-WINDOW")
    assert_accessible(page)
    screenshot(page, "desk-call-checklist")
    for attempt in (1, 2):
        # The first dial takes the offer; the second is the callback's next attempt.
        label = "Accept and dial" if attempt == 1 else "Dial"
        page.get_by_role("button", name=f"{label} (303) 555-0123", exact=True).click()
        expect(page.get_by_role("heading", name="Calling (303) 555-0123")).to_be_visible()
        expect(page.locator("#call-agent-state")).to_have_text("Talking")
        if attempt == 1:
            assert_accessible(page)
            screenshot(page, "desk-call-dialling")
        page.get_by_role("button", name="No answer").click()
    expect(page.locator("#call-agent-state")).to_have_text("After-Call Work")
    page.get_by_role("button", name="I left a voicemail").click()
    expect(page.get_by_text("Voicemail left.")).to_be_visible()

    # The memo is checked as it is typed; it cannot be submitted while a rule fails.
    expect(_memo_submit(page)).to_be_disabled()
    page.get_by_label("Reason for the call").fill("Callback after a dropped call")
    page.get_by_label("What was communicated").fill(f"Left a voicemail. Card {CARD}")
    expect(page.locator("#memo-findings")).to_contain_text("card number in summary")
    expect(page.locator("#memo-findings")).to_contain_text("customer_response is missing")
    expect(_memo_submit(page)).to_be_disabled()
    assert_accessible(page)
    screenshot(page, "desk-call-memo")
    page.get_by_label("Reason for the call").press("Enter")  # no implicit submission either
    expect(page.get_by_label("What was communicated")).to_be_visible()
    page.get_by_label("What was communicated").fill("Called twice after the drop; no answer.")
    expect(page.locator("#memo-findings")).to_contain_text("customer_response is missing")
    expect(page.locator("#memo-findings")).not_to_contain_text("card number")
    page.get_by_label("The customer's response").fill("No answer; the voicemail asks them to call.")
    expect(_memo_submit(page)).to_be_enabled()
    _memo_submit(page).click()
    expect(page.get_by_role("heading", name="This callback is closed unreachable")).to_be_visible()
    expect(page.locator("#call-agent-state")).to_have_text("Not Ready - Follow-Up")
    assert_accessible(page)

    db = served.database()
    with db.uow() as uow:
        memos = [(m.kind, m.summary) for m in uow.session.scalars(select(Memo))]
        callback = uow.session.get(Callback, world.dropped)
        assert callback is not None
        assert (callback.status, callback.outcome) == ("closed_unreachable", "voicemail_left")
    db.engine.dispose()
    assert memos == [("voicemail", "Called twice after the drop; no answer.")]


def test_outside_the_window_the_dial_button_is_disabled_with_the_next_allowed_time(
    site: tuple[DeskSite, World], desk_page: Page
) -> None:
    served, world = site
    page = desk_page
    sign_in(page, served, "ari", PASSWORD)
    page.goto(f"{served.base}/desk/callbacks/{world.honolulu}")
    checklist = page.locator("#pre-call")
    expect(checklist).to_contain_text("08:00 Pacific/Honolulu is outside 09:00-20:00")
    expect(page.locator("#next-allowed")).to_have_text("Tue 10 Mar, 09:00 HST in Pacific/Honolulu")
    dial = page.get_by_role("button", name="Dial (808) 555-0142")
    expect(dial).to_be_disabled()
    expect(page.locator("#dial-blockers")).to_contain_text("OB-WINDOW")
    assert_accessible(page)
    screenshot(page, "desk-call-window")


def test_the_customer_panel_and_the_case(site: tuple[DeskSite, World], desk_page: Page) -> None:
    served, world = site
    page = desk_page
    sign_in(page, served, "ari", PASSWORD)
    page.get_by_label("Phone number, name, account or case number").fill("303.555.0123")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="Results for “303.555.0123”")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="ACC-2000001").click()
    expect(page.get_by_role("heading", name="Ana Lopez ACC-2000001")).to_be_visible()
    expect(page.locator("main")).to_contain_text("$64.99")
    assert_accessible(page)
    screenshot(page, "desk-customer")

    page.get_by_role("link", name=world.case).first.click()
    expect(
        page.get_by_role("heading", name=f"{world.case} No mobile data since Monday")
    ).to_be_visible()
    page.get_by_label("Update", exact=True).fill("Reset the network settings with the customer.")
    page.get_by_role("button", name="Add the update").click()
    expect(page.locator("#case-timeline")).to_contain_text("Reset the network settings")
    page.get_by_label("What fixed it").fill("The network settings reset brought data back.")
    page.get_by_role("button", name="Resolve the case").click()
    expect(page.get_by_role("heading", name="Reopen")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "desk-case")


def _fits(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 390, (page.url, width)


def test_the_desktop_at_390_px(site: tuple[DeskSite, World], browser: Browser) -> None:
    served, world = site
    context = phone(browser)
    try:
        page = context.new_page()
        sign_in(page, served, "ari", PASSWORD)
        expect(page.get_by_role("heading", name="Desktop", exact=True)).to_be_visible()
        _fits(page)
        assert_accessible(page)
        screenshot(page, "desk-home-phone")
        for path in (
            f"/desk/callbacks/{world.honolulu}",
            f"/desk/customers/{world.account_id}",
            f"/desk/cases/{world.case}",
        ):
            page.goto(f"{served.base}{path}")
            _fits(page)
            assert_accessible(page)
        page.goto(f"{served.base}/desk/callbacks/{world.honolulu}")
        screenshot(page, "desk-call-phone")
    finally:
        context.close()


def test_the_call_page_follows_its_callback_live(
    site: tuple[DeskSite, World], desk_page: Page
) -> None:
    served, world = site
    page = desk_page
    sign_in(page, served, "ari", PASSWORD)
    page.goto(f"{served.base}/desk/callbacks/{world.honolulu}")
    expect(page.locator("#live-status")).to_have_text("Live")
    expect(page.get_by_role("heading", name="Before you dial")).to_be_visible()
    db = served.database()
    with db.uow() as uow:
        cancel_callback(
            uow,
            actor=Actor.system("test"),
            callback_id=world.honolulu,
            reason="The customer called in and it was solved on that call.",
        )
    db.engine.dispose()
    expect(page.get_by_role("heading", name="This callback is cancelled")).to_be_visible()
