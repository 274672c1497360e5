"""One error envelope for every transport: RFC 9457 problem details.

Commands raise `AppError` subclasses; transports turn any exception into a `Problem`
with `to_problem`, so no stack trace or SQL ever reaches a client.
"""

from http import HTTPStatus
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field


class Problem(BaseModel):
    """`application/problem+json` body, plus `code`, `request_id` and `errors`."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(default="about:blank", description="URI reference naming the problem type.")
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str = Field(description="Stable machine-readable error code.")
    request_id: str | None = None
    errors: list[dict[str, Any]] | None = None


class AppError(Exception):
    """An error a client can act on. Subclasses fix status, code and title."""

    status: ClassVar[int] = HTTPStatus.INTERNAL_SERVER_ERROR
    code: ClassVar[str] = "internal_error"
    title: ClassVar[str] = "Internal Server Error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


class BadRequestError(AppError):
    status = HTTPStatus.BAD_REQUEST
    code = "bad_request"
    title = "Bad Request"


class InvalidHostError(BadRequestError):
    code = "invalid_host"


class UnauthorizedError(AppError):
    status = HTTPStatus.UNAUTHORIZED
    code = "unauthorized"
    title = "Unauthorized"


class ForbiddenError(AppError):
    status = HTTPStatus.FORBIDDEN
    code = "forbidden"
    title = "Forbidden"


class NotFoundError(AppError):
    status = HTTPStatus.NOT_FOUND
    code = "not_found"
    title = "Not Found"


class ConflictError(AppError):
    status = HTTPStatus.CONFLICT
    code = "conflict"
    title = "Conflict"


class PayloadTooLargeError(AppError):
    status = HTTPStatus.REQUEST_ENTITY_TOO_LARGE
    code = "payload_too_large"
    title = "Payload Too Large"


class ValidationFailedError(AppError):
    status = HTTPStatus.UNPROCESSABLE_ENTITY
    code = "validation_error"
    title = "Unprocessable Content"


class RateLimitedError(AppError):
    status = HTTPStatus.TOO_MANY_REQUESTS
    code = "rate_limited"
    title = "Too Many Requests"


class ServiceUnavailableError(AppError):
    status = HTTPStatus.SERVICE_UNAVAILABLE
    code = "service_unavailable"
    title = "Service Unavailable"


def problem_type(code: str) -> str:
    return f"urn:problem-type:{code.replace('_', '-')}"


def validation_errors(raw: list[Any]) -> list[dict[str, Any]]:
    """Pydantic errors without the rejected input, which may hold secrets."""
    return [
        {"loc": [str(part) for part in err.get("loc", ())], "msg": err["msg"], "type": err["type"]}
        for err in raw
    ]


def to_problem(
    exc: AppError, *, request_id: str | None = None, instance: str | None = None
) -> Problem:
    return Problem(
        type=problem_type(exc.code),
        title=exc.title,
        status=int(exc.status),
        detail=exc.detail,
        instance=instance,
        code=exc.code,
        request_id=request_id,
        errors=exc.errors,
    )


def internal_problem(*, request_id: str | None = None, instance: str | None = None) -> Problem:
    return to_problem(AppError(), request_id=request_id, instance=instance)
