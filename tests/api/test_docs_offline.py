"""/docs and /redoc work offline: their pages name no outside host, and every script, style and
icon they reference is served by caredesk from the project's npm install."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from caredesk.web.vendor import DEFAULT_NODE_MODULES, VENDOR_PACKAGES, VENDOR_URL

ROOT = Path(__file__).resolve().parents[2]
DOC_PAGES = ("/docs", "/redoc")
LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "testserver"}


class References(HTMLParser):
    """Every URL an element loads (src, href)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("src", "href", "spec-url") and value:
                self.urls.append((tag, value))


def _references(html: str) -> list[tuple[str, str]]:
    parser = References()
    parser.feed(html)
    return parser.urls


@pytest.mark.parametrize("page", DOC_PAGES)
def test_doc_pages_name_no_outside_host(client: TestClient, page: str) -> None:
    answer = client.get(page)
    assert answer.status_code == 200
    # Any absolute URL anywhere in the page (attributes, inline script, styles).
    absolute = re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+", answer.text)
    assert [url for url in absolute if urlsplit(url).hostname not in LOCAL_HOSTS] == []
    references = _references(answer.text)
    assert references, "the page loads its scripts"
    assert all(urlsplit(url).hostname in (None, *LOCAL_HOSTS) for _tag, url in references)


@pytest.mark.parametrize("page", DOC_PAGES)
def test_every_asset_of_the_doc_pages_is_served(client: TestClient, page: str) -> None:
    references = _references(client.get(page).text)
    scripts = [url for tag, url in references if tag == "script"]
    assert scripts
    for tag, url in references:
        answer = client.get(url)
        assert answer.status_code == 200, url
        if tag == "script":
            assert "javascript" in answer.headers["content-type"], url
            assert len(answer.content) > 10_000, url
    for url in scripts:
        assert url.startswith(f"{VENDOR_URL}/")


def test_served_packages_are_pinned_in_the_lockfile() -> None:
    manifest = json.loads((ROOT / "package.json").read_text())
    lock = json.loads((ROOT / "package-lock.json").read_text())
    for package in VENDOR_PACKAGES:
        version = manifest["dependencies"][package]
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{package} must be pinned exactly"
        assert lock["packages"][f"node_modules/{package}"]["version"] == version
        assert (DEFAULT_NODE_MODULES / package / "package.json").is_file(), "run make install"


def test_only_the_listed_packages_are_reachable(client: TestClient) -> None:
    assert client.get(f"{VENDOR_URL}/swagger-ui-dist/package.json").status_code == 200
    # Other installed packages (Redoc's dependencies) are not served.
    assert client.get(f"{VENDOR_URL}/marked/package.json").status_code == 404
    assert client.get(f"{VENDOR_URL}/redoc/../../package.json").status_code == 404


@pytest.mark.parametrize("page", DOC_PAGES)
def test_doc_pages_may_load_only_from_their_own_server(client: TestClient, page: str) -> None:
    policy = client.get(page).headers["content-security-policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert all("http" not in sources and "*" not in sources for sources in directives.values())


def test_the_favicon_is_served_at_the_address_browsers_ask_for(client: TestClient) -> None:
    answer = client.get("/favicon.ico")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("image/svg+xml")
    assert answer.text.lstrip().startswith("<svg")
