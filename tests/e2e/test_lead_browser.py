"""The leader's dashboard in Debian's Chromium against a real ``caredesk serve``.

On SQLite: the figures change without a reload when the dispatcher (its own process) offers a
callback and when an agent's state is changed with the CLI (another process), and a callback's
page follows its own callback; every dashboard page passes axe-core with no serious or critical
violation, works at 390 px without sideways scrolling, and is photographed at 1280 px for
docs/screenshots/. On PostgreSQL, with two server processes on one database: a change made
through server A reaches a browser connected to server B without a reload."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import create_engine, select, text

from caredesk.agents.models import Agent
from caredesk.users.models import Role
from tests.e2e.lead_sites import LEADER_LOGIN, PASSWORD, LeadSite, seed_floor, token_maker
from tests.e2e.pages_harness import assert_accessible, desktop, phone, screenshot, sign_in
from tests.integration.callbacks.dispatch_support import make_account, make_agent, make_callbacks
from tests.web.lead_world import Floor

pytestmark = pytest.mark.e2e
PG_ADMIN_URL = os.environ.get(
    "CAREDESK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
LIVE = 20_000  # ms a live change may take to show (poll 0.2 s; a loaded machine is slow)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LeadSite, Floor]]:
    directory = tmp_path_factory.mktemp("lead")
    served = LeadSite(directory, f"sqlite:///{directory / 'caredesk.db'}")
    floor = seed_floor(served)
    served.start()
    try:
        yield served, floor
    finally:
        served.stop()


def figure(page: Page, name: str) -> int:
    return int(page.locator(f'[data-figure="{name}"]').inner_text())


def signed_in_leader(page: Page, site: LeadSite, path: str = "/lead") -> None:
    sign_in(page, site, LEADER_LOGIN, PASSWORD)
    if path != "/lead":
        page.goto(f"{site.base}{path}")
    expect(page.locator("#live-status")).to_have_text("Live", timeout=LIVE)
    # Set once; a reload would lose it.
    page.evaluate("() => { window.notReloaded = true; }")


def still_the_same_page(page: Page) -> None:
    assert page.evaluate("() => window.notReloaded === true")


def on_break(site: LeadSite) -> str:
    db = site.database()
    with db.uow() as uow:
        login = uow.session.scalar(
            select(Agent.login).where(Agent.state == "not_ready_break").limit(1)
        )
    db.engine.dispose()
    assert login is not None
    return login


def test_figures_follow_the_dispatcher_and_the_cli_without_a_reload(
    site: tuple[LeadSite, Floor], browser: Browser
) -> None:
    served, _ = site
    db = served.database()
    [fresh] = make_callbacks(
        db, account_id=make_account(db), due_at=served.now - timedelta(minutes=1)
    )
    db.engine.dispose()
    context = desktop(browser)
    try:
        home = context.new_page()
        signed_in_leader(home, served)
        detail = context.new_page()
        detail.goto(f"{served.base}/lead/callbacks/{fresh}")
        expect(detail.locator("#live-status")).to_have_text("Live", timeout=LIVE)
        expect(detail.locator("h1 .badge")).to_have_text("scheduled")
        offered, due = figure(home, "offered"), figure(home, "due")
        # The dispatcher, its own process, offers the new callback to an agent in Follow-Up.
        served.command("dispatcher", "run", "--once")
        expect(home.locator('[data-figure="offered"]')).to_have_text(str(offered + 1), timeout=LIVE)
        assert figure(home, "due") == due  # still due: offered, not yet dialled
        expect(detail.locator("h1 .badge")).to_have_text("offered", timeout=LIVE)
        expect(detail.locator("#callback-detail")).to_contain_text("Offered to")
        # An agent's state changed with the CLI, another process again.
        ready = figure(home, "agents-ready")
        brk = figure(home, "agents-not_ready_break")
        served.command("agent", "state", on_break(served), "ready")
        expect(home.locator('[data-figure="agents-ready"]')).to_have_text(
            str(ready + 1), timeout=LIVE
        )
        assert figure(home, "agents-not_ready_break") == brk - 1
        still_the_same_page(home)
    finally:
        context.close()


DASHBOARD_PAGES = [
    ("/lead", "lead-overview", "Dashboard"),
    ("/lead/queues", "lead-queues", "Queues"),
    ("/lead/agents", "lead-agents", "Agents"),
    ("/lead/callbacks?show=due", "lead-callbacks-due", "Callbacks due"),
    ("/lead/callbacks?show=attention", "lead-callbacks-attention", "Callbacks needing attention"),
    ("/lead/refusals", "lead-refusals", "Refusals"),
    ("/lead/outbox?show=dead", "lead-outbox-dead", "Outbox: dead messages"),
    ("/lead/cases", "lead-cases", "Cases past their SLA"),
    ("/lead/charts", "lead-charts", "Callbacks by hour and refusals by rule"),
    ("/lead/activity?kind=requested", "lead-activity", "Callbacks requested"),
]


def test_every_dashboard_page_is_accessible_and_photographed(
    site: tuple[LeadSite, Floor], page: Page
) -> None:
    served, floor = site
    signed_in_leader(page, served)
    pages = [
        *DASHBOARD_PAGES,
        (f"/lead/callbacks/{floor.refused['OB-SPOKE-FIRST']}", "lead-callback-refused", None),
        (f"/lead/callbacks/{floor.attention}", "lead-callback-attention", None),
    ]
    for path, name, heading in pages:
        answer = page.goto(f"{served.base}{path}")
        assert answer is not None and answer.status == 200, path
        if heading:
            expect(page.get_by_role("heading", level=1)).to_contain_text(heading)
        expect(page.locator("#live-status")).to_have_text("Live", timeout=LIVE)
        if path == "/lead/charts":
            page.wait_for_function("() => window.Chart && Chart.getChart('chart-hours')")
        assert_accessible(page)
        screenshot(page, name)


def test_the_charts_draw_and_keep_their_tables(site: tuple[LeadSite, Floor], page: Page) -> None:
    served, _ = site
    signed_in_leader(page, served, "/lead/charts")
    drawn = page.evaluate(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".map(c => window.Chart.getChart(c) ? window.Chart.getChart(c).data.datasets.length : 0)"
    )
    assert drawn == [4, 1]
    table = page.locator("#hours-caption").locator("xpath=..")
    expect(table.locator("tbody tr")).to_have_count(24)
    page.get_by_label("Time zone", exact=True).select_option("Asia/Kolkata")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"{served.base}/lead/charts?from=" + page.url.split("from=")[1])
    assert "zone=Asia%2FKolkata" in page.url
    expect(page.locator("#hours-caption")).to_contain_text("Asia/Kolkata")


def test_the_dashboard_works_on_a_phone(site: tuple[LeadSite, Floor], browser: Browser) -> None:
    served, _ = site
    context = phone(browser)
    try:
        page = context.new_page()
        signed_in_leader(page, served)
        for path in ("/lead", "/lead/callbacks?show=due", "/lead/charts", "/lead/refusals"):
            page.goto(f"{served.base}{path}")
            expect(page.locator("#live-status")).to_have_text("Live", timeout=LIVE)
            width = page.evaluate("() => document.documentElement.scrollWidth")
            assert width <= 390, (path, width)
            assert_accessible(page)
        page.goto(f"{served.base}/lead")
        screenshot(page, "lead-overview-phone")
    finally:
        context.close()


def test_keyboard_reaches_every_figure_with_a_visible_focus(
    site: tuple[LeadSite, Floor], page: Page
) -> None:
    served, _ = site
    signed_in_leader(page, served)
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to main content")
    page.keyboard.press("Enter")
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => [document.activeElement.tagName, document.activeElement.getAttribute('href'),"
            " getComputedStyle(document.activeElement).outlineStyle]"
        )
        if focused[0] == "BODY":  # past the last control, into the browser's own
            break
        assert focused[2] != "none", focused
        reached.append(focused[1])
    for target in ("/lead/callbacks?show=due", "/lead/outbox?show=dead", "/lead/cases"):
        assert target in reached, target


# --- PostgreSQL, two server processes -------------------------------------------------------


@pytest.fixture
def pg_database() -> Iterator[str]:
    name = f"caredesk_e2e_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - depends on the machine
        pytest.fail(f"PostgreSQL is not reachable at {PG_ADMIN_URL}: {exc}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
def test_a_change_through_server_a_reaches_a_browser_on_server_b(
    pg_database: str, browser: Browser, tmp_path_factory: pytest.TempPathFactory
) -> None:
    directory = tmp_path_factory.mktemp("lead-pg")
    server_a = LeadSite(directory, pg_database)
    floor = seed_floor(server_a)
    db = server_a.database()
    headers = token_maker(db)(Role.ADMIN)
    mover = make_agent(db, state=None)  # Offline: a state change away from Ready
    db.engine.dispose()
    server_b = LeadSite(directory, pg_database, now=server_a.now)
    server_a.start()
    server_b.start()
    context = desktop(browser)
    try:
        page = context.new_page()
        signed_in_leader(page, server_b)
        ready = figure(page, "agents-ready")
        moved = httpx.post(
            f"{server_a.base}/v1/agents/{mover}/state",
            json={"state": "ready"},
            headers=headers,
            timeout=30,
        )
        assert moved.status_code == 200, moved.text
        expect(page.locator('[data-figure="agents-ready"]')).to_have_text(
            str(ready + 1), timeout=LIVE
        )
        # A callback event too: the callback needing attention cancelled through server A.
        attention = figure(page, "attention")
        cancelled = httpx.post(
            f"{server_a.base}/v1/callbacks/{floor.attention}/cancel",
            json={"reason": "The customer called in and was helped"},
            headers=headers,
            timeout=30,
        )
        assert cancelled.status_code == 200, cancelled.text
        expect(page.locator('[data-figure="attention"]')).to_have_text(
            str(attention - 1), timeout=LIVE
        )
        still_the_same_page(page)
    finally:
        context.close()
        server_b.stop()
        server_a.stop()
