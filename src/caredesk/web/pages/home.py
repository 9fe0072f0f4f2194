"""``/``: the signed-in user's home page (the desktop, the dashboard or the portal), or sign-in.
The homes themselves are caredesk.web.pages.desk, .lead and .portal."""

from __future__ import annotations

from fastapi import Response

from caredesk.web.pages.rendering import HOME_FOR
from caredesk.web.pages.routing import page_router, see_other
from caredesk.web.sessions import Session, optional_principal

router = page_router()


@router.get("/")
def root(signed: Session) -> Response:
    """The signed-in user's home, or sign-in."""
    principal = optional_principal(signed)
    return see_other(HOME_FOR[principal.role] if principal else "/signin")
