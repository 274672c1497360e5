"""Every HTTP error leaves as `application/problem+json` (RFC 9457)."""

from http import HTTPStatus
from typing import Any, cast

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from {{ cookiecutter.package_name }}.db import is_unavailable
from {{ cookiecutter.package_name }}.errors import (
    AppError,
    Problem,
    ServiceUnavailableError,
    ValidationFailedError,
    internal_problem,
    problem_type,
    to_problem,
    validation_errors,
)
from {{ cookiecutter.package_name }}.metrics import DB_UNAVAILABLE
from {{ cookiecutter.package_name }}.request_context import current_request_id

logger = structlog.get_logger(__name__)

MEDIA_TYPE = "application/problem+json"
RETRY_AFTER_SECONDS = "5"


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> Response:
    return Response(
        content=problem.model_dump_json(exclude_none=True),
        status_code=problem.status,
        media_type=MEDIA_TYPE,
        headers=headers,
    )


async def send_problem(error: AppError, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer `error` from a middleware, which the app's exception handlers do not wrap."""
    problem = to_problem(error, request_id=current_request_id(), instance=scope["path"])
    await problem_response(problem, error.headers)(scope, receive, send)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the error statuses a route can answer."""
    return {
        status: {
            "model": Problem,
            "description": HTTPStatus(status).phrase,
            "content": {MEDIA_TYPE: {}},
        }
        for status in statuses
    }


# Each handler is registered for one exception class only: the casts below are safe.


async def _app_error(request: Request, exc: Exception) -> Response:
    error = cast(AppError, exc)
    if error.status >= HTTPStatus.INTERNAL_SERVER_ERROR:
        logger.error("request_failed", code=error.code, detail=error.detail)
    problem = to_problem(error, request_id=current_request_id(), instance=request.url.path)
    return problem_response(problem, error.headers)


async def _validation_error(request: Request, exc: Exception) -> Response:
    errors = validation_errors(list(cast(RequestValidationError, exc).errors()))
    error = ValidationFailedError("The request is not valid.", errors=errors)
    return await _app_error(request, error)


async def _http_exception(request: Request, exc: Exception) -> Response:
    error = cast(HTTPException, exc)
    status = HTTPStatus(error.status_code)
    code = status.phrase.lower().replace(" ", "_").replace("-", "_")
    problem = Problem(
        type=problem_type(code),
        title=status.phrase,
        status=status,
        detail=error.detail if error.detail != status.phrase else None,
        instance=request.url.path,
        code=code,
        request_id=current_request_id(),
    )
    headers = dict(error.headers or {})
    if status is HTTPStatus.METHOD_NOT_ALLOWED:
        headers["Allow"] = ", ".join(_allowed_methods(request))
    return problem_response(problem, headers)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route accepts for this path (RFC 9110), not just the first route's:
    `GET /items` and `POST /items` are two routes."""
    routes = request.app.router.routes
    return [
        method
        for method in _METHODS
        if any(r.matches({**request.scope, "method": method})[0] is Match.FULL for r in routes)
    ]


async def _database_error(request: Request, exc: Exception) -> Response:
    # Down, unreachable, saturated or too slow is the database being unavailable: ask to
    # retry. Any other driver error is a bug, reported as a plain 500 without its SQL.
    if is_unavailable(exc):
        DB_UNAVAILABLE.inc()
        logger.warning("database_unavailable", error=type(exc).__name__)
        error = ServiceUnavailableError(
            "The database is unavailable; retry shortly.",
            headers={"Retry-After": RETRY_AFTER_SECONDS},
        )
        return await _app_error(request, error)
    return await _unhandled(request, exc)


async def _unhandled(request: Request, exc: Exception) -> Response:
    logger.error("unhandled_exception", exc_info=exc)
    return problem_response(
        internal_problem(request_id=current_request_id(), instance=request.url.path)
    )


class UnhandledErrorMiddleware:
    """Turns an exception nothing else handled into an opaque 500 problem.

    Starlette sends such errors to its outermost middleware, past our request id and
    access log; catching them here keeps both on the response.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_tracking_start(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, send_tracking_start)
        except Exception as exc:
            if started:  # too late for a problem response; let the server drop the connection
                raise
            response = await _unhandled(Request(scope), exc)
            await response(scope, receive, send)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(HTTPException, _http_exception)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(PoolTimeoutError, _database_error)
    app.add_exception_handler(OSError, _database_error)
