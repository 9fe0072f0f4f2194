"""Rendering the pages: one Jinja2 environment over src/caredesk/web/templates/, the context
every page gets (who is signed in, the CSRF token, the navigation, where the live stream starts)
and the navigation itself.

A page template extends ``base.html`` and fills its blocks (``title``, ``content``, and when it
needs them ``head``, ``scripts``); see that file's header for the list."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import SQLAlchemyError

from caredesk.db.session import UnitOfWork
from caredesk.live.feed import SESSION_FAMILY, head
from caredesk.live.publish import FAMILIES
from caredesk.users.models import LEADER_ROLES, STAFF_ROLES, Role
from caredesk.users.sessions import SignedIn
from caredesk.web.deps import Principal
from caredesk.web.sessions import CSRF_FIELD, CSRF_HEADER
from caredesk.web.vendor import app_static_url, vendor_url

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
templates = Jinja2Templates(directory=TEMPLATES_DIR)

# Where each role lands after signing in (and at ``/``).
HOME_FOR: dict[Role, str] = {
    Role.CUSTOMER: "/portal",
    Role.AGENT: "/desk",
    Role.SPECIALIST: "/desk",
    Role.LEADER: "/lead",
    Role.ADMIN: "/lead",
}
ROLE_NAMES: dict[Role, str] = {
    Role.CUSTOMER: "Customer",
    Role.AGENT: "Agent",
    Role.SPECIALIST: "Specialist",
    Role.LEADER: "Leader",
    Role.ADMIN: "Administrator",
}


@dataclass(frozen=True)
class NavItem:
    """One link of the header's navigation, shown to ``roles``; it is marked current on every
    path under ``href``."""

    label: str
    href: str
    roles: frozenset[Role]

    def is_current(self, path: str) -> bool:
        return path == self.href or path.startswith(self.href.rstrip("/") + "/")


# The header's links, in order. A new page adds its entry here (or with ``add_nav``).
NAV: list[NavItem] = [
    NavItem("My cases and callbacks", "/portal", frozenset({Role.CUSTOMER})),
    NavItem("Request a callback", "/portal/callbacks/new", frozenset({Role.CUSTOMER})),
    NavItem("Desktop", "/desk", STAFF_ROLES),
    NavItem("Customers", "/desk/customers", STAFF_ROLES),
    NavItem("Dashboard", "/lead", LEADER_ROLES),
    NavItem("API reference", "/docs", STAFF_ROLES),
]


def add_nav(item: NavItem, *, before: str | None = None) -> None:
    """Adds a link to the header (before the link to ``before`` when given)."""
    if any(existing.href == item.href for existing in NAV):
        return
    index = next((i for i, e in enumerate(NAV) if e.href == before), len(NAV))
    NAV.insert(index, item)


def nav_for(principal: Principal | None, path: str) -> list[dict[str, Any]]:
    if principal is None:
        return []
    items = [item for item in NAV if principal.role in item.roles]
    # Only the most specific matching link is the current one.
    current = max(
        (item for item in items if item.is_current(path)),
        key=lambda item: len(item.href),
        default=None,
    )
    return [{"label": item.label, "href": item.href, "current": item is current} for item in items]


def local_time(instant: datetime | None, zone: str | None, fmt: str = "%a %d %b, %H:%M") -> str:
    """An instant as a person in ``zone`` reads it (the zone's abbreviation appended)."""
    if instant is None:
        return ""
    local = instant.astimezone(ZoneInfo(zone or "UTC"))
    return f"{local.strftime(fmt)} {local.tzname()}"


def duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {secs:02d} s"
    return f"{secs} s"


templates.env.globals.update(
    vendor_url=vendor_url,
    static_url=app_static_url,
    csrf_field_name=CSRF_FIELD,
    csrf_header=CSRF_HEADER,
)
templates.env.filters["local_time"] = local_time
templates.env.filters["duration"] = duration


def is_htmx(request: Request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _live_from(request: Request, signed: SignedIn | None) -> str | None:
    """Where a full page's live stream starts: just past the events it already shows."""
    if signed is None or is_htmx(request):
        return None
    current: UnitOfWork | None = getattr(request.state, "uow", None)
    if current is not None:
        try:
            return head(current).token
        except SQLAlchemyError:
            pass  # the request's transaction failed (an error page): read on its own
    with request.app.state.db.uow() as uow:
        return head(uow).token


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status_code: int = 200,
    principal: Principal | None = None,
    csrf_token: str | None = None,
    headers: Mapping[str, str] | None = None,
) -> HTMLResponse:
    """A page (or an htmx fragment) with the shared context. The principal, CSRF token and
    live-stream start come from the request's session when not given."""
    signed: SignedIn | None = getattr(request.state, "signed_in", None)
    if principal is None and signed is not None:
        from caredesk.web.deps import principal_of

        principal = principal_of(signed.user)
    if csrf_token is None and signed is not None:
        csrf_token = signed.csrf_token
    shared: dict[str, Any] = {
        "principal": principal,
        "user_name": signed.user.display_name if signed is not None else None,
        "role_name": ROLE_NAMES.get(principal.role) if principal else None,
        "home_url": HOME_FOR.get(principal.role, "/") if principal else "/signin",
        "nav": nav_for(principal, request.url.path),
        "csrf_token": csrf_token or "",
        "live_from": _live_from(request, signed),
        "live_families": " ".join((*FAMILIES, SESSION_FAMILY)),
        "brand": request.app.state.settings.brand_name,
        "now": request.app.state.db.clock.now(),
    }
    shared.update(context or {})
    response = templates.TemplateResponse(
        request, template, shared, status_code=status_code, headers=dict(headers or {})
    )
    secure_page(response)
    return response


# Scripts and styles only from caredesk itself: no inline script can run, so markup that slips
# into a page cannot act. (htmx is configured in base.html not to need eval or inline styles.)
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def secure_page(response: Response) -> Response:
    # Pages hold personal data: never kept by a shared cache or shown from the back button
    # after sign-out.
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
