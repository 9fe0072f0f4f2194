"""The FastAPI application factory."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from caredesk import __version__
from caredesk.accounts import api as accounts_api
from caredesk.agents import api as agents_api
from caredesk.audit import api as audit_api
from caredesk.bootstrap import (
    build_callback_runtime,
    connect_database,
    load_callback_policy,
    load_routing_config,
    load_secrets,
)
from caredesk.callbacks import api as callbacks_api
from caredesk.callbacks import policy_api
from caredesk.clock import Clock
from caredesk.config import Settings, get_settings
from caredesk.db.session import Database
from caredesk.inbound import api as inbound_api
from caredesk.inbound import escalation_api, offer_api
from caredesk.interactions import api as interactions_api
from caredesk.logs import configure_logging
from caredesk.memos import api as memos_api
from caredesk.staffing import api as staffing_api
from caredesk.tickets import api as tickets_api
from caredesk.users import api as users_api
from caredesk.web.guards import check_inputs
from caredesk.web.idempotency import (
    IdempotencyMiddleware,
    honour_idempotency_key,
    install_idempotency,
)
from caredesk.web.metrics import router as metrics_router
from caredesk.web.middleware import (
    AccessLogMiddleware,
    BodyLimitMiddleware,
    UnexpectedErrorMiddleware,
)
from caredesk.web.openapi import install_openapi
from caredesk.web.pages import install_pages
from caredesk.web.problems import RETRY_AFTER_SECONDS, install_problem_handlers, problem
from caredesk.web.vendor import install_docs, mount_static, mount_vendor

log = logging.getLogger("caredesk.web")

# Each domain owns its router; the app only mounts them, in this order.
ROUTERS = (
    users_api.router,
    accounts_api.router,
    agents_api.router,
    tickets_api.router,
    memos_api.router,
    interactions_api.router,
    inbound_api.router,
    offer_api.router,
    escalation_api.router,
    audit_api.router,
    policy_api.router,
    callbacks_api.router,
    staffing_api.router,
)

DESCRIPTION = """
caredesk's REST API. Authenticate with `Authorization: Bearer <token>` (issue one with
`caredesk token create LOGIN` or `POST /v1/auth/token`). Every error is an RFC 9457 problem
document (`application/problem+json`) whose `field` names the input at fault.
"""


@asynccontextmanager
async def _long_lived(app: FastAPI) -> AsyncIterator[None]:
    """What the process built to serve (modules, models, routes, the policy) lives as long as
    it does: the garbage collector is told to leave it out of its passes. Otherwise each full
    pass walks a few hundred thousand objects that are never garbage, stopping every request
    of the process for up to a few hundred milliseconds, every few hundred requests. Given back
    to the collector when the app stops (a test process builds many apps)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def create_app(
    settings: Settings | None = None,
    *,
    database: Database | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    settings = settings or get_settings()
    # Each server worker process builds its own app: this is where its logging is set up.
    configure_logging(settings.log_level, json_logs=settings.log_json)
    load_secrets(settings)
    # A bad policy file stops the start here, naming the key (PolicyFileError).
    policy = load_callback_policy(settings)
    routing = load_routing_config()
    db = database or connect_database(settings, clock)
    app = FastAPI(
        title="caredesk",
        version=__version__,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        # /docs and /redoc are served on local copies of their scripts (caredesk.web.vendor).
        docs_url=None,
        redoc_url=None,
        dependencies=[Depends(check_inputs), Depends(honour_idempotency_key)],
        lifespan=_long_lived,
    )
    app.state.db = db
    app.state.settings = settings
    app.state.policy = policy
    app.state.routing = routing
    app.state.callbacks = build_callback_runtime(settings, db.clock, policy=policy, routing=routing)
    install_problem_handlers(app)
    install_idempotency(app)
    install_openapi(app)

    for router in ROUTERS:
        app.include_router(router)

    @app.get("/healthz", tags=["operations"])
    def healthz(request: Request) -> JSONResponse:
        database: Database = request.app.state.db
        try:
            with database.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as exc:  # the probe reports any failure as unhealthy
            log.warning("health check failed: %s", exc)
            return problem(
                503,
                "unhealthy",
                "Database unreachable",
                "database: not reachable",
                field="database",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )
        return JSONResponse({"status": "ok", "database": database.dialect, "version": __version__})

    app.include_router(metrics_router)
    install_pages(app)
    mount_vendor(app, settings.vendor_dir)
    mount_static(app)
    install_docs(app, openapi_url="/openapi.json", title=app.title)

    # Innermost first: the access log sees the size refusal and the 500 answers too.
    app.add_middleware(UnexpectedErrorMiddleware)
    app.add_middleware(IdempotencyMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(AccessLogMiddleware)
    return app
