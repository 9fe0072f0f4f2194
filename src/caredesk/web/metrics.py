"""`/metrics` for the operator: Prometheus text, behind an admin token.

The HTTP figures come from this process's registry, or from every server process's when
``PROMETHEUS_MULTIPROC_DIR`` is set (``caredesk serve --workers N`` sets it); the business
figures are read from the database at each scrape, so every process answers alike."""

from __future__ import annotations

import os
from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

from caredesk.config import Settings
from caredesk.db.session import Database
from caredesk.metrics.business import BusinessCollector
from caredesk.web.deps import Admin

router = APIRouter(tags=["operations"])
MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"


def _http_registry() -> CollectorRegistry:
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


def render_metrics(db: Database, settings: Settings) -> bytes:
    business = CollectorRegistry(auto_describe=False)
    overdue = timedelta(minutes=settings.owned_overdue_to_pool_minutes)
    business.register(BusinessCollector(db, overdue_after=overdue))
    return generate_latest(_http_registry()) + generate_latest(business)


@router.get("/metrics", include_in_schema=False)
def metrics(principal: Admin, request: Request) -> Response:
    """Prometheus metrics; scrape with an admin's bearer token."""
    body = render_metrics(request.app.state.db, request.app.state.settings)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
