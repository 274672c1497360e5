"""The application factory, and `app`: what uvicorn serves (`<package>.main:app`)."""

{% if cookiecutter.use_keycloak -%}
from fastapi import Depends, FastAPI
{%- else -%}
from fastapi import FastAPI
{%- endif %}

from {{ cookiecutter.package_name }} import __version__
from {{ cookiecutter.package_name }}.api.http import health, metrics, v1
from {{ cookiecutter.package_name }}.api.http.problems import (
    UnhandledErrorMiddleware,
    install_problem_handlers,
)
{%- if cookiecutter.use_websockets %}
from {{ cookiecutter.package_name }}.api.ws import asyncapi, endpoint
{%- endif %}
{%- if cookiecutter.use_keycloak %}
from {{ cookiecutter.package_name }}.auth.dependencies import authorize
from {{ cookiecutter.package_name }}.auth.openapi import document_security
from {{ cookiecutter.package_name }}.auth.rate_limit import caller_identity
{%- endif %}
from {{ cookiecutter.package_name }}.lifespan import lifespan
from {{ cookiecutter.package_name }}.logs import configure_logging
from {{ cookiecutter.package_name }}.middleware.body_limit import BodyLimitMiddleware
from {{ cookiecutter.package_name }}.middleware.cors import CORSMiddleware, cors_options
from {{ cookiecutter.package_name }}.middleware.edge import EdgeMiddleware
from {{ cookiecutter.package_name }}.middleware.proxy_headers import ProxyHeadersMiddleware
from {{ cookiecutter.package_name }}.middleware.rate_limit import RateLimitMiddleware
from {{ cookiecutter.package_name }}.middleware.security_headers import (
    SecurityHeaders,
    docs_page_headers,
)
from {{ cookiecutter.package_name }}.middleware.trusted_hosts import TrustedHostMiddleware
from {{ cookiecutter.package_name }}.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(level=settings.log_level, json=not settings.is_development)
    app = FastAPI(
        title="{{ cookiecutter.project_name }}",
        version=__version__,
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_problem_handlers(app)
    app.include_router(health.router)
    app.include_router(metrics.router)
{%- if cookiecutter.use_keycloak %}
    # Every route included from here on passes the access rules in auth/policy.py. The probes
    # and /metrics, included above, are public: they answer without running any auth code.
    app.router.dependencies.append(Depends(authorize))
    document_security(app, settings.keycloak)
{%- endif %}
    app.include_router(v1.router)
{%- if cookiecutter.use_websockets %}
    app.include_router(endpoint.router)
    app.include_router(asyncapi.router)
{%- endif %}
    # Added last runs first: the real client before anyone reads it, a request id and security
    # headers on every answer (errors too), cheap refusals before the rate limit spends budget.
    if settings.rate_limit.enabled:
        app.add_middleware(
            RateLimitMiddleware,
            limit=settings.rate_limit.requests,
            window=settings.rate_limit.window_seconds,
{%- if cookiecutter.use_keycloak %}
            identify=caller_identity,  # a user's budget follows them across addresses
{%- endif %}
        )
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_request_body_bytes)
    app.add_middleware(UnhandledErrorMiddleware)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, **cors_options(settings.cors_origins))
    app.add_middleware(TrustedHostMiddleware, allowed_hosts=settings.allowed_hosts)
    # Request id, security headers, audit, metrics (every answer: 400, 413, 429 and 500 too)
    # and the access line, in one layer: see middleware/edge.py.
    security_headers = SecurityHeaders(
        hsts_max_age=0 if settings.is_development else settings.hsts_max_age_seconds,
{%- if cookiecutter.use_keycloak %}
        # Swagger UI's login fetches its token from Keycloak.
        page_headers=docs_page_headers(app, connect_to=[settings.keycloak.issuer_url]),
{%- else %}
        page_headers=docs_page_headers(app),
{%- endif %}
    )
    app.add_middleware(EdgeMiddleware, security_headers=security_headers)
    if settings.trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted=settings.trusted_proxies)
    return app


app = create_app()
