"""The browser pages: sign-in, the customer portal, the agent desktop, the leader dashboard,
and the live stream that keeps them current. Server-rendered (Jinja2, templates in
src/caredesk/web/templates/), made live by htmx and its SSE extension, served with their
scripts and styles by caredesk itself.

Adding a page:
1. a module here with ``router = page_router()`` (caredesk.web.pages.routing) and routes
   guarded like the API's, the principal taken from the session (``SignedStaff``,
   ``SignedLeader``, ``SignedCustomer`` or ``require_roles(..., via=session_principal)``);
2. a template extending ``base.html`` (its header lists the blocks), rendered with
   ``render(request, "x/page.html", {...})`` (caredesk.web.pages.rendering);
3. its module name in ``PAGE_MODULES`` below, a header link in ``rendering.NAV`` if it is a
   destination, and each route in tests/api/test_route_access.py's ACCESS table;
4. forms carry ``{{ ui.csrf(csrf_token) }}``; htmx requests send the token by themselves.
"""

from __future__ import annotations

import importlib

from fastapi import FastAPI

PAGE_MODULES = (
    "caredesk.web.pages.auth",
    "caredesk.web.pages.home",
    "caredesk.web.pages.portal",
    "caredesk.web.pages.portal_callbacks",
    "caredesk.web.pages.desk",
    "caredesk.web.pages.desk_customers",
    "caredesk.web.pages.desk_calls",
    "caredesk.web.pages.desk_memo",
    "caredesk.web.pages.desk_cases",
    "caredesk.web.pages.desk_offer",
    "caredesk.web.pages.desk_inbound",
    "caredesk.web.pages.lead",
    "caredesk.web.pages.lead_lists",
    "caredesk.web.pages.lead_callback",
    "caredesk.web.pages.lead_charts",
    "caredesk.web.pages.lead_queues",
    "caredesk.web.pages.phone",
    "caredesk.web.pages.live",
)


def install_pages(app: FastAPI) -> None:
    for name in PAGE_MODULES:
        app.include_router(importlib.import_module(name).router)
