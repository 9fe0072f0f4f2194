"""Domain errors. The web layer maps each to an RFC 9457 problem document, the CLI to one line."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A use case refused the request. ``field`` names the input at fault, when there is one."""

    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(
        self, detail: str, *, field: str | None = None, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.extra = extra or {}

    @property
    def headers(self) -> dict[str, str] | None:
        """HTTP headers the problem document is sent with."""
        return {"WWW-Authenticate": "Bearer"} if self.status == 401 else None


class NotFound(DomainError):
    status = 404
    slug = "not-found"
    title = "Not found"


class Conflict(DomainError):
    status = 409
    slug = "conflict"
    title = "Conflict"


class InvalidTransition(DomainError):
    status = 409
    slug = "invalid-transition"
    title = "Invalid status transition"


class ValidationFailed(DomainError):
    status = 422
    slug = "validation-failed"
    title = "Validation failed"


class PermissionDenied(DomainError):
    status = 403
    slug = "forbidden"
    title = "Forbidden"


class Unauthenticated(DomainError):
    status = 401
    slug = "unauthenticated"
    title = "Authentication required"


class PolicyRefused(DomainError):
    """The outbound-call policy refused a step; ``extra`` carries the decision with rule IDs."""

    status = 409
    slug = "policy-refused"
    title = "Refused by outbound-call policy"


class TooManyAttempts(DomainError):
    """Too many failed attempts; ``retry_after`` says in how many seconds to try again."""

    status = 429
    slug = "too-many-attempts"
    title = "Too many failed attempts"

    def __init__(self, detail: str, *, field: str | None = None, retry_after: int) -> None:
        super().__init__(detail, field=field, extra={"retry_after_seconds": retry_after})
        self.retry_after = retry_after

    @property
    def headers(self) -> dict[str, str] | None:
        return {"Retry-After": str(self.retry_after)}
