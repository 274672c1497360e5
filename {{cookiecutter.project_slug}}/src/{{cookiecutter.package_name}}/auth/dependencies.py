"""Auth for HTTP routes: the bearer token, `CurrentUser`, `require_roles` and the policy gate.

`authorize` runs before every route (see `main.py`) and applies `auth/policy.py`. Routes that
need the caller ask for `CurrentUser`; the token is validated once per request either way.
"""

from collections.abc import Awaitable, Callable
from typing import Annotated

import structlog
from fastapi import Depends
from starlette.requests import HTTPConnection
from starlette.types import Scope

from {{ cookiecutter.package_name }}.auth import metrics, policy
from {{ cookiecutter.package_name }}.auth.roles import Role
from {{ cookiecutter.package_name }}.auth.tokens import InvalidTokenError, Principal
from {{ cookiecutter.package_name }}.dependencies import ContainerDep, get_container
from {{ cookiecutter.package_name }}.errors import ForbiddenError, UnauthorizedError

logger = structlog.get_logger(__name__)


class NotAuthenticatedError(UnauthorizedError):
    code = "not_authenticated"


class InvalidAuthorizationError(UnauthorizedError):
    code = "invalid_request"


class InvalidAccessTokenError(UnauthorizedError):
    code = "invalid_token"


class MissingRolesError(ForbiddenError):
    code = "insufficient_role"


def challenge(realm: str, error: str | None = None, description: str | None = None) -> str:
    """A `WWW-Authenticate` value (RFC 6750): an error only when a token was sent."""
    params = [f'realm="{realm}"']
    if error:
        params.append(f'error="{error}"')
    if description:
        params.append(f'error_description="{description}"')
    return "Bearer " + ", ".join(params)


def bearer_token(connection: HTTPConnection, realm: str) -> str:
    """The token of `Authorization: Bearer <token>`; 401 without one, or with a malformed one."""
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        _reject("missing", metrics.Outcome.MISSING)
        raise NotAuthenticatedError(
            "An access token is required.", headers={"WWW-Authenticate": challenge(realm)}
        )
    token = token.strip()
    if not token or " " in token:
        message = "The Authorization header must be `Bearer <token>`."
        _reject("malformed_header", metrics.Outcome.INVALID)
        raise InvalidAuthorizationError(
            message,
            headers={"WWW-Authenticate": challenge(realm, "invalid_request", message)},
        )
    return token


async def authenticate(connection: HTTPConnection, container: ContainerDep) -> Principal:
    """The validated caller; cached on the connection, bound to the logs as `user_id`."""
    cached = getattr(connection.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    realm = container.settings.keycloak.realm
    token = bearer_token(connection, realm)
    try:
        principal = await container.token_validator.validate(token)
    except InvalidTokenError as exc:
        _reject(exc.reason, metrics.token_outcome(exc.reason))
        raise InvalidAccessTokenError(
            exc.message,
            headers={"WWW-Authenticate": challenge(realm, "invalid_token", exc.message)},
        ) from None
    connection.state.principal = principal
    structlog.contextvars.bind_contextvars(user_id=principal.subject)
    return principal


CurrentUser = Annotated[Principal, Depends(authenticate)]


def ensure_roles(principal: Principal, required: frozenset[Role], realm: str) -> None:
    """403 unless the caller holds every required role."""
    missing = required - principal.roles
    if missing:
        message = "Requires the role(s): " + ", ".join(sorted(missing)) + "."
        _reject("missing_role", metrics.Outcome.FORBIDDEN)
        raise MissingRolesError(
            message,
            headers={"WWW-Authenticate": challenge(realm, "insufficient_scope", message)},
        )


def require_roles(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency: the caller, if they hold every one of `roles` (else 403).

    `user: Annotated[Principal, Depends(require_roles(Role.WRITER))]`
    """
    required = frozenset(roles)

    async def caller_with_roles(user: CurrentUser, container: ContainerDep) -> Principal:
        ensure_roles(user, required, container.settings.keycloak.realm)
        return user

    return caller_with_roles


async def authorize(connection: HTTPConnection) -> None:
    """The gate in front of every HTTP route: apply the route's rule from `auth/policy.py`.

    Other connection types run it too (router dependencies apply to every route); they
    authenticate within their own protocol, so it lets them through. It takes no sub-dependency
    (the container is fetched only for a non-public route): FastAPI would resolve one on every
    request, probes included, for about as much CPU as the rest of the route.
    """
    if connection.scope["type"] != "http":
        return
    route = route_template(connection.scope)
    method = connection.scope.get("method", "GET")
    access = policy.http_access(method, route) if route else None
    if access is not None and access.public:
        return
    container = await get_container(connection)
    principal = await authenticate(connection, container)
    if access is None:
        logger.error("route_without_access_rule", method=method, route=route)
        _reject("no_rule", metrics.Outcome.FORBIDDEN)
        raise ForbiddenError("This route has no access rule.")
    ensure_roles(principal, access.roles, container.settings.keycloak.realm)
    metrics.authenticated(metrics.HTTP, metrics.Outcome.OK)


def route_template(scope: Scope) -> str | None:
    """The matched route's full template, e.g. `/api/v1/items/{item_id}`.

    Since FastAPI 0.137, `scope["route"]` of a route added with `include_router` lacks the
    include prefixes; the effective route context FastAPI stores in the scope has them.
    """
    context = scope.get("fastapi", {}).get("effective_route_context")
    template = getattr(context, "path_format", None) or getattr(
        scope.get("route"), "path_format", None
    )
    return template if isinstance(template, str) else None


def _reject(reason: str, outcome: str) -> None:
    # The access log line of this request says why (never the token itself).
    structlog.contextvars.bind_contextvars(auth_error=reason)
    metrics.authenticated(metrics.HTTP, outcome)
