"""Every API error is an RFC 9457 problem document that names the field at fault."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from caredesk.errors import DomainError

PROBLEM_MEDIA_TYPE = "application/problem+json"
RETRY_AFTER_SECONDS = 5
log = logging.getLogger("caredesk.web")


def problem(
    status: int,
    slug: str,
    title: str,
    detail: str,
    *,
    instance: str | None = None,
    field: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if field:
        body["field"] = field
    if errors:
        body["errors"] = errors
    if extra:
        body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _field_of(loc: tuple[Any, ...] | list[Any]) -> tuple[str, str]:
    """('body', 'contact_points', 0, 'phone') -> ('body', 'contact_points[0].phone')."""
    parts = list(loc)
    location = str(parts.pop(0)) if parts else "body"
    name = ""
    for part in parts:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            name += ("." if name else "") + str(part)
    return location, name or location


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for error in exc.errors():
        location, field = _field_of(error.get("loc", ("body",)))
        kind = error.get("type", "invalid")
        if kind == "json_invalid":
            field = "body"
            message = "is not valid JSON: " + str(error.get("ctx", {}).get("error", "parse error"))
        elif kind == "extra_forbidden":
            message = "is not a known field"
        else:
            message = str(error.get("msg", "is invalid"))
        errors.append({"field": field, "location": location, "message": message, "type": kind})
    return errors


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        errors = [{"field": exc.field, "message": exc.detail}] if exc.field else None
        return problem(
            exc.status,
            exc.slug,
            exc.title,
            exc.detail,
            instance=request.url.path,
            field=exc.field,
            errors=errors,
            extra=exc.extra,
            headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        malformed = any(e["type"] == "json_invalid" for e in errors)
        first = errors[0] if errors else {"field": "body", "message": "is invalid"}
        return problem(
            400 if malformed else 422,
            "malformed-json" if malformed else "validation-failed",
            "Malformed JSON body" if malformed else "Validation failed",
            f"{first['field']}: {first['message']}",
            instance=request.url.path,
            field=first["field"],
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = {404: "not-found", 405: "method-not-allowed", 413: "body-too-large"}.get(
            exc.status_code, "http-error"
        )
        return problem(
            exc.status_code,
            slug,
            str(exc.detail) if exc.status_code != 404 else "Not found",
            str(exc.detail),
            instance=request.url.path,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        # A value the schema let through but the database cannot hold (e.g. an id past 32 bits).
        log.warning("database refused a value on %s: %s", request.url.path, exc.orig)
        return problem(
            422,
            "value-out-of-range",
            "Value out of range",
            "a value in the request is out of the range the store accepts; nothing was stored",
            instance=request.url.path,
        )

    async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
        # A lost or unreachable database, a busy SQLite writer, an exhausted pool: the request
        # was rolled back and may well succeed in a moment.
        log.warning("database unavailable on %s: %s", request.url.path, exc)
        return unavailable_problem(request.url.path)

    for kind in (OperationalError, InterfaceError, DisconnectionError, PoolTimeout):
        app.add_exception_handler(kind, _unavailable)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return internal_error_problem(request.url.path)


def unavailable_problem(path: str) -> JSONResponse:
    return problem(
        503,
        "database-unavailable",
        "Database unavailable",
        "database: the database could not be reached; nothing was stored. Try again shortly.",
        instance=path,
        field="database",
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


def internal_error_problem(path: str) -> JSONResponse:
    return problem(
        500,
        "internal-error",
        "Internal error",
        "The request failed; nothing was stored. The error has been logged.",
        instance=path,
    )
