"""/docs and /redoc render in a browser that may reach nothing but the local server."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

pytestmark = pytest.mark.e2e
LOCAL = {"127.0.0.1", "localhost"}


@pytest.fixture
def offline_page(chromium_path: str) -> Iterator[tuple[Page, list[str]]]:
    blocked: list[str] = []

    def only_local(route: Route) -> None:
        if urlsplit(route.request.url).hostname in LOCAL:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as playwright:
        browser: Browser = playwright.chromium.launch(
            executable_path=chromium_path, args=["--no-sandbox"]
        )
        try:
            page = browser.new_page()
            page.route("**/*", only_local)
            yield page, blocked
        finally:
            browser.close()


def test_swagger_ui_renders_the_operations_offline(
    live_server: str, offline_page: tuple[Page, list[str]]
) -> None:
    page, blocked = offline_page
    page.goto(f"{live_server}/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    assert page.locator(".opblock").count() > 20
    assert page.locator(".opblock-summary-path", has_text="/healthz").count() == 1
    assert blocked == []


def test_redoc_renders_the_operations_offline(
    live_server: str, offline_page: tuple[Page, list[str]]
) -> None:
    page, blocked = offline_page
    page.goto(f"{live_server}/redoc")
    page.wait_for_selector("[data-section-id^='operation/']", timeout=30_000)
    assert page.locator("[data-section-id^='operation/']").count() > 20
    assert blocked == []
