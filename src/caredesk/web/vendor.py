"""Browser libraries, served by caredesk itself under /static/vendor/<package>/: they come from
the project's package.json and package-lock.json (`npm ci` into node_modules, run by
`make install`), never from a CDN, so the pages work offline. The API documentation pages
(/docs, Swagger UI; /redoc, Redoc) are built here on those local copies. caredesk's own styles
and scripts (src/caredesk/web/static/, shipped inside the package) are served under
/static/app/."""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

log = logging.getLogger("caredesk.web")

VENDOR_URL = "/static/vendor"
# npm package -> the folder inside it that is served. Only these are reachable, not the whole of
# node_modules; a library added to package.json for the pages gets a line here.
VENDOR_PACKAGES: dict[str, str] = {
    "swagger-ui-dist": "",
    "redoc": "bundles",
    # The pages: htmx and its server-sent-events extension make them live; Chart.js draws the
    # dashboard's charts. (axe-core, also in package.json, is only for the browser tests.)
    "htmx.org": "dist",
    "htmx-ext-sse": "dist",
    "chart.js": "dist",
}
APP_STATIC_URL = "/static/app"
APP_STATIC_DIR = Path(__file__).resolve().parent / "static"
FAVICON = "img/favicon.svg"
# The documentation pages may load nothing from elsewhere: Redoc's sidebar, for one, asks for its
# maker's logo from a CDN, which this keeps the browser from even requesting.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
)
# The checkout's node_modules (src/caredesk/web/vendor.py -> the project root).
DEFAULT_NODE_MODULES = Path(__file__).resolve().parents[3] / "node_modules"


def vendor_url(package: str, path: str) -> str:
    if package not in VENDOR_PACKAGES:
        raise KeyError(f"{package} is not a served package; add it to VENDOR_PACKAGES")
    return f"{VENDOR_URL}/{package}/{path}"


@lru_cache(maxsize=256)
def app_static_url(path: str) -> str:
    """The URL of one of caredesk's own files under src/caredesk/web/static/ (package data,
    fixed while the server runs: each page asks for the same few, found once)."""
    if not (APP_STATIC_DIR / path).is_file():
        raise KeyError(f"{path} is not in {APP_STATIC_DIR}")
    return f"{APP_STATIC_URL}/{path}"


def mount_static(app: FastAPI) -> None:
    """caredesk's own styles and scripts (package data, so an installed wheel serves them)."""
    app.mount(APP_STATIC_URL, StaticFiles(directory=APP_STATIC_DIR), name="app-static")
    icon = APP_STATIC_DIR / FAVICON

    # Browsers, feed readers and bookmarks ask for /favicon.ico whatever a page names.
    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> FileResponse:
        return FileResponse(icon, media_type="image/svg+xml")


def mount_vendor(app: FastAPI, node_modules: Path | None = None) -> None:
    """Serves each package in VENDOR_PACKAGES. A missing install is logged (the pages would be
    blank) and its files answer 404 rather than stopping the API."""
    root = node_modules or DEFAULT_NODE_MODULES
    for package, folder in VENDOR_PACKAGES.items():
        directory = root / package / folder if folder else root / package
        if not directory.is_dir():
            log.warning("%s is missing; run `make install` (npm ci) to serve it", directory)
        app.mount(
            f"{VENDOR_URL}/{package}",
            StaticFiles(directory=directory, check_dir=False),
            name=f"vendor-{package}",
        )


def install_docs(app: FastAPI, *, openapi_url: str, title: str) -> None:
    """/docs and /redoc on the local copies (create the app with docs_url=None, redoc_url=None)."""
    favicon = vendor_url("swagger-ui-dist", "favicon-32x32.png")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{title} - API",
            swagger_js_url=vendor_url("swagger-ui-dist", "swagger-ui-bundle.js"),
            swagger_css_url=vendor_url("swagger-ui-dist", "swagger-ui.css"),
            swagger_favicon_url=favicon,
            # No call to the public validator service for the "valid" badge.
            swagger_ui_parameters={"validatorUrl": None},
        )
        page.headers["Content-Security-Policy"] = DOCS_CSP
        return page

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=openapi_url,
            title=f"{title} - API",
            redoc_js_url=vendor_url("redoc", "redoc.standalone.js"),
            redoc_favicon_url=favicon,
            with_google_fonts=False,
        )
        page.headers["Content-Security-Policy"] = DOCS_CSP
        return page
