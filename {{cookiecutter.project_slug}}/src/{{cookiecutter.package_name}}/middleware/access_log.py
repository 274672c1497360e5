"""Exactly one log line per HTTP request, after the response is sent (`EdgeMiddleware` calls)."""

import structlog
from starlette.types import Scope

logger = structlog.get_logger("access")


def log_access(scope: Scope, route: str | None, status: int, seconds: float) -> None:
    logger.info(
        "request",
        method=scope["method"],
        path=scope["path"],
        route=route,
        status=status,
        duration_ms=round(seconds * 1000, 2),
        client=scope["client"][0] if scope.get("client") else None,
    )
