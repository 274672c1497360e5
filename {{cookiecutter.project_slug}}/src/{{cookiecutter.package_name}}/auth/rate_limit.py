"""Who the HTTP rate limit counts: the token's subject, so a user has one budget everywhere.

`RateLimitMiddleware` runs before routing, where `authenticate` has not run yet; this validates
the bearer token itself and leaves the principal on the request, so the route's `authenticate`
does not validate it again. No token, or a bad one: None, and the limit falls back to the
client address (the request then gets its 401 from the route's gate as usual).
"""

import structlog
from starlette.requests import HTTPConnection
from starlette.types import Scope

from {{ cookiecutter.package_name }}.auth.tokens import InvalidTokenError
from {{ cookiecutter.package_name }}.container import Container


async def caller_identity(scope: Scope) -> str | None:
    connection = HTTPConnection(scope)
    scheme, _, token = connection.headers.get("authorization", "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        return None
    container: Container = scope["app"].state.container
    try:
        principal = await container.token_validator.validate(token)
    except InvalidTokenError:
        return None
    connection.state.principal = principal
    structlog.contextvars.bind_contextvars(user_id=principal.subject)
    return f"user:{principal.subject}"
