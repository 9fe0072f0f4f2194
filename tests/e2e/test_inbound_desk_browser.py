"""An inbound call on the agent desktop in Debian's Chromium against a real ``caredesk serve``
(SQLite, clock stopped): a caller waits in billing, a routing round offers them to the agent,
who accepts on the desktop; without a reload the *Your call* panel shows the call; End call
turns it into After-Call Work with the time left and a Ready button, which puts the agent back
to Ready. axe-core finds nothing serious on either; the screenshots in docs/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Page, expect

from caredesk.audit.service import Actor
from caredesk.db import migrate
from caredesk.inbound.routing_round import InboundRouting
from caredesk.routing.config_file import load_routing
from caredesk.users import service as users
from caredesk.users.models import Role
from tests.e2e.pages_harness import NOW, Site, assert_accessible, screenshot, sign_in

pytestmark = pytest.mark.e2e
PASSWORD = "correct horse battery"


def _seed(site: Site) -> None:
    """An admin (whose token the test keeps in the site's directory) and an agent login."""
    migrate.upgrade(site.database_url)
    db = site.database()
    with db.uow() as uow, uow.atomic():
        admin = users.create_user(
            uow, actor=Actor.system("test"), login="root", display_name="Root", role=Role.ADMIN
        )
        token = users.issue_token(uow, actor=Actor.system("test"), user=admin).token
    (site.directory / "token").write_text(token)
    db.engine.dispose()


def _api(site: Site, method: str, path: str, **body: object) -> dict[str, object]:
    token = (site.directory / "token").read_text()
    answer = httpx.request(
        method,
        f"{site.base}{path}",
        json=body or None,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert answer.is_success, answer.text
    found: dict[str, object] = answer.json()
    return found


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    directory = tmp_path_factory.mktemp("inbound")
    served = Site(directory, f"sqlite:///{directory / 'caredesk.db'}")
    _seed(served)
    served.start()
    try:
        yield served
    finally:
        served.stop()


def test_an_agent_takes_an_inbound_call_ends_it_and_wraps_up(site: Site, page: Page) -> None:
    agent = _api(
        site,
        "POST",
        "/v1/agents",
        login="noor",
        name="Noor Haddad",
        role="agent",
        line_of_business="care",
        time_zone="America/New_York",
        platform_line="+13035550100",
    )
    agent_id = int(str(agent["id"]))
    _api(site, "PATCH", f"/v1/agents/{agent_id}", skill_levels={"billing": 5})
    db = site.database()
    with db.uow() as uow, uow.atomic():
        users.create_user(
            uow,
            actor=Actor.system("test"),
            login="noor",
            display_name="Noor Haddad",
            role=Role.AGENT,
            password=PASSWORD,
            agent_id=agent_id,
        )
    sign_in(page, site, "noor", PASSWORD)
    expect(page).to_have_url(f"{site.base}/desk")
    expect(page.locator("#live-status")).to_have_text("Live")
    page.get_by_label("Change to").select_option(label="Ready")
    page.get_by_role("button", name="Change state").click()
    expect(page.locator("#agent-state")).to_have_text("Ready")

    call = _api(site, "POST", "/v1/ivr/calls", number="+14155550123", language="en")
    _api(site, "POST", f"/v1/ivr/calls/{call['id']}/input", digit="1")
    report = InboundRouting(load_routing())(db, now=NOW, batch=10)
    db.engine.dispose()
    assert report["contacts_offered"] == 1, report
    # No reload: the offer arrives live, and once taken the call shows in its own panel.
    page.get_by_role("button", name="Accept").click()
    panel = page.locator("#desk-inbound")
    expect(panel).to_contain_text("Billing and payments")
    expect(panel).to_contain_text("(415) 555-0123")
    expect(panel.get_by_role("button", name="End call")).to_be_visible()
    assert_accessible(page)
    screenshot(page, "desk-inbound-call")

    page.get_by_label("The call came to").select_option(label="Resolved")
    panel.get_by_role("button", name="End call").click()
    expect(panel.get_by_role("heading", name="After-Call Work")).to_be_visible()
    expect(panel.get_by_role("timer")).to_contain_text("1 min")
    expect(page.locator("#agent-state")).to_have_text("After-Call Work")
    assert_accessible(page)
    screenshot(page, "desk-inbound-wrap-up")

    panel.get_by_role("button", name="Ready").click()
    expect(page.locator("#agent-state")).to_have_text("Ready")
    expect(panel).not_to_contain_text("After-Call Work")
    state = _api(site, "GET", f"/v1/agents/{agent_id}/state")
    assert state["state"] == "ready"
