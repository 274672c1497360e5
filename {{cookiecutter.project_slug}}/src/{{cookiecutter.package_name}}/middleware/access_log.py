"""Exactly one log line per HTTP request, after the response is sent (`EdgeMiddleware` calls)."""

from starlette.types import Scope

from {{ cookiecutter.package_name }}.logs import StdoutLogger, emit

logger = StdoutLogger("access")


def log_access(scope: Scope, route: str | None, status: int, seconds: float) -> None:
    # As `structlog.get_logger("access").info("request", ...)`, a third cheaper (logs.emit).
    emit(
        logger,
        "info",
        {
            "method": scope["method"],
            "path": scope["path"],
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
            "client": scope["client"][0] if scope.get("client") else None,
            "event": "request",
        },
    )
