"""The browser-test harness of the pages: a real ``caredesk serve`` subprocess on a free
loopback port over its own SQLite file, with the clock stopped (CAREDESK_FIXED_CLOCK), that a
test can stop and start again on the same port; Debian's Chromium driven by Playwright; signing
in through the form; the axe-core check; screenshots for docs/screenshots/.

Write a browser test of a new page like tests/e2e/test_pages_browser.py: take the module's
``site`` (one server per module) and ``browser`` fixtures, open a context with
``desktop(browser)`` or ``phone(browser)``, ``sign_in(page, site, LOGIN)``, act, then
``assert_accessible(page)`` and, for a main page, ``screenshot(page, "name")``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize

from caredesk.clock import FixedClock
from caredesk.db.session import Database

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "docs" / "screenshots"
# A Tuesday afternoon in New York (14:00 EDT): the clock of every browser test.
NOW = datetime(2026, 3, 10, 18, 0, tzinfo=UTC)
START_TIMEOUT = 120.0
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
SERIOUS = ("serious", "critical")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Site:
    """One served caredesk: its database, its environment, its server process."""

    directory: Path
    database_url: str
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("CAREDESK_")}
        return inherited | {
            "CAREDESK_DATABASE_URL": self.database_url,
            "CAREDESK_FIXED_CLOCK": NOW.isoformat(),
            "CAREDESK_SECRET_PEPPER_FILE": str(self.directory / "secret-pepper"),
            "CAREDESK_LOG_JSON": "true",
            "CAREDESK_LIVE_POLL_SECONDS": "0.2",
            "PYTHONUNBUFFERED": "1",
        }

    def database(self) -> Database:
        """The site's database as this test process sees it, on the site's clock."""
        return Database.connect(self.database_url, FixedClock(NOW))

    def start(self) -> None:
        log = (self.directory / "server.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "caredesk.cli", "serve", "--port", str(self.port)],
            cwd=self.directory,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=log,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError((self.directory / "server.log").read_text()[-4000:])
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def desktop(browser: Browser) -> BrowserContext:
    # bypass_csp lets the test inject axe-core; the pages' own policy is checked elsewhere.
    return browser.new_context(viewport=DESKTOP, bypass_csp=True, locale="en-US")


def phone(browser: Browser) -> BrowserContext:
    return browser.new_context(
        viewport=PHONE, bypass_csp=True, locale="en-US", is_mobile=True, has_touch=True
    )


def sign_in(page: Page, site: Site, login: str, password: str) -> None:
    page.goto(f"{site.base}/signin")
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def assert_accessible(page: Page) -> None:
    """axe-core (from the npm install) finds no serious or critical violation."""
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate("async () => await axe.run(document)")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v.get("impact") in SERIOUS
    ]
    assert bad == [], f"{page.url}:\n" + "\n".join(bad)


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
