"""Build the token validator for the container: one HTTP client, one JWKS cache, one breaker."""

from contextlib import AsyncExitStack

import httpx
import structlog

from {{ cookiecutter.package_name }}.auth.breaker import CircuitBreaker
from {{ cookiecutter.package_name }}.auth.jwks import JwksCache
from {{ cookiecutter.package_name }}.auth.tokens import TokenValidator
from {{ cookiecutter.package_name }}.settings import Settings

logger = structlog.get_logger(__name__)


async def open_token_validator(settings: Settings, stack: AsyncExitStack) -> TokenValidator:
    """Fetch the keys once; if Keycloak is down the service starts anyway (see docs/auth.md)."""
    keycloak = settings.keycloak
    http = httpx.AsyncClient(timeout=keycloak.timeout_seconds, follow_redirects=False)
    stack.push_async_callback(http.aclose)
    keys = JwksCache(
        http,
        keycloak.jwks_url,
        breaker=CircuitBreaker(
            "jwks",  # its `circuit_breaker_state{breaker}` label
            failure_threshold=keycloak.breaker_failures,
            reset_seconds=keycloak.breaker_reset_seconds,
        ),
        max_age_seconds=keycloak.jwks_max_age_seconds,
        min_refetch_seconds=keycloak.jwks_min_refetch_seconds,
    )
    if not settings.is_development and keycloak.url.startswith("http://"):
        logger.warning("jwks_over_plain_http", url=keycloak.jwks_url)
    if not await keys.refresh():
        logger.warning("jwks_unavailable_at_startup", url=keycloak.jwks_url)
    return TokenValidator(
        keys=keys,
        issuer=keycloak.issuer_url,
        audience=keycloak.audience,
        client_id=keycloak.client_id,
        authorized_parties=frozenset(keycloak.authorized_parties),
        leeway_seconds=keycloak.leeway_seconds,
    )
